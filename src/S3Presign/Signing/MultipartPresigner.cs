using Amazon.S3;
using Amazon.S3.Model;
using S3Presign.S3;

namespace S3Presign.Signing;

/// <summary>Presigns the <c>UploadPart</c> requests of a multipart upload (one URL per part number).</summary>
internal sealed class MultipartPresigner(S3ClientProvider clients)
{
    public Uri PresignPart(string bucket, string key, string uploadId, int partNumber, DateTimeOffset expiresAt)
    {
        var request = new GetPreSignedUrlRequest
        {
            BucketName = bucket,
            Key = key,
            Verb = HttpVerb.PUT,
            Expires = expiresAt.UtcDateTime,
            UploadId = uploadId,
            PartNumber = partNumber,
        };
        if (clients.UsesHttp)
        {
            request.Protocol = Protocol.HTTP;
        }

        return new Uri(clients.Client.GetPreSignedURL(request));
    }

    /// <summary>The object's plain (unsigned) URL; <paramref name="now"/> only feeds the discarded signature.</summary>
    public Uri ObjectUrl(string bucket, string key, DateTimeOffset now)
    {
        var request = new GetPreSignedUrlRequest
        {
            BucketName = bucket,
            Key = key,
            Verb = HttpVerb.GET,
            Expires = now.UtcDateTime.AddMinutes(1),
        };
        if (clients.UsesHttp)
        {
            request.Protocol = Protocol.HTTP;
        }

        return new Uri(new Uri(clients.Client.GetPreSignedURL(request)).GetLeftPart(UriPartial.Path));
    }
}
