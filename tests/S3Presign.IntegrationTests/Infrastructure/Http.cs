using System.Net;
using System.Net.Http.Headers;
using S3Presign.Issuing;

namespace S3Presign.IntegrationTests.Infrastructure;

/// <summary>Uploads the way a client would: a plain HTTP request to the presigned URL, nothing from AWSSDK.</summary>
public static class Http
{
    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(60) };

    public static async Task<(HttpStatusCode Status, string Body)> PutAsync(
        IssuedUpload upload,
        byte[] body,
        Action<HttpRequestMessage>? tamper = null,
        Uri? url = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, url ?? upload.UploadUrl) { Content = new ByteArrayContent(body) };
        foreach (var (name, value) in upload.Headers)
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

        tamper?.Invoke(request);
        using var response = await Client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public static async Task<(HttpStatusCode Status, byte[] Body)> GetAsync(Uri url)
    {
        using var response = await Client.GetAsync(url);
        return (response.StatusCode, await response.Content.ReadAsByteArrayAsync());
    }
}
