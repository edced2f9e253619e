using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using S3Presign.S3;

namespace S3Presign.Signing;

/// <summary>
/// Presigns S3 requests. Every header returned in <see cref="PresignedRequest.Headers"/> is part of the signature, so
/// S3 refuses a request that changes it.
/// </summary>
/// <remarks>
/// Signs on a fast SigV4 query path (<see cref="SigV4QueryPresigner"/>: cached signing key, no endpoint resolution per
/// call, the signing time from the injected <see cref="TimeProvider"/>) that yields the very URL AWSSDK's
/// <c>GetPreSignedURL</c> would. Configurations it does not cover (<see cref="PresignFallbackReason"/>) and
/// <see cref="S3UploadsOptions.UseAwsSdkPresigner"/> go to AWSSDK's presigner.
/// </remarks>
internal sealed partial class UploadPresigner
{
    private readonly S3ClientProvider _clients;
    private readonly TimeProvider _timeProvider;
    private readonly IOptionsMonitor<S3UploadsOptions> _options;
    private readonly Lazy<FastPathContext> _fastPath;
    private readonly ILogger _logger;

    // The (bucket, reason) pairs already logged: a configuration's fallback is worth one line, not one per URL.
    private readonly ConcurrentDictionary<(string Bucket, PresignFallbackReason Reason), bool> _loggedFallbacks = new();

    public UploadPresigner(
        S3ClientProvider clients,
        TimeProvider timeProvider,
        IOptionsMonitor<S3UploadsOptions> options,
        ILoggerFactory? loggerFactory = null)
    {
        _clients = clients;
        _timeProvider = timeProvider;
        _options = options;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<UploadPresigner>();
        var signer = new SigV4QueryPresigner();
        _fastPath = new Lazy<FastPathContext>(() => FastPathContext.Create(clients.Client, clients.UsesHttp, signer));
    }

    public PresignedRequest PresignPut(
        string bucket,
        string key,
        string contentType,
        long? size,
        string? checksumSha256,
        string? contentMd5,
        IReadOnlyDictionary<string, string> metadata,
        DateTimeOffset expiresAt)
    {
        var preventOverwrite = _options.CurrentValue.PreventOverwrite;
        IReadOnlyDictionary<string, string> headers = checksumSha256 is null && contentMd5 is null && metadata.Count == 0
            ? PlainHeaders(contentType, preventOverwrite)
            : UploadHeaders(contentType, checksumSha256, contentMd5, metadata, preventOverwrite);
        var url = PresignUrl(bucket, new PresignSpec
        {
            Method = "PUT",
            Key = key,
            ContentType = contentType,
            ContentLength = size,
            ChecksumSha256 = checksumSha256,
            ContentMd5 = contentMd5,
            Tagging = S3Gateway.PendingTagging,
            IfNoneMatch = preventOverwrite ? "*" : null,
            Metadata = metadata,
        }, expiresAt);
        return new PresignedRequest(ToUri(url), ToUri(url[..url.IndexOf('?', StringComparison.Ordinal)]), headers);
    }

    /// <summary>The headers of an upload with only a content type (the common case): one read-only instance per type.</summary>
    private static System.Collections.ObjectModel.ReadOnlyDictionary<string, string> PlainHeaders(string contentType, bool preventOverwrite)
    {
        if (PlainHeadersByType.TryGetValue((contentType, preventOverwrite), out var cached))
        {
            return cached;
        }

        var headers = UploadHeaders(contentType, null, null, EmptyMetadata, preventOverwrite).AsReadOnly();

        // Bounded: the issuer accepts only valid (usually allow-listed) types, but a cache must not grow without end.
        if (PlainHeadersByType.Count < MaxCachedContentTypes)
        {
            PlainHeadersByType.TryAdd((contentType, preventOverwrite), headers);
        }

        return headers;
    }

    private const int MaxCachedContentTypes = 256;

    private static readonly ConcurrentDictionary<(string ContentType, bool PreventOverwrite), System.Collections.ObjectModel.ReadOnlyDictionary<string, string>> PlainHeadersByType =
        new();

    private static readonly Dictionary<string, string> EmptyMetadata = [];

    private static Dictionary<string, string> UploadHeaders(
        string contentType, string? checksumSha256, string? contentMd5, IReadOnlyDictionary<string, string> metadata, bool preventOverwrite)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Content-Type"] = contentType,
            ["x-amz-tagging"] = S3Gateway.PendingTagging,
        };

        if (preventOverwrite)
        {
            headers["If-None-Match"] = "*";
        }

        // Content-Length is signed but not returned: every HTTP client derives it from the body (browsers refuse to set it).
        if (checksumSha256 is not null)
        {
            headers["x-amz-checksum-sha256"] = checksumSha256;
        }

        if (contentMd5 is not null)
        {
            headers["Content-MD5"] = contentMd5;
        }

        foreach (var (name, value) in metadata)
        {
            // The header AWSSDK signs: it does not prefix a name that already carries the prefix.
            headers[name.StartsWith("x-amz-meta-", StringComparison.OrdinalIgnoreCase) ? name : "x-amz-meta-" + name] = value;
        }

        return headers;
    }

    /// <summary>
    /// Wraps a URL this class signed, exactly as signed: it is already in canonical, percent-encoded form, and the
    /// signature covers it character for character, so <see cref="Uri"/> has nothing to canonicalize (and skipping that
    /// keeps a long query string from being parsed again).
    /// </summary>
    internal static Uri ToUri(string url) => new(url, in Verbatim);

    private static readonly UriCreationOptions Verbatim = new() { DangerousDisablePathAndQueryCanonicalization = true };

    public Uri PresignGet(string bucket, string key, DateTimeOffset expiresAt, string? contentDisposition = null) =>
        ToUri(PresignUrl(bucket, new PresignSpec { Method = "GET", Key = key, ResponseContentDisposition = contentDisposition }, expiresAt));

    /// <summary>Presigns a DELETE of the object.</summary>
    public Uri PresignDelete(string bucket, string key, DateTimeOffset expiresAt) =>
        ToUri(PresignUrl(bucket, new PresignSpec { Method = "DELETE", Key = key }, expiresAt));

    /// <summary>Presigns the PUT of one part of a multipart upload.</summary>
    public Uri PresignPart(string bucket, string key, string uploadId, int partNumber, DateTimeOffset expiresAt, long? size = null) =>
        ToUri(PresignUrl(bucket, new PresignSpec
        {
            Method = "PUT",
            Key = key,
            UploadId = uploadId,
            PartNumber = partNumber,
            ContentLength = size,
        }, expiresAt));

    /// <summary>Presigns <paramref name="spec"/> on the fast path when it can, else with AWSSDK.</summary>
    internal string PresignUrl(string bucket, in PresignSpec spec, DateTimeOffset expiresAt)
    {
        if (TryPresignFast(bucket, spec, expiresAt, out var reason) is { } url)
        {
            return url;
        }

        if (reason == PresignFallbackReason.UnsupportedRequest)
        {
            // A property of this one request (e.g. a key with a '..' segment), not of the configuration.
            LogRequestFallback(_logger, bucket, spec.Method);
        }
        else if (_loggedFallbacks.TryAdd((bucket, reason), true))
        {
            LogConfigurationFallback(_logger, bucket, reason);
        }

        return AwsSdkPresigner.Presign(_clients.Client, _clients.UsesHttp, bucket, spec, expiresAt);
    }

    /// <summary>Why <see cref="PresignUrl"/> would go to AWSSDK for this request, or <see cref="PresignFallbackReason.None"/>.</summary>
    internal PresignFallbackReason ExplainFallback(string bucket, in PresignSpec spec, DateTimeOffset expiresAt)
    {
        TryPresignFast(bucket, spec, expiresAt, out var reason);
        return reason;
    }

    private string? TryPresignFast(string bucket, in PresignSpec spec, DateTimeOffset expiresAt, out PresignFallbackReason reason)
    {
        ArgumentNullException.ThrowIfNull(bucket);
        ArgumentNullException.ThrowIfNull(spec.Key);
        if (_options.CurrentValue.UseAwsSdkPresigner)
        {
            reason = PresignFallbackReason.ForcedByOptions;
            return null;
        }

        var fastPath = _fastPath.Value;
        reason = fastPath.TryGetTarget(bucket, out var target);
        if (target is null)
        {
            return null;
        }

        var signedAt = _timeProvider.GetUtcNow().UtcDateTime;

        // AWSSDK's rounding of the lifetime, so both presigners agree to the second.
        var expiresSeconds = Convert.ToInt64((expiresAt.UtcDateTime - signedAt).TotalSeconds);
        var url = fastPath.Signer.TryPresign(target, fastPath.GetCredentials(), signedAt, expiresSeconds, spec);
        if (url is null)
        {
            reason = PresignFallbackReason.UnsupportedRequest;
        }

        return url;
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Presigned URLs for bucket {Bucket} are signed by AWSSDK's presigner ({Reason}): the fast SigV4 path does not cover this configuration.")]
    private static partial void LogConfigurationFallback(ILogger logger, string bucket, PresignFallbackReason reason);

    [LoggerMessage(Level = LogLevel.Debug,
        Message = "A presigned {Method} for bucket {Bucket} is signed by AWSSDK's presigner: the fast SigV4 path does not cover this request.")]
    private static partial void LogRequestFallback(ILogger logger, string bucket, string method);
}

/// <summary>A presigned URL, the object's plain URL (the presigned one without its query) and the headers the client
/// must send with it.</summary>
internal sealed record PresignedRequest(Uri Url, Uri ObjectUrl, IReadOnlyDictionary<string, string> Headers);
