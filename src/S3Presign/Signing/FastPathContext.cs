using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using Amazon.Runtime;
using Amazon.Runtime.Credentials.Internal;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.Util;

namespace S3Presign.Signing;

/// <summary>
/// What the fast path knows about one <see cref="IAmazonS3"/>: whether it may sign for it at all, its credentials
/// (AWSSDK's chain, refreshed by AWSSDK), and each bucket's <see cref="PresignTarget"/>.
/// </summary>
/// <remarks>
/// A bucket's target is learned by asking AWSSDK for one probe URL and taking its endpoint and credential scope;
/// the fast path then signs the same probe itself and must produce the very same string. If anything in AWSSDK's URL
/// is unexpected (another signature version, an S3 Express session token, a host the probe cannot reproduce) the
/// bucket stays on AWSSDK's presigner.
/// </remarks>
internal sealed class FastPathContext
{
    /// <summary>The probe key: a slash, a space, a plus, a tilde and a non-ASCII letter exercise the key encoding.</summary>
    internal const string ProbeKey = "s3presign-probe/a b+c~\u00e9";

    /// <summary>How long a snapshot of environment-variable credentials serves before they are read again.</summary>
    internal static readonly TimeSpan EnvironmentCredentialsLifetime = TimeSpan.FromSeconds(1);

    private static readonly PropertyInfo? ExplicitCredentialsProperty =
        typeof(AmazonServiceClient).GetProperty("ExplicitAWSCredentials", BindingFlags.Instance | BindingFlags.NonPublic);

    private readonly IAmazonS3? _client;
    private readonly bool _useHttp;
    private readonly SigV4QueryPresigner _signer;
    private readonly AWSCredentials? _credentials;
    private readonly ImmutableCredentials? _fixedCredentials;
    private readonly TimeProvider? _snapshotClock;
    private CredentialsSnapshot? _snapshot;
    private readonly ConcurrentDictionary<string, (PresignTarget? Target, PresignFallbackReason Reason)> _targets = new(StringComparer.Ordinal);
    private (string Bucket, PresignTarget Target)? _last;

    private FastPathContext(PresignFallbackReason reason, SigV4QueryPresigner signer)
    {
        Reason = reason;
        _signer = signer;
    }

    private FastPathContext(IAmazonS3 client, bool useHttp, SigV4QueryPresigner signer, AWSCredentials credentials, TimeProvider? snapshotClock)
    {
        _client = client;
        _useHttp = useHttp;
        _signer = signer;
        _credentials = credentials;

        // These never change, so one snapshot serves every call.
        if (credentials is BasicAWSCredentials or SessionAWSCredentials)
        {
            _fixedCredentials = credentials.GetCredentials();
        }
        else if (credentials is EnvironmentVariablesAWSCredentials)
        {
            // AWSSDK reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN again on every GetCredentials
            // (a few microseconds, a third of a presign). They change only if the process itself sets them, so a
            // snapshot serves for EnvironmentCredentialsLifetime and is then read again. Refreshing providers
            // (assume-role, instance profile, SSO…) keep being asked per call: they cache and renew themselves.
            _snapshotClock = snapshotClock ?? TimeProvider.System;
        }
    }

    /// <summary>Gets why the fast path cannot sign for this client at all, or <see cref="PresignFallbackReason.None"/>.</summary>
    public PresignFallbackReason Reason { get; }

    public SigV4QueryPresigner Signer => _signer;

    public static FastPathContext Create(IAmazonS3 client, bool useHttp, SigV4QueryPresigner signer) =>
        Create(client, useHttp, signer, snapshotClock: null);

    /// <summary>As <see cref="Create(IAmazonS3, bool, SigV4QueryPresigner)"/>; <paramref name="snapshotClock"/> times the environment credentials' snapshot (tests).</summary>
    internal static FastPathContext Create(IAmazonS3 client, bool useHttp, SigV4QueryPresigner signer, TimeProvider? snapshotClock)
    {
        if (client is not AmazonS3Client amazon)
        {
            return new FastPathContext(PresignFallbackReason.NotAmazonS3Client, signer);
        }

        if (amazon.Config is AmazonS3Config config)
        {
            if (config.UseAccelerateEndpoint)
            {
                return new FastPathContext(PresignFallbackReason.AccelerateEndpoint, signer);
            }

            if (config.UseDualstackEndpoint)
            {
                return new FastPathContext(PresignFallbackReason.DualStackEndpoint, signer);
            }

            if (config.UseFIPSEndpoint)
            {
                return new FastPathContext(PresignFallbackReason.FipsEndpoint, signer);
            }
        }

        var credentials = ResolveCredentials(amazon);
        return credentials is null or AnonymousAWSCredentials
            ? new FastPathContext(PresignFallbackReason.NoCredentials, signer)
            : new FastPathContext(client, useHttp, signer, credentials, snapshotClock);
    }

    /// <summary>The credentials as of now: a refreshing provider renews them here when they are about to expire.</summary>
    public ImmutableCredentials GetCredentials()
    {
        if (_fixedCredentials is not null)
        {
            return _fixedCredentials;
        }

        if (_snapshotClock is null)
        {
            return _credentials!.GetCredentials();
        }

        var now = _snapshotClock.GetTimestamp();
        if (_snapshot is { } snapshot && _snapshotClock.GetElapsedTime(snapshot.ReadAt, now) < EnvironmentCredentialsLifetime)
        {
            return snapshot.Credentials;
        }

        var credentials = _credentials!.GetCredentials();
        _snapshot = new CredentialsSnapshot(credentials, now);
        return credentials;
    }

    /// <summary>Gets the bucket's target, learning it on first use.</summary>
    public PresignFallbackReason TryGetTarget(string bucket, out PresignTarget? target)
    {
        if (Reason != PresignFallbackReason.None)
        {
            target = null;
            return Reason;
        }

        if (_last is { } last && string.Equals(last.Bucket, bucket, StringComparison.Ordinal))
        {
            target = last.Target;
            return PresignFallbackReason.None;
        }

        var entry = _targets.GetOrAdd(bucket, Calibrate);
        target = entry.Target;
        if (target is not null)
        {
            _last = (bucket, target);
        }

        return entry.Reason;
    }

    private (PresignTarget?, PresignFallbackReason) Calibrate(string bucket)
    {
        if (bucket.EndsWith("--x-s3", StringComparison.Ordinal))
        {
            return (null, PresignFallbackReason.S3ExpressBucket);
        }

        if (bucket.StartsWith("arn:", StringComparison.Ordinal))
        {
            return (null, PresignFallbackReason.ArnBucket);
        }

        // Twice, in case the credentials were refreshed between AWSSDK's probe and ours.
        for (var attempt = 0; attempt < 2; attempt++)
        {
            // Read afresh (not the environment snapshot): AWSSDK's probe reads them afresh too.
            var credentials = _fixedCredentials ?? _credentials!.GetCredentials();
            string url;
            try
            {
                url = AwsSdkPresigner.Presign(_client!, _useHttp, bucket,
                    new PresignSpec { Method = "GET", Key = ProbeKey }, AWSSDKUtils.CorrectedUtcNow.AddMinutes(5));
            }
            catch (Exception e) when (e is AmazonClientException or ArgumentException or InvalidOperationException)
            {
                return (null, PresignFallbackReason.UnrecognisedEndpoint);
            }

            if (Parse(url, credentials) is not { } probe)
            {
                return (null, PresignFallbackReason.UnrecognisedEndpoint);
            }

            var ours = _signer.TryPresign(probe.Target, credentials, probe.SignedAt, probe.ExpiresSeconds,
                new PresignSpec { Method = "GET", Key = ProbeKey });
            if (string.Equals(ours, url, StringComparison.Ordinal))
            {
                return (probe.Target, PresignFallbackReason.None);
            }
        }

        return (null, PresignFallbackReason.UnrecognisedEndpoint);
    }

    /// <summary>Reads a plain SigV4 query URL for the probe key; <see langword="null"/> for anything else.</summary>
    internal static (PresignTarget Target, DateTime SignedAt, long ExpiresSeconds)? Parse(string url, ImmutableCredentials credentials)
    {
        var query = url.IndexOf('?', StringComparison.Ordinal);
        var encodedKey = new CharBuffer(stackalloc char[64]);
        encodedKey.AppendUriEncoded(ProbeKey, keepSlash: true);
        var keyText = encodedKey.ToString();
        encodedKey.Dispose();
        if (query < 0 || !url.AsSpan(0, query).EndsWith(keyText, StringComparison.Ordinal))
        {
            return null;
        }

        var prefix = url[..(query - keyText.Length)];
        var schemeEnd = prefix.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0)
        {
            return null;
        }

        var pathStart = prefix.IndexOf('/', schemeEnd + 3);
        if (pathStart < 0 || !prefix.EndsWith('/'))
        {
            return null;
        }

        var host = prefix[(schemeEnd + 3)..pathStart];
        if (host.Length == 0 || host.Contains('@', StringComparison.Ordinal))
        {
            return null;
        }

        var parameters = url[(query + 1)..].Split('&');
        var expected = string.IsNullOrEmpty(credentials.Token)
            ? new[] { "X-Amz-Expires", "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature" }
            : new[] { "X-Amz-Expires", "X-Amz-Security-Token", "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature" };
        if (parameters.Length != expected.Length)
        {
            return null;
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < parameters.Length; i++)
        {
            var pair = parameters[i].Split('=', 2);
            if (pair.Length != 2 || pair[0] != expected[i])
            {
                return null;
            }

            values[pair[0]] = Uri.UnescapeDataString(pair[1]);
        }

        var scope = values["X-Amz-Credential"].Split('/');
        if (values["X-Amz-Algorithm"] != "AWS4-HMAC-SHA256"
            || values["X-Amz-SignedHeaders"] != "host"
            || scope.Length != 5
            || scope[0] != credentials.AccessKey
            || scope[4] != "aws4_request"
            || !long.TryParse(values["X-Amz-Expires"], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var expires)
            || !DateTime.TryParseExact(values["X-Amz-Date"], "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var signedAt))
        {
            return null;
        }

        return (new PresignTarget(prefix, host, prefix[pathStart..], scope[2], scope[3]), signedAt, expires);
    }

    /// <summary>Credentials read at a <see cref="TimeProvider.GetTimestamp"/>; replaced whole, so readers never see a torn pair.</summary>
    private sealed record CredentialsSnapshot(ImmutableCredentials Credentials, long ReadAt);

    /// <summary>AWSSDK's own order: the client's explicit credentials, the config's, then the default chain.</summary>
    private static AWSCredentials? ResolveCredentials(AmazonS3Client client)
    {
        try
        {
            return ExplicitCredentialsProperty?.GetValue(client) as AWSCredentials
                ?? client.Config.DefaultAWSCredentials
                ?? DefaultIdentityResolverConfiguration.ResolveDefaultIdentity<AWSCredentials>();
        }
        catch (Exception e) when (e is AmazonClientException or TargetInvocationException or InvalidOperationException)
        {
            return null;
        }
    }
}
