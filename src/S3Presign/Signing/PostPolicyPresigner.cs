using Amazon.S3.Model;
using S3Presign.S3;

namespace S3Presign.Signing;

/// <summary>
/// Presigns browser-form (POST policy) uploads with AWSSDK's <c>CreatePresignedPost</c>. The policy pins the key, the
/// content type, the size range, the pending marker (<c>tagging</c>) and every metadata field with exact-match
/// conditions, so S3 refuses a form that changes any of them.
/// </summary>
internal sealed class PostPolicyPresigner(S3ClientProvider clients)
{
    /// <summary>The <c>tagging</c> form field that carries the pending marker.</summary>
    public const string PendingTaggingXml =
        "<Tagging><TagSet><Tag><Key>" + S3Gateway.PendingTagKey + "</Key><Value>" + S3Gateway.PendingTagValue
        + "</Value></Tag></TagSet></Tagging>";

    public PresignedPost PresignPost(
        string bucket,
        string key,
        string contentType,
        long minSize,
        long maxSize,
        IReadOnlyDictionary<string, string> metadata,
        DateTimeOffset expiresAt)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Content-Type"] = contentType,
            ["tagging"] = PendingTaggingXml,
        };
        foreach (var (name, value) in metadata)
        {
            fields["x-amz-meta-" + name] = value;
        }

        var request = new CreatePresignedPostRequest
        {
            BucketName = bucket,
            Key = key,
            Expires = expiresAt.UtcDateTime,
            Fields = new Dictionary<string, string>(fields),
            Conditions = [S3PostCondition.ContentLengthRange(minSize, maxSize)],
        };
        request.Conditions.Add(S3PostCondition.ExactMatch("key", key));
        foreach (var (name, value) in fields)
        {
            request.Conditions.Add(S3PostCondition.ExactMatch(name, value));
        }

        var response = clients.Client.CreatePresignedPost(request);
        var url = new UriBuilder(response.Url);
        if (clients.UsesHttp && url.Scheme == Uri.UriSchemeHttps)
        {
            // Like GetPreSignedURL, AWSSDK v4 answers https:// even for an http:// ServiceURL; the policy does not
            // cover the scheme, so switching back is safe.
            url.Scheme = Uri.UriSchemeHttp;
            url.Port = new Uri(clients.Client.Config.ServiceURL).Port;
        }

        var formFields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in response.Fields)
        {
            formFields[name] = value;
        }

        return new PresignedPost(url.Uri, formFields.AsReadOnly());
    }
}

/// <summary>The form's target URL and the fields to send before the file, in any order.</summary>
internal sealed record PresignedPost(Uri Url, IReadOnlyDictionary<string, string> Fields);
