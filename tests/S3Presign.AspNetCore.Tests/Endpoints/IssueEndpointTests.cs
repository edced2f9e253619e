using System.Net;
using System.Net.Http.Headers;
using System.Text;
using S3Presign.AspNetCore.Tests.Infrastructure;

namespace S3Presign.AspNetCore.Tests.Endpoints;

/// <summary><c>POST /</c>: the issued contract, and every refusal as a 4xx ProblemDetails that leaves nothing behind.</summary>
public sealed class IssueEndpointTests(UploadsAppFixture fixture) : IClassFixture<UploadsAppFixture>
{
    private UploadsTestApp App => fixture.App;

    [Fact]
    public async Task Issue_WhenValid_Returns201WithContractAndLocation()
    {
        var user = NewUser();
        using var client = App.CreateClient(user);

        using var response = await client.PostJsonAsync("/uploads", """{ "filename": "Résumé (final).pdf", "contentType": "application/pdf", "size": 2048, "directory": "cv" }""");

        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        var body = await response.ReadObjectAsync();
        var id = body["id"]!.GetValue<string>();
        id.Should().MatchRegex("^[0-9a-f]{32}$");
        response.Headers.Location!.ToString().Should().Be("/uploads/" + id);
        body["fileKey"]!.GetValue<string>().Should().Contain("cv/").And.EndWith(".pdf");
        body["status"]!.GetValue<string>().Should().Be("pending");
        body["method"]!.GetValue<string>().Should().Be("PUT");
        body["uploadUrl"]!.GetValue<string>().Should().StartWith(RgwServer.Port == 7482 ? "http://127.0.0.1:7482/" + App.Bucket + "/" : "");
        body["headers"]!.AsObject()["Content-Type"]!.GetValue<string>().Should().Be("application/pdf");
        body["fileUrl"]!.GetValue<string>().Should().NotContain("?");
        body.ContainsKey("fields").Should().BeFalse("fields are only for POST-policy uploads");
        var expiresAt = body["expiresAt"]!.GetValue<DateTimeOffset>();
        var validateBefore = body["validateBefore"]!.GetValue<DateTimeOffset>();
        validateBefore.Should().BeAfter(expiresAt);
        body["ttl"]!.GetValue<long>().Should().BeCloseTo(20 * 60 * 1000, 1000);
        (await client.ListAsync()).Should().ContainSingle();
    }

    [Theory]
    [InlineData("{", 400, "invalid_json")]
    [InlineData("", 400, "invalid_json")]
    [InlineData("not json at all", 400, "invalid_json")]
    [InlineData("""{ "filename": "a.txt", "contentType": "text/plain", }""", 400, "invalid_json")]
    [InlineData("[]", 400, "invalid_request")]
    [InlineData("null", 400, "invalid_request")]
    [InlineData("42", 400, "invalid_request")]
    [InlineData("""{ "filename": 5, "contentType": "text/plain" }""", 400, "invalid_request")]
    [InlineData("""{ "filename": "a.txt", "contentType": "text/plain", "size": "big" }""", 400, "invalid_request")]
    [InlineData("""{ "filename": "a.txt", "contentType": "text/plain", "size": 1.5 }""", 400, "invalid_request")]
    [InlineData("""{ "filename": "a.txt", "contentType": "text/plain", "size": 99999999999999999999999 }""", 400, "invalid_request")]
    [InlineData("""{ "filename": ["a"], "contentType": "text/plain" }""", 400, "invalid_request")]
    [InlineData("""{ "filename": "a.txt", "contentType": { "x": 1 } }""", 400, "invalid_request")]
    [InlineData("""{ "contentType": "text/plain" }""", 400, "invalid_filename")]
    [InlineData("""{ "filename": "", "contentType": "text/plain" }""", 400, "invalid_filename")]
    [InlineData("""{ "filename": "../..", "contentType": "text/plain" }""", 400, "invalid_filename")]
    [InlineData("""{ "filename": "a.txt" }""", 400, "invalid_content_type")]
    [InlineData("""{ "filename": "a.txt", "contentType": "not a type" }""", 400, "invalid_content_type")]
    [InlineData("""{ "filename": "a.txt", "contentType": "text/plain", "size": -1 }""", 400, "invalid_size")]
    [InlineData("""{ "filename": "a.txt", "contentType": "text/plain", "checksumSha256": "abc" }""", 400, "invalid_checksum")]
    [InlineData("""{ "filename": "a.txt", "contentType": "text/plain", "directory": "a/../b" }""", 400, "invalid_directory")]
    [InlineData("""{ "filename": "a.txt", "contentType": "text/plain", "mode": "carrier-pigeon" }""", 400, "invalid_mode")]
    [InlineData("""{ "filename": "a.txt", "contentType": "text/plain", "mode": "multipart" }""", 400, "invalid_size")]
    [InlineData("""{ "filename": "a.zip", "contentType": "application/zip", "size": 10 }""", 422, "content_type_not_allowed")]
    [InlineData("""{ "filename": "a.txt", "contentType": "text/plain", "size": 1048577 }""", 422, "too_large")]
    public async Task Issue_WhenInputIsBad_ReturnsProblemWithCodeAndLeavesNothing(string json, int status, string code)
    {
        using var client = App.CreateClient(NewUser());

        using var response = await client.PostJsonAsync("/uploads", json);

        await response.ShouldBeProblemAsync((HttpStatusCode)status, code);
        (await client.ListAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task Issue_WhenBodyIsNotJson_Returns415UnsupportedMediaType()
    {
        using var client = App.CreateClient(NewUser());

        using var response = await client.PostJsonAsync("/uploads", """{ "filename": "a.txt", "contentType": "text/plain" }""", "text/plain");

        await response.ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Fact]
    public async Task Issue_WhenNoContentTypeHeader_Returns415UnsupportedMediaType()
    {
        using var client = App.CreateClient(NewUser());

        using var response = await client.PostAsync("/uploads", new ByteArrayContent("{}"u8.ToArray()));

        await response.ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Fact]
    public async Task Issue_WhenBodyExceedsCapWithContentLength_Returns413BodyTooLarge()
    {
        using var client = App.CreateClient(NewUser());
        var json = $$"""{ "filename": "a.txt", "contentType": "text/plain", "directory": "{{new string('d', 1024 * 1024)}}" }""";

        using var response = await client.PostJsonAsync("/uploads", json);

        await response.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge, "body_too_large");
        (await client.ListAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task Issue_WhenChunkedBodyExceedsCap_Returns413BodyTooLarge()
    {
        using var client = App.CreateClient(NewUser());
        var bytes = Encoding.UTF8.GetBytes($$"""{ "filename": "a.txt", "contentType": "text/plain", "directory": "{{new string('d', 200_000)}}" }""");
        var content = new StreamContent(new NonSeekableStream(bytes));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await client.PostAsync("/uploads", content);

        await response.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge, "body_too_large");
    }

    [Fact]
    public async Task Issue_WhenBodyIsJustUnderCap_IsRead()
    {
        using var client = App.CreateClient(NewUser());
        var json = """{ "filename": "a.txt", "contentType": "text/plain", "padding": "" }""";
        json = json.Replace("\"\"", "\"" + new string(' ', (int)UploadsTestApp.MaxBodySize - json.Length) + "\"", StringComparison.Ordinal);

        using var response = await client.PostJsonAsync("/uploads", json);

        response.StatusCode.Should().Be(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Issue_WhenModeIsPutInAnyCase_Issues()
    {
        using var client = App.CreateClient(NewUser());

        using var response = await client.PostJsonAsync("/uploads", """{ "filename": "a.txt", "contentType": "text/plain", "mode": "PUT" }""");

        response.StatusCode.Should().Be(HttpStatusCode.Created);
    }

    private static string NewUser() => "user-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>A stream without a length, so the client sends the body chunked.</summary>
    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();
    }
}
