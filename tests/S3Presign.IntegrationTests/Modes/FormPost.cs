using System.Net;
using System.Net.Http.Headers;
using S3Presign.Issuing;

namespace S3Presign.IntegrationTests.Modes;

/// <summary>Sends bytes the way browsers and Uppy do: POST forms and part PUTs, nothing from AWSSDK.</summary>
internal static class FormPost
{
    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(120) };

    public static async Task<(HttpStatusCode Status, string Body)> PostAsync(
        IssuedUpload upload, byte[] body, Action<Dictionary<string, string>>? tamper = null)
    {
        var fields = new Dictionary<string, string>(upload.Fields!);
        tamper?.Invoke(fields);
        using var form = new MultipartFormDataContent();
        foreach (var (name, value) in fields)
        {
            form.Add(new StringContent(value), name);
        }

        var file = new ByteArrayContent(body);
        file.Headers.ContentType = MediaTypeHeaderValue.Parse(upload.Record.ContentType);
        form.Add(file, "file", "upload.bin");
        using var response = await Client.PostAsync(upload.UploadUrl, form);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public static async Task<(HttpStatusCode Status, string? ETag, string Body)> PutPartAsync(Uri url, ReadOnlyMemory<byte> bytes)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = new ReadOnlyMemoryContent(bytes) };
        using var response = await Client.SendAsync(request);
        return (response.StatusCode, response.Headers.ETag?.Tag, await response.Content.ReadAsStringAsync());
    }

    public static async Task<HttpResponseMessage> GetAsync(Uri url) => await Client.GetAsync(url);
}
