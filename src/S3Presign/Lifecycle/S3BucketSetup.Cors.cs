using System.Net;
using Amazon.S3;
using Amazon.S3.Model;

namespace S3Presign.Lifecycle;

public sealed partial class S3BucketSetup
{
    /// <summary>The id of the CORS rule that lets browsers upload to and download from the bucket.</summary>
    public const string CorsRuleId = "s3presign-browser-uploads";

    private static readonly string[] CorsMethods = ["GET", "HEAD", "POST", "PUT"];

    /// <summary>
    /// Installs (or updates) the CORS rule that browser uploads need: from <paramref name="origins"/>, allow
    /// <c>GET</c>, <c>PUT</c>, <c>POST</c> and <c>HEAD</c> with any request header, and expose <c>ETag</c> (which
    /// multipart clients must read). The rule has the id <see cref="CorsRuleId"/>; its origins are replaced by
    /// <paramref name="origins"/>, and rules with other ids are kept as they are. Idempotent.
    /// </summary>
    /// <param name="origins">Origins such as <c>https://app.example.com</c> or <c>http://127.0.0.1:5080</c> (scheme, host
    /// and port; no path), or <c>*</c>.</param>
    /// <param name="cancellationToken">The token to cancel the operation.</param>
    /// <returns><see langword="true"/> when the bucket's configuration changed.</returns>
    /// <exception cref="ArgumentException">No origin is given, or one is not an origin.</exception>
    public async Task<bool> EnsureCorsAsync(IEnumerable<string> origins, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(origins);
        var allowed = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var origin in origins)
        {
            allowed.Add(NormalizeOrigin(origin));
        }

        if (allowed.Count == 0)
        {
            throw new ArgumentException("At least one origin is required.", nameof(origins));
        }

        var bucket = _options.CurrentValue.Bucket;
        var existing = await GetCorsRulesAsync(bucket, cancellationToken).ConfigureAwait(false);
        var current = existing.Where(r => r.Id == CorsRuleId).ToList();
        if (current.Count == 1 && IsWanted(current[0], allowed))
        {
            return false;
        }

        var rules = existing.Where(r => r.Id != CorsRuleId).ToList();
        rules.Add(new CORSRule
        {
            Id = CorsRuleId,
            AllowedOrigins = [.. allowed],
            AllowedMethods = [.. CorsMethods],
            AllowedHeaders = ["*"],
            ExposeHeaders = ["ETag"],
            MaxAgeSeconds = 3000,
        });
        await _s3.ExecuteAsync(
            (s3, t) => s3.PutCORSConfigurationAsync(
                new PutCORSConfigurationRequest { BucketName = bucket, Configuration = new CORSConfiguration { Rules = rules } },
                t),
            cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task<List<CORSRule>> GetCorsRulesAsync(string bucket, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _s3.ExecuteAsync(
                (s3, t) => s3.GetCORSConfigurationAsync(new GetCORSConfigurationRequest { BucketName = bucket }, t),
                cancellationToken).ConfigureAwait(false);
            return response.Configuration?.Rules ?? [];
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode == "NoSuchCORSConfiguration")
        {
            return [];
        }
    }

    private static string NormalizeOrigin(string? origin)
    {
        if (origin == "*")
        {
            return origin;
        }

        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
        {
            throw new ArgumentException($"'{origin}' is not an origin (scheme://host[:port], no path).", nameof(origin));
        }

        return uri.GetLeftPart(UriPartial.Authority);
    }

    private static bool IsWanted(CORSRule rule, SortedSet<string> origins) =>
        SameSet(rule.AllowedOrigins, origins, StringComparer.Ordinal)
        && SameSet(rule.AllowedMethods, CorsMethods, StringComparer.OrdinalIgnoreCase)
        && SameSet(rule.AllowedHeaders, ["*"], StringComparer.Ordinal)
        && SameSet(rule.ExposeHeaders, ["ETag"], StringComparer.OrdinalIgnoreCase);

    private static bool SameSet(IEnumerable<string>? actual, IEnumerable<string> expected, StringComparer comparer) =>
        new HashSet<string>(actual ?? [], comparer).SetEquals(expected);
}
