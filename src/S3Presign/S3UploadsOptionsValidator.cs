using System.Globalization;
using System.Net;
using Microsoft.Extensions.Options;

namespace S3Presign;

/// <summary>
/// Validates <see cref="S3UploadsOptions"/> at start-up; every failure names the configuration key.
/// </summary>
internal sealed class S3UploadsOptionsValidator : IValidateOptions<S3UploadsOptions>
{
    private static readonly TimeSpan MaxPresignExpiry = TimeSpan.FromDays(7);
    private const long MinPartSize = 5L * 1024 * 1024;
    private const long MaxPartSize = 5L * 1024 * 1024 * 1024;

    public ValidateOptionsResult Validate(string? name, S3UploadsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        const string S = S3UploadsOptions.SectionName;

        if (string.IsNullOrWhiteSpace(options.Bucket))
        {
            failures.Add($"{S}:Bucket is required.");
        }
        else if (BucketNameError(options.Bucket) is { } bucketError)
        {
            failures.Add($"{S}:Bucket '{options.Bucket}' is not a valid bucket name: {bucketError}.");
        }

        if (string.IsNullOrWhiteSpace(options.Region))
        {
            failures.Add($"{S}:Region is required.");
        }

        if (options.ServiceUrl is { } url
            && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            failures.Add($"{S}:ServiceUrl must be an absolute http:// or https:// URL.");
        }

        if (options.KeyPrefix is { Length: > 0 } prefix
            && (prefix.StartsWith('/') || prefix.EndsWith('/') || prefix.Split('/').Any(s => s is "" or "." or "..")
                || prefix.Any(char.IsControl)))
        {
            failures.Add($"{S}:KeyPrefix must not start or end with '/', contain empty, '.' or '..' segments, or control characters.");
        }

        if (options.UploadUrlExpiry < TimeSpan.FromSeconds(1) || options.UploadUrlExpiry > MaxPresignExpiry)
        {
            failures.Add($"{S}:UploadUrlExpiry must be between 00:00:01 and 7.00:00:00 (S3's limit for presigned requests).");
        }

        if (options.PendingTtl <= options.UploadUrlExpiry)
        {
            failures.Add($"{S}:PendingTtl ({options.PendingTtl.ToString("c", CultureInfo.InvariantCulture)}) must exceed "
                + $"{S}:UploadUrlExpiry ({options.UploadUrlExpiry.ToString("c", CultureInfo.InvariantCulture)}), "
                + "so that nothing can be written to a key after the sweeper has removed it.");
        }

        if (options.SweepInterval <= TimeSpan.Zero)
        {
            failures.Add($"{S}:SweepInterval must be positive.");
        }

        if (options.SweepBatchSize is < 1 or > 1000)
        {
            failures.Add($"{S}:SweepBatchSize must be between 1 and 1000.");
        }

        if (options.SweepLease <= TimeSpan.Zero)
        {
            failures.Add($"{S}:SweepLease must be positive.");
        }

        if (options.MaxFileSize is { } max && max <= 0)
        {
            failures.Add($"{S}:MaxFileSize must be positive.");
        }

        foreach (var type in options.AllowedContentTypes)
        {
            if (!ContentTypes.IsValidPattern(type))
            {
                failures.Add($"{S}:AllowedContentTypes entry '{type}' is not a media type or a 'type/*' wildcard.");
            }
        }

        if (options.DownloadUrlExpiry < TimeSpan.FromSeconds(1) || options.DownloadUrlExpiry > MaxPresignExpiry)
        {
            failures.Add($"{S}:DownloadUrlExpiry must be between 00:00:01 and 7.00:00:00.");
        }

        if (options.MaxDownloadUrlExpiry < options.DownloadUrlExpiry || options.MaxDownloadUrlExpiry > MaxPresignExpiry)
        {
            failures.Add($"{S}:MaxDownloadUrlExpiry must be at least {S}:DownloadUrlExpiry and at most 7.00:00:00.");
        }

        if (options.MultipartPartSize < MinPartSize || options.MultipartPartSize > MaxPartSize)
        {
            failures.Add($"{S}:MultipartPartSize must be between 5242880 (5 MiB) and 5368709120 (5 GiB) bytes.");
        }

        if (options.MultipartThreshold < 1 || options.MultipartThreshold > MaxPartSize)
        {
            failures.Add($"{S}:MultipartThreshold must be between 1 and 5368709120 (5 GiB, the largest single PUT) bytes.");
        }

        if (options.S3AttemptTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{S}:S3AttemptTimeout must be positive.");
        }

        if (options.S3MaxRetries is < 0 or > 10)
        {
            failures.Add($"{S}:S3MaxRetries must be between 0 and 10.");
        }

        if (options.S3RetryDelay < TimeSpan.Zero)
        {
            failures.Add($"{S}:S3RetryDelay must not be negative.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>S3's general-purpose bucket naming rules.</summary>
    internal static string? BucketNameError(string bucket)
    {
        if (bucket.Length is < 3 or > 63) return "it must be 3 to 63 characters long";
        foreach (var c in bucket)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '-'))
            {
                return "only lowercase letters, digits, '.' and '-' are allowed";
            }
        }

        if (!char.IsAsciiLetterOrDigit(bucket[0]) || !char.IsAsciiLetterOrDigit(bucket[^1]))
            return "it must begin and end with a letter or digit";
        if (bucket.Contains("..", StringComparison.Ordinal)) return "it must not contain two adjacent periods";
        if (bucket.Contains(".-", StringComparison.Ordinal) || bucket.Contains("-.", StringComparison.Ordinal))
            return "a period must not be next to a hyphen";
        if (IPAddress.TryParse(bucket, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            && bucket.Count(c => c == '.') == 3)
            return "it must not be formatted as an IP address";
        if (bucket.StartsWith("xn--", StringComparison.Ordinal)) return "it must not start with 'xn--'";
        return null;
    }
}
