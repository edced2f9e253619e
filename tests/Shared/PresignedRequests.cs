using System.Net.Http.Headers;

namespace S3Presign.Tests.Shared;

/// <summary>The request a plain HTTP client sends to a presigned URL, nothing from AWSSDK.</summary>
public static class PresignedRequests
{
    /// <summary>A PUT of <paramref name="body"/> with the issued headers (Content-Type and Content-MD5 go on the content).</summary>
    public static HttpRequestMessage Put(Uri url, IReadOnlyDictionary<string, string> headers, byte[] body)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = new ByteArrayContent(body) };
        foreach (var (name, value) in headers)
        {
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(value);
            }
            else if (name.Equals("Content-MD5", StringComparison.OrdinalIgnoreCase))
            {
                request.Content.Headers.ContentMD5 = Convert.FromBase64String(value);
            }
            else
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return request;
    }
}
