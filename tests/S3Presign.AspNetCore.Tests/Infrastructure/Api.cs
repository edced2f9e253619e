using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace S3Presign.AspNetCore.Tests.Infrastructure;

/// <summary>Small helpers to call the endpoints and S3 the way a client would.</summary>
internal static class Api
{
    /// <summary>The client that talks to S3 directly (not through the app).</summary>
    public static readonly HttpClient S3 = new();

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, string json, string contentType = "application/json") =>
        client.PostAsync(url, new StringContent(json, Encoding.UTF8, contentType));

    public static async Task<JsonObject> IssueAsync(this HttpClient client, string filename, string contentType, long? size, string group = "/uploads")
    {
        var body = new JsonObject { ["filename"] = filename, ["contentType"] = contentType };
        if (size is not null)
        {
            body["size"] = size;
        }

        using var response = await client.PostJsonAsync(group + "/", body.ToJsonString());
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await response.ReadObjectAsync();
    }

    /// <summary>PUTs <paramref name="content"/> to the issued upload URL with the headers it requires.</summary>
    public static async Task<HttpResponseMessage> PutToS3Async(JsonObject issued, byte[] content)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, issued["uploadUrl"]!.GetValue<string>())
        {
            Content = new ByteArrayContent(content),
        };
        foreach (var (name, value) in issued["headers"]!.AsObject())
        {
            if (!request.Headers.TryAddWithoutValidation(name, value!.GetValue<string>()))
            {
                request.Content.Headers.TryAddWithoutValidation(name, value.GetValue<string>());
            }
        }

        return await S3.SendAsync(request);
    }

    public static async Task<JsonObject> ReadObjectAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonNode.Parse(text)?.AsObject() ?? throw new InvalidOperationException($"Not a JSON object: {text}");
    }

    /// <summary>Asserts a ProblemDetails answer with <paramref name="status"/> and <paramref name="code"/>.</summary>
    public static async Task ShouldBeProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(status, text);
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json", text);
        using var json = JsonDocument.Parse(text);
        json.RootElement.GetProperty("code").GetString().Should().Be(code, text);
        json.RootElement.GetProperty("status").GetInt32().Should().Be((int)status);
        json.RootElement.GetProperty("detail").GetString().Should().NotBeNullOrWhiteSpace();
    }

    public static async Task<JsonArray> ListAsync(this HttpClient client, string query = "", string group = "/uploads")
    {
        using var response = await client.GetAsync(group + "/" + query);
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.ReadObjectAsync())["items"]!.AsArray();
    }

    public static readonly byte[] Png =
    [
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
        0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x60, 0x00, 0x02, 0x00,
        0x00, 0x05, 0x00, 0x01, 0xE9, 0xFA, 0xDC, 0xD8, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44,
        0xAE, 0x42, 0x60, 0x82,
    ];
}
