using Amazon.S3;
using Amazon.S3.Model;

namespace S3Presign.Signing;

/// <summary>
/// Presigns with AWSSDK's own <c>GetPreSignedURL</c>: the fallback for configurations the fast path does not cover,
/// and the reference the fast path is proven byte-identical against.
/// </summary>
internal static class AwsSdkPresigner
{
    /// <summary>Presigns <paramref name="spec"/> with <paramref name="client"/>.</summary>
    /// <param name="client">The client whose credentials, endpoint and clock sign.</param>
    /// <param name="useHttp">Whether the URL must be <c>http://</c> (AWSSDK v4 returns https otherwise).</param>
    /// <param name="bucket">The bucket.</param>
    /// <param name="spec">What the request binds.</param>
    /// <param name="expiresAt">When the URL stops working.</param>
    /// <returns>The presigned URL.</returns>
    public static string Presign(IAmazonS3 client, bool useHttp, string bucket, in PresignSpec spec, DateTimeOffset expiresAt)
    {
        var request = new GetPreSignedUrlRequest
        {
            BucketName = bucket,
            Key = spec.Key,
            Verb = spec.Method switch
            {
                "PUT" => HttpVerb.PUT,
                "GET" => HttpVerb.GET,
                "DELETE" => HttpVerb.DELETE,
                "HEAD" => HttpVerb.HEAD,
                _ => throw new ArgumentException($"Cannot presign method '{spec.Method}'.", nameof(spec)),
            },
            Expires = expiresAt.UtcDateTime,
        };
        if (useHttp)
        {
            request.Protocol = Protocol.HTTP;
        }

        if (spec.ContentType is not null)
        {
            request.ContentType = spec.ContentType;
        }

        if (spec.Tagging is not null)
        {
            request.Headers["x-amz-tagging"] = spec.Tagging;
        }

        if (spec.ContentLength is { } length)
        {
            request.Headers["Content-Length"] = length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (spec.ChecksumSha256 is not null)
        {
            request.Headers["x-amz-checksum-sha256"] = spec.ChecksumSha256;
        }

        if (spec.ContentMd5 is not null)
        {
            request.Headers["Content-MD5"] = spec.ContentMd5;
        }

        if (spec.IfNoneMatch is not null)
        {
            request.Headers["If-None-Match"] = spec.IfNoneMatch;
        }

        if (spec.Metadata is not null)
        {
            foreach (var (name, value) in spec.Metadata)
            {
                request.Metadata.Add(name, value);
            }
        }

        if (spec.UploadId is not null)
        {
            request.UploadId = spec.UploadId;
        }

        if (spec.PartNumber is { } partNumber)
        {
            request.PartNumber = partNumber;
        }

        if (spec.ResponseContentDisposition is not null)
        {
            request.ResponseHeaderOverrides.ContentDisposition = spec.ResponseContentDisposition;
        }

        return client.GetPreSignedURL(request);
    }
}
