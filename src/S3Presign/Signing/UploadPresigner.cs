using System.Globalization;
using Amazon.S3;
using Amazon.S3.Model;
using S3Presign.S3;

namespace S3Presign.Signing;

/// <summary>
/// Presigns requests with AWSSDK's SigV4 query signer. Every header returned in <see cref="PresignedRequest.Headers"/>
/// is part of the signature, so S3 refuses a request that changes it.
/// </summary>
internal sealed class UploadPresigner(S3ClientProvider clients)
{
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
        var request = new GetPreSignedUrlRequest
        {
            BucketName = bucket,
            Key = key,
            Verb = HttpVerb.PUT,
            Expires = expiresAt.UtcDateTime,
            ContentType = contentType,
        };
        if (clients.UsesHttp)
        {
            request.Protocol = Protocol.HTTP;
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Content-Type"] = contentType,
            ["x-amz-tagging"] = S3Gateway.PendingTagging,
        };
        request.Headers["x-amz-tagging"] = S3Gateway.PendingTagging;

        if (size is { } length)
        {
            // Signed but not returned: every HTTP client derives Content-Length from the body (browsers refuse to set it).
            request.Headers["Content-Length"] = length.ToString(CultureInfo.InvariantCulture);
        }

        if (checksumSha256 is not null)
        {
            request.Headers["x-amz-checksum-sha256"] = checksumSha256;
            headers["x-amz-checksum-sha256"] = checksumSha256;
        }

        if (contentMd5 is not null)
        {
            request.Headers["Content-MD5"] = contentMd5;
            headers["Content-MD5"] = contentMd5;
        }

        foreach (var (name, value) in metadata)
        {
            request.Metadata.Add(name, value);
            headers["x-amz-meta-" + name] = value;
        }

        var url = clients.Client.GetPreSignedURL(request);
        return new PresignedRequest(new Uri(url), headers);
    }

    public Uri PresignGet(string bucket, string key, DateTimeOffset expiresAt, string? contentDisposition = null)
    {
        var request = new GetPreSignedUrlRequest
        {
            BucketName = bucket,
            Key = key,
            Verb = HttpVerb.GET,
            Expires = expiresAt.UtcDateTime,
        };
        if (clients.UsesHttp)
        {
            request.Protocol = Protocol.HTTP;
        }

        if (contentDisposition is not null)
        {
            request.ResponseHeaderOverrides.ContentDisposition = contentDisposition;
        }

        return new Uri(clients.Client.GetPreSignedURL(request));
    }
}

/// <summary>A presigned URL and the headers the client must send with it.</summary>
internal sealed record PresignedRequest(Uri Url, IReadOnlyDictionary<string, string> Headers);
