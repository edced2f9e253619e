using System.Net;
using S3Presign.Issuing;
using S3Presign.Tests.Shared;

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
        using var request = PresignedRequests.Put(url ?? upload.UploadUrl, upload.Headers, body);

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
