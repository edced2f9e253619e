namespace S3Presign.AspNetCore.Tests.Infrastructure;

/// <summary>
/// The Ceph RADOS Gateway these tests run against, on its own port (7482) so it never collides with the core's test
/// server. Started by <c>eng/ceph/rgw.sh</c> when it is not running; a failure to start fails the tests.
/// </summary>
internal static class RgwServer
{
    public const int Port = 7482;

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static Uri? _serviceUrl;

    /// <summary>Gets the access key of the gateway's test user.</summary>
    public static string AccessKey { get; private set; } = string.Empty;

    /// <summary>Gets the secret key of the gateway's test user.</summary>
    public static string SecretKey { get; private set; } = string.Empty;

    /// <summary>Starts the gateway if needed and puts its credentials in the standard AWS environment variables.</summary>
    public static async Task<Uri> EnsureStartedAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_serviceUrl is not null)
            {
                return _serviceUrl;
            }

            string output;
            try
            {
                output = await StartAsync();
            }
            catch (InvalidOperationException)
            {
                // A half-started cluster (seen once: "ceph osd crush add failed" under load) is torn down and retried once.
                await Processes.RunAsync("bash", [Repository.Path("eng", "ceph", "rgw.sh"), "stop", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromMinutes(1));
                output = await StartAsync();
            }

            var exports = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(l => l.StartsWith("export ", StringComparison.Ordinal))
                .Select(l => l["export ".Length..].Split('=', 2))
                .ToDictionary(p => p[0], p => p[1].Trim('\'', '"'));

            AccessKey = exports["AWS_ACCESS_KEY_ID"];
            SecretKey = exports["AWS_SECRET_ACCESS_KEY"];
            Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", AccessKey);
            Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", SecretKey);
            Environment.SetEnvironmentVariable("AWS_DEFAULT_REGION", exports.GetValueOrDefault("AWS_DEFAULT_REGION", "us-east-1"));
            _serviceUrl = new Uri(exports["S3Uploads__ServiceUrl"]);
            return _serviceUrl;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>A bucket name no other test class uses.</summary>
    public static string NewBucketName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 17, 63)];

    private static Task<string> StartAsync() =>
        Processes.RunAsync("bash", [Repository.Path("eng", "ceph", "rgw.sh"), "start", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromMinutes(4));
}
