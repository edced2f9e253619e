using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using S3Presign.AspNetCore.Tests.Infrastructure;

namespace S3Presign.AspNetCore.Tests.Modes;

/// <summary>The POST-policy, multipart and download routes over HTTP, against Ceph RGW.</summary>
public sealed class ModesEndpointTests(UploadsAppFixture fixture) : IClassFixture<UploadsAppFixture>
{
    private UploadsTestApp App => fixture.App;

    private static string NewUser() => "user-" + Guid.NewGuid().ToString("N")[..8];

    private static async Task<JsonObject> IssueAsync(HttpClient client, JsonObject body)
    {
        using var response = await client.PostJsonAsync("/uploads/", body.ToJsonString());
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await response.ReadObjectAsync();
    }

    [Fact]
    public async Task Post_WhenFormSentWithIssuedFields_Validates()
    {
        using var client = App.CreateClient(NewUser());
        var content = Encoding.UTF8.GetBytes("posted through a form\n");
        var issued = await IssueAsync(client, new JsonObject
        {
            ["filename"] = "form.txt", ["contentType"] = "text/plain", ["size"] = content.Length, ["mode"] = "post",
        });
        issued["mode"]!.GetValue<string>().Should().Be("post");
        issued["method"]!.GetValue<string>().Should().Be("POST");
        issued["headers"]!.AsObject().Should().BeEmpty();
        using var form = new MultipartFormDataContent();
        foreach (var (name, value) in issued["fields"]!.AsObject())
        {
            form.Add(new StringContent(value!.GetValue<string>()), name);
        }

        form.Add(new ByteArrayContent(content), "file", "form.txt");
        using (var post = await Api.S3.PostAsync(issued["uploadUrl"]!.GetValue<string>(), form))
        {
            post.StatusCode.Should().Be(HttpStatusCode.NoContent, await post.Content.ReadAsStringAsync());
        }

        using var validate = await client.PostAsync($"/uploads/{issued["id"]}/validate", null);
        validate.StatusCode.Should().Be(HttpStatusCode.OK, await validate.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Multipart_WhenPartsSignedUploadedListedAndCompleted_Validates()
    {
        using var client = App.CreateClient(NewUser());
        var content = new byte[600_000];
        Random.Shared.NextBytes(content);
        var issued = await IssueAsync(client, new JsonObject
        {
            ["filename"] = "scan.txt", ["contentType"] = "text/plain", ["size"] = content.Length, ["mode"] = "multipart",
        });
        var id = issued["id"]!.GetValue<string>();
        issued["mode"]!.GetValue<string>().Should().Be("multipart");
        issued["partSize"]!.GetValue<long>().Should().Be(8 * 1024 * 1024);
        issued["partCount"]!.GetValue<int>().Should().Be(1);
        issued.ContainsKey("fields").Should().BeFalse();

        using var sign = await client.PostJsonAsync($"/uploads/{id}/parts", """{ "partNumbers": [1] }""");
        sign.StatusCode.Should().Be(HttpStatusCode.OK, await sign.Content.ReadAsStringAsync());
        var signed = await sign.ReadObjectAsync();
        signed["expiresAt"]!.GetValue<DateTimeOffset>().Should().BeAfter(DateTimeOffset.UtcNow);
        var part = signed["parts"]!.AsArray().Single()!.AsObject();
        part["partNumber"]!.GetValue<int>().Should().Be(1);
        string etag;
        using (var put = await Api.S3.PutAsync(part["url"]!.GetValue<string>(), new ByteArrayContent(content)))
        {
            put.StatusCode.Should().Be(HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
            etag = put.Headers.ETag!.Tag;
        }

        using var list = await client.GetAsync($"/uploads/{id}/parts");
        list.StatusCode.Should().Be(HttpStatusCode.OK, await list.Content.ReadAsStringAsync());
        var listed = (await list.ReadObjectAsync())["parts"]!.AsArray().Single()!.AsObject();
        listed["partNumber"]!.GetValue<int>().Should().Be(1);
        listed["size"]!.GetValue<long>().Should().Be(content.Length);
        listed["etag"]!.GetValue<string>().Should().Be(etag.Trim('"'));

        using var complete = await client.PostJsonAsync($"/uploads/{id}/complete",
            new JsonObject { ["parts"] = new JsonArray(new JsonObject { ["partNumber"] = 1, ["etag"] = etag }) }.ToJsonString());
        complete.StatusCode.Should().Be(HttpStatusCode.OK, await complete.Content.ReadAsStringAsync());
        var validated = await complete.ReadObjectAsync();
        validated["status"]!.GetValue<string>().Should().Be("validated");
        validated["size"]!.GetValue<long>().Should().Be(content.Length);
    }

    [Theory]
    [InlineData("""{ "partNumbers": [2] }""", 400, "invalid_part_number")]
    [InlineData("""{ "partNumbers": [] }""", 400, "invalid_part_number")]
    [InlineData("""{ "partNumbers": "one" }""", 400, "invalid_request")]
    [InlineData("""not json""", 400, "invalid_json")]
    public async Task SignParts_WhenInputIsBad_ReturnsProblem(string json, int status, string code)
    {
        using var client = App.CreateClient(NewUser());
        var issued = await IssueAsync(client, new JsonObject
        {
            ["filename"] = "a.txt", ["contentType"] = "text/plain", ["size"] = 1000, ["mode"] = "multipart",
        });

        using var response = await client.PostJsonAsync($"/uploads/{issued["id"]}/parts", json);

        await response.ShouldBeProblemAsync((HttpStatusCode)status, code);
    }

    [Fact]
    public async Task MultipartRoutes_WhenUploadIsNotMultipartOrNotOwned_ReturnProblems()
    {
        var owner = NewUser();
        using var client = App.CreateClient(owner);
        using var other = App.CreateClient(NewUser());
        var put = await client.IssueAsync("a.txt", "text/plain", 10);
        var multipart = await IssueAsync(client, new JsonObject
        {
            ["filename"] = "b.txt", ["contentType"] = "text/plain", ["size"] = 1000, ["mode"] = "multipart",
        });

        using (var r = await client.PostJsonAsync($"/uploads/{put["id"]}/parts", """{ "partNumbers": [1] }"""))
        {
            await r.ShouldBeProblemAsync(HttpStatusCode.Conflict, "not_multipart");
        }

        using (var r = await client.PostJsonAsync($"/uploads/{put["id"]}/complete", """{ "parts": [] }"""))
        {
            await r.ShouldBeProblemAsync(HttpStatusCode.Conflict, "not_multipart");
        }

        using (var r = await other.GetAsync($"/uploads/{multipart["id"]}/parts"))
        {
            await r.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        }

        using (var r = await client.PostJsonAsync($"/uploads/{multipart["id"]}/complete", """{ "parts": [{ "partNumber": 1, "etag": "abc" }] }"""))
        {
            await r.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid_parts");
        }

        using (var r = await client.DeleteAsync($"/uploads/{multipart["id"]}"))
        {
            r.StatusCode.Should().Be(HttpStatusCode.NoContent);
        }

        using (var r = await client.GetAsync($"/uploads/{multipart["id"]}/parts"))
        {
            await r.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        }
    }

    [Fact]
    public async Task Download_WithDispositionAndExpiresIn_ServesFileWithOriginalName()
    {
        using var client = App.CreateClient(NewUser());
        var content = Encoding.UTF8.GetBytes("a download\n");
        var issued = await client.IssueAsync("Übersicht 2024.txt", "text/plain", content.Length);
        (await Api.PutToS3Async(issued, content)).StatusCode.Should().Be(HttpStatusCode.OK);
        (await client.PostAsync($"/uploads/{issued["id"]}/validate", null)).StatusCode.Should().Be(HttpStatusCode.OK);

        using var response = await client.GetAsync($"/uploads/{issued["id"]}/download?disposition=attachment&expiresIn=120");

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var link = await response.ReadObjectAsync();
        link["expiresAt"]!.GetValue<DateTimeOffset>().Should().BeCloseTo(App.Clock.GetUtcNow().AddSeconds(120), TimeSpan.FromSeconds(10));
        using var file = await Api.S3.GetAsync(link["url"]!.GetValue<string>());
        file.StatusCode.Should().Be(HttpStatusCode.OK);
        (await file.Content.ReadAsByteArrayAsync()).Should().Equal(content);
        file.Content.Headers.ContentDisposition!.DispositionType.Should().Be("attachment");
        file.Content.Headers.ContentDisposition.FileNameStar.Should().Be("Übersicht 2024.txt");
        file.Content.Headers.ContentDisposition.FileName.Should().Be("Ubersicht 2024.txt");
    }

    [Theory]
    [InlineData("disposition=download", "invalid_query")]
    [InlineData("expiresIn=0", "invalid_query")]
    [InlineData("expiresIn=abc", "invalid_query")]
    [InlineData("expiresIn=7200", "invalid_expiry")]
    public async Task Download_WithBadQuery_ReturnsBadRequest(string query, string code)
    {
        using var client = App.CreateClient(NewUser());
        var content = Encoding.UTF8.GetBytes("x");
        var issued = await client.IssueAsync("x.txt", "text/plain", content.Length);
        (await Api.PutToS3Async(issued, content)).StatusCode.Should().Be(HttpStatusCode.OK);
        (await client.PostAsync($"/uploads/{issued["id"]}/validate", null)).StatusCode.Should().Be(HttpStatusCode.OK);

        using var response = await client.GetAsync($"/uploads/{issued["id"]}/download?{query}");

        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, code);
    }
}
