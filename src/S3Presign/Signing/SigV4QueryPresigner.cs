using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;

namespace S3Presign.Signing;

/// <summary>
/// Signs S3 requests with SigV4 query parameters, producing the exact URL string AWSSDK's <c>GetPreSignedURL</c>
/// produces for the same inputs: same parameter order, same encoding, same signature. The signing key is derived once
/// per secret, day, region and service and reused until one of them changes (rotated credentials, a new UTC day).
/// Everything else is built in stack or pooled buffers, so a call allocates only the URL string.
/// </summary>
internal sealed class SigV4QueryPresigner
{
    /// <summary>SigV4's longest presigned lifetime, seven days.</summary>
    public const long MaxExpirySeconds = 604800;

    private const string Algorithm = "AWS4-HMAC-SHA256";
    private const string MetaPrefix = "x-amz-meta-";

    private SigningKey? _signingKey;

    /// <summary>Presigns <paramref name="spec"/>; <see langword="null"/> when the input is one the fast path leaves to AWSSDK.</summary>
    public string? TryPresign(
        PresignTarget target,
        ImmutableCredentials credentials,
        DateTime signedAt,
        long expiresSeconds,
        in PresignSpec spec)
    {
        if (expiresSeconds > MaxExpirySeconds || !IsSupportedKey(spec.Key))
        {
            return null;
        }

        Span<char> amzDate = stackalloc char[16];
        WriteAmzDate(signedAt, amzDate);
        var dateStamp = amzDate[..8];

        var key = new CharBuffer(stackalloc char[512]);
        var signedHeaders = new CharBuffer(stackalloc char[256]);
        var canonical = new CharBuffer(stackalloc char[2048]);
        var url = new CharBuffer(stackalloc char[1024]);
        string[]? metaNames = null;
        try
        {
            if (!key.AppendUriEncoded(spec.Key, keepSlash: true))
            {
                return null;
            }

            var metaCount = SortedMetadataNames(spec.Metadata, ref metaNames);
            if (metaCount < 0)
            {
                return null;
            }

            // Canonical request: method, URI, query (sorted by name), headers (sorted), signed headers, payload.
            canonical.Append(spec.Method);
            canonical.Append('\n');
            canonical.Append(target.PathPrefix);
            canonical.Append(key.Written);
            canonical.Append('\n');

            canonical.Append("X-Amz-Algorithm=" + Algorithm + "&X-Amz-Credential=");
            AppendCredential(ref canonical, credentials.AccessKey, dateStamp, target);
            canonical.Append("&X-Amz-Date=");
            canonical.Append(amzDate);
            canonical.Append("&X-Amz-Expires=");
            canonical.Append(expiresSeconds);
            var token = string.IsNullOrEmpty(credentials.Token) ? null : credentials.Token;
            if (token is not null)
            {
                canonical.Append("&X-Amz-Security-Token=");
                canonical.AppendUriEncoded(token, keepSlash: false);
            }

            canonical.Append("&X-Amz-SignedHeaders=");

            // Headers are written to a side buffer first: the signed-headers list goes into the query before them.
            var headers = new CharBuffer(stackalloc char[1024]);
            try
            {
                if (!WriteHeaders(ref headers, ref signedHeaders, target, spec, metaNames.AsSpan(0, metaCount)))
                {
                    return null;
                }

                canonical.AppendUriEncoded(signedHeaders.Written, keepSlash: false);
                if (spec.PartNumber is { } partNumber)
                {
                    canonical.Append("&partNumber=");
                    canonical.Append(partNumber);
                }

                if (spec.ResponseContentDisposition is { Length: > 0 } disposition)
                {
                    canonical.Append("&response-content-disposition=");
                    if (!canonical.AppendUriEncoded(disposition, keepSlash: false))
                    {
                        return null;
                    }
                }

                if (spec.UploadId is { Length: > 0 } uploadId)
                {
                    canonical.Append("&uploadId=");
                    if (!canonical.AppendUriEncoded(uploadId, keepSlash: false))
                    {
                        return null;
                    }
                }

                canonical.Append('\n');
                canonical.Append(headers.Written);
            }
            finally
            {
                headers.Dispose();
            }

            canonical.Append('\n');
            canonical.Append(signedHeaders.Written);
            canonical.Append("\nUNSIGNED-PAYLOAD");

            Span<byte> signature = stackalloc byte[32];
            Sign(canonical.Written, amzDate, credentials.SecretKey, target, signature);

            // The URL, in AWSSDK's parameter order.
            url.Append(target.UrlPrefix);
            url.Append(key.Written);
            url.Append('?');
            if (spec.UploadId is { Length: > 0 } id)
            {
                url.Append("uploadId=");
                url.AppendUriEncoded(id, keepSlash: false);
                url.Append('&');
            }

            if (spec.PartNumber is { } part)
            {
                url.Append("partNumber=");
                url.Append(part);
                url.Append('&');
            }

            url.Append("X-Amz-Expires=");
            url.Append(expiresSeconds);
            if (token is not null)
            {
                url.Append("&X-Amz-Security-Token=");
                url.AppendUriEncoded(token, keepSlash: false);
            }

            if (spec.ResponseContentDisposition is { Length: > 0 } contentDisposition)
            {
                url.Append("&response-content-disposition=");
                url.AppendUriEncoded(contentDisposition, keepSlash: false);
            }

            url.Append("&X-Amz-Algorithm=" + Algorithm + "&X-Amz-Credential=");
            AppendCredential(ref url, credentials.AccessKey, dateStamp, target);
            url.Append("&X-Amz-Date=");
            url.Append(amzDate);
            url.Append("&X-Amz-SignedHeaders=");
            url.AppendUriEncoded(signedHeaders.Written, keepSlash: false);
            url.Append("&X-Amz-Signature=");
            url.AppendLowerHex(signature);
            return url.ToString();
        }
        finally
        {
            if (metaNames is not null)
            {
                ArrayPool<string>.Shared.Return(metaNames, clearArray: true);
            }

            url.Dispose();
            canonical.Dispose();
            signedHeaders.Dispose();
            key.Dispose();
        }
    }

    /// <summary>
    /// Keys whose AWSSDK URL differs from what it signs, left to AWSSDK: dot segments (collapsed by <see cref="Uri"/>)
    /// and a leading slash (dropped from the URL but not from the signature). The issuer never makes either.
    /// </summary>
    private static bool IsSupportedKey(string key)
    {
        if (key.Length == 0 || key[0] == '/')
        {
            return false;
        }

        var start = 0;
        while (start <= key.Length)
        {
            var end = key.IndexOf('/', start);
            if (end < 0)
            {
                end = key.Length;
            }

            var segment = key.AsSpan(start, end - start);
            if (segment is "." or "..")
            {
                return false;
            }

            start = end + 1;
        }

        return true;
    }

    private static void AppendCredential(ref CharBuffer buffer, string accessKey, ReadOnlySpan<char> dateStamp, PresignTarget target)
    {
        buffer.AppendUriEncoded(accessKey, keepSlash: false);
        buffer.Append("%2F");
        buffer.Append(dateStamp);
        buffer.Append("%2F");
        buffer.AppendUriEncoded(target.Region, keepSlash: false);
        buffer.Append("%2F");
        buffer.AppendUriEncoded(target.Service, keepSlash: false);
        buffer.Append("%2Faws4_request");
    }

    /// <summary>Writes the canonical headers (each <c>name:value\n</c>) and the signed-headers list, both sorted.</summary>
    private static bool WriteHeaders(
        ref CharBuffer headers,
        ref CharBuffer signedHeaders,
        PresignTarget target,
        in PresignSpec spec,
        ReadOnlySpan<string> metaNames)
    {
        if (spec.ContentLength is { } length)
        {
            headers.Append("content-length:");
            headers.Append(length);
            headers.Append('\n');
            signedHeaders.Append("content-length;");
        }

        if (!WriteHeader(ref headers, ref signedHeaders, "content-md5", spec.ContentMd5)
            || !WriteHeader(ref headers, ref signedHeaders, "content-type", spec.ContentType))
        {
            return false;
        }

        headers.Append("host:");
        headers.Append(target.Host);
        headers.Append('\n');
        signedHeaders.Append("host");

        if (!WriteHeader(ref headers, ref signedHeaders, ";if-none-match", spec.IfNoneMatch)
            || !WriteHeader(ref headers, ref signedHeaders, ";x-amz-checksum-sha256", spec.ChecksumSha256))
        {
            return false;
        }

        foreach (var name in metaNames)
        {
            var value = spec.Metadata![name];
            var suffix = name.StartsWith(MetaPrefix, StringComparison.Ordinal) ? name.AsSpan(MetaPrefix.Length) : name;
            signedHeaders.Append(";" + MetaPrefix);
            signedHeaders.Append(suffix);
            headers.Append(MetaPrefix);
            headers.Append(suffix);
            headers.Append(':');
            if (!AppendHeaderValue(ref headers, value))
            {
                return false;
            }
        }

        return WriteHeader(ref headers, ref signedHeaders, ";x-amz-tagging", spec.Tagging);
    }

    /// <summary>Writes one header when it has a value; <paramref name="listed"/> is its name as it joins the list.</summary>
    private static bool WriteHeader(ref CharBuffer headers, ref CharBuffer signedHeaders, string listed, string? value)
    {
        if (value is null)
        {
            return true;
        }

        var name = listed.AsSpan().TrimStart(';');
        headers.Append(name);
        headers.Append(':');
        signedHeaders.Append(listed);
        if (listed[0] != ';')
        {
            signedHeaders.Append(';');
        }

        return AppendHeaderValue(ref headers, value);
    }

    /// <summary>Appends a canonical header value: trimmed, runs of spaces collapsed to one, then a newline.</summary>
    private static bool AppendHeaderValue(ref CharBuffer headers, string value)
    {
        var trimmed = value.AsSpan().Trim(' ');
        var previousSpace = false;
        foreach (var c in trimmed)
        {
            if (c is < ' ' or > '~')
            {
                return false;
            }

            if (c == ' ')
            {
                if (previousSpace)
                {
                    continue;
                }

                previousSpace = true;
            }
            else
            {
                previousSpace = false;
            }

            headers.Append(c);
        }

        headers.Append('\n');
        return true;
    }

    /// <summary>Metadata names in canonical order (by their <c>x-amz-meta-</c> header name); -1 for a name the fast
    /// path does not sign (not lower-case token characters, or two names for one header).</summary>
    private static int SortedMetadataNames(IReadOnlyDictionary<string, string>? metadata, ref string[]? names)
    {
        if (metadata is null || metadata.Count == 0)
        {
            return 0;
        }

        names = ArrayPool<string>.Shared.Rent(metadata.Count);
        var count = 0;
        foreach (var pair in metadata)
        {
            var name = pair.Key;
            var suffix = name.StartsWith(MetaPrefix, StringComparison.Ordinal) ? name.AsSpan(MetaPrefix.Length) : name;
            if (suffix.Length == 0 || suffix.ContainsAnyExcept(MetadataNameChars))
            {
                return -1;
            }

            names[count++] = name;
        }

        Array.Sort(names, 0, count, MetaNameComparer.Instance);
        for (var i = 1; i < count; i++)
        {
            if (MetaNameComparer.Instance.Compare(names[i - 1], names[i]) == 0)
            {
                return -1;
            }
        }

        return count;
    }

    private static readonly SearchValues<char> MetadataNameChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-_");

    private void Sign(ReadOnlySpan<char> canonicalRequest, ReadOnlySpan<char> amzDate, string secret, PresignTarget target, Span<byte> signature)
    {
        byte[]? rented = null;
        var bytes = canonicalRequest.Length <= 4096
            ? stackalloc byte[4096]
            : (rented = ArrayPool<byte>.Shared.Rent(canonicalRequest.Length));
        try
        {
            // The canonical request is ASCII: percent-encoding and the printable-ASCII header check see to it.
            var written = Encoding.ASCII.GetBytes(canonicalRequest, bytes);
            Span<byte> hash = stackalloc byte[32];
            ThreadHashes.Sha256(bytes[..written], hash);

            // String to sign: algorithm, timestamp, scope, hex hash of the canonical request.
            var toSign = new CharBuffer(stackalloc char[256]);
            toSign.Append(Algorithm + "\n");
            toSign.Append(amzDate);
            toSign.Append('\n');
            toSign.Append(amzDate[..8]);
            toSign.Append('/');
            toSign.Append(target.Region);
            toSign.Append('/');
            toSign.Append(target.Service);
            toSign.Append("/aws4_request\n");
            toSign.AppendLowerHex(hash);
            Span<byte> toSignBytes = stackalloc byte[512];
            var toSignLength = Encoding.UTF8.GetBytes(toSign.Written, toSignBytes);
            toSign.Dispose();

            ThreadHashes.HmacSha256(GetSigningKey(secret, amzDate[..8], target), toSignBytes[..toSignLength], signature);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The cached signing key, derived again only when the secret, the day, the region or the service changed.</summary>
    private byte[] GetSigningKey(string secret, ReadOnlySpan<char> dateStamp, PresignTarget target)
    {
        var cached = Volatile.Read(ref _signingKey);
        if (cached is not null
            && cached.Matches(secret, dateStamp, target.Region, target.Service))
        {
            return cached.Key;
        }

        var derived = SigningKey.Derive(secret, dateStamp.ToString(), target.Region, target.Service);
        Volatile.Write(ref _signingKey, derived);
        return derived.Key;
    }

    /// <summary>Writes <c>yyyyMMddTHHmmssZ</c>.</summary>
    private static void WriteAmzDate(DateTime utc, Span<char> destination)
    {
        Write(destination, 0, utc.Year, 4);
        Write(destination, 4, utc.Month, 2);
        Write(destination, 6, utc.Day, 2);
        destination[8] = 'T';
        Write(destination, 9, utc.Hour, 2);
        Write(destination, 11, utc.Minute, 2);
        Write(destination, 13, utc.Second, 2);
        destination[15] = 'Z';

        static void Write(Span<char> to, int at, int value, int digits)
        {
            for (var i = digits - 1; i >= 0; i--)
            {
                to[at + i] = (char)('0' + (value % 10));
                value /= 10;
            }
        }
    }

    /// <summary>Orders metadata names by the header they become.</summary>
    private sealed class MetaNameComparer : IComparer<string>
    {
        public static readonly MetaNameComparer Instance = new();

        public int Compare(string? x, string? y) => Suffix(x).SequenceCompareTo(Suffix(y));

        private static ReadOnlySpan<char> Suffix(string? name) =>
            name is null ? default
            : name.StartsWith(MetaPrefix, StringComparison.Ordinal) ? name.AsSpan(MetaPrefix.Length) : name;
    }

    /// <summary>
    /// One SHA-256 and one HMAC-SHA256 (for the last signing key seen) per thread, reset and reused: the one-shot
    /// <c>HashData</c> methods create and free a native context per call (with OpenSSL 3, a digest lookup by name for
    /// every HMAC), which costs more than hashing a canonical request.
    /// </summary>
    private static class ThreadHashes
    {
        [ThreadStatic]
        private static IncrementalHash? t_sha256;

        [ThreadStatic]
        private static IncrementalHash? t_hmac;

        [ThreadStatic]
        private static byte[]? t_hmacKey;

        public static void Sha256(ReadOnlySpan<byte> data, Span<byte> destination)
        {
            var hash = t_sha256 ?? IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            t_sha256 = null; // Taken while in use: an exception cannot leave a half-fed hash behind for the next call.
            hash.AppendData(data);
            hash.GetHashAndReset(destination);
            t_sha256 = hash;
        }

        public static void HmacSha256(byte[] key, ReadOnlySpan<byte> data, Span<byte> destination)
        {
            var hmac = t_hmac;
            t_hmac = null;
            if (hmac is null || !ReferenceEquals(t_hmacKey, key))
            {
                // A new signing key (another day, secret, region or service): the old context goes.
                hmac?.Dispose();
                hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
                t_hmacKey = key;
            }

            hmac.AppendData(data);
            hmac.GetHashAndReset(destination);
            t_hmac = hmac;
        }
    }

    /// <summary>A derived SigV4 signing key and what it was derived from.</summary>
    private sealed class SigningKey(string secret, string dateStamp, string region, string service, byte[] key)
    {
        public byte[] Key { get; } = key;

        public bool Matches(string secretKey, ReadOnlySpan<char> date, string signingRegion, string signingService) =>
            (ReferenceEquals(secret, secretKey) || string.Equals(secret, secretKey, StringComparison.Ordinal))
            && date.SequenceEqual(dateStamp)
            && string.Equals(region, signingRegion, StringComparison.Ordinal)
            && string.Equals(service, signingService, StringComparison.Ordinal);

        public static SigningKey Derive(string secret, string dateStamp, string region, string service)
        {
            var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secret), Encoding.UTF8.GetBytes(dateStamp));
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region));
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(service));
            key = HMACSHA256.HashData(key, "aws4_request"u8);
            return new SigningKey(secret, dateStamp, region, service, key);
        }
    }
}
