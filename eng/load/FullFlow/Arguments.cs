using System.Globalization;
using Amazon.Runtime;
using Amazon.S3;

namespace FullFlow;

/// <summary><c>--name value</c> pairs.</summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public static Arguments Parse(ReadOnlySpan<string> args)
    {
        var parsed = new Arguments();
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"expected '--name value', got '{args[i]}'");
            }

            parsed._values[args[i][2..]] = args[i + 1];
        }

        return parsed;
    }

    public string Required(string name) =>
        _values.TryGetValue(name, out var v) && v.Length > 0 ? v : throw new ArgumentException($"--{name} is required");

    public string? Optional(string name) => _values.TryGetValue(name, out var v) && v.Length > 0 ? v : null;

    public int Int(string name, int fallback) =>
        Optional(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public double Double(string name, double fallback) =>
        Optional(name) is { } v ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public TimeSpan Seconds(string name, double fallback) => TimeSpan.FromSeconds(Double(name, fallback));

    /// <summary>An S3 client for the checks, configured like the library configures its own for RGW.</summary>
    public AmazonS3Client S3Client()
    {
        var key = Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID")
            ?? throw new ArgumentException("AWS_ACCESS_KEY_ID is not set (eval the lines eng/ceph/rgw.sh prints)");
        var secret = Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY")
            ?? throw new ArgumentException("AWS_SECRET_ACCESS_KEY is not set");
        var url = Required("s3-url").TrimEnd('/');
        return new AmazonS3Client(new BasicAWSCredentials(key, secret), new AmazonS3Config
        {
            ServiceURL = url,
            UseHttp = url.StartsWith("http://", StringComparison.OrdinalIgnoreCase),
            ForcePathStyle = true,
            AuthenticationRegion = Optional("region") ?? "us-east-1",
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });
    }
}
