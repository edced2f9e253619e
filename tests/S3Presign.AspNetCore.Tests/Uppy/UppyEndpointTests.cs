using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using S3Presign.AspNetCore.Tests.Infrastructure;

namespace S3Presign.AspNetCore.Tests.Uppy;

/// <summary>The Companion-compatible routes of <c>MapS3UploadsUppy</c>, called the way @uppy/aws-s3 6 calls them,
/// against Ceph RGW.</summary>
public sealed class UppyEndpointTests(UppyAppFixture app) : IClassFixture<UppyAppFixture>
{
    private static string NewUser() => "uppy-" + Guid.NewGuid().ToString("N")[..8];

    private static async Task<JsonNode> ReadAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(status, text);
        return JsonNode.Parse(text)!;
    }

    private static async Task<(string Key, string UploadId)> CreateMultipartAsync(HttpClient client, string filename, long size)
    {
        var body = new JsonObject
        {
            ["filename"] = filename, ["type"] = "application/octet-stream",
            ["metadata"] = new JsonObject { ["size"] = size, ["name"] = filename },
        };
        using var response = await client.PostJsonAsync("/uppy/s3/multipart", body.ToJsonString());
        var created = await ReadAsync(response, HttpStatusCode.OK);
        return (created["key"]!.GetValue<string>(), created["uploadId"]!.GetValue<string>());
    }

    private static async Task<string> PutPartAsync(HttpClient client, string uploadId, string key, int partNumber, byte[] bytes)
    {
        using var sign = await client.GetAsync($"/uppy/s3/multipart/{uploadId}/{partNumber}?key={Uri.EscapeDataString(key)}");
        var signed = await ReadAsync(sign, HttpStatusCode.OK);
        signed["expires"]!.GetValue<long>().Should().BePositive();
        using var put = await Api.S3.PutAsync(signed["url"]!.GetValue<string>(), new ByteArrayContent(bytes));
        put.StatusCode.Should().Be(HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        return put.Headers.ETag!.Tag;
    }

    [Fact]
    public async Task Params_WhenFormPostedWithFields_UploadStaysPendingUntilValidated()
    {
        using var client = app.CreateClient(NewUser());
        var content = Encoding.UTF8.GetBytes("sent the way Uppy sends small files\n");

        using var response = await client.GetAsync($"/uppy/s3/params?filename=note.txt&type=text%2Fplain&metadata%5Bsize%5D={content.Length}&metadata%5Bname%5D=note.txt");
        var issued = await ReadAsync(response, HttpStatusCode.OK);
        issued["method"]!.GetValue<string>().Should().Be("POST");
        issued["headers"]!.AsObject().Should().BeEmpty();
        var fields = issued["fields"]!.AsObject();
        var key = fields["key"]!.GetValue<string>();
        key.Should().EndWith("-note.txt");

        using (var form = new MultipartFormDataContent())
        {
            foreach (var (name, value) in fields)
            {
                form.Add(new StringContent(value!.GetValue<string>()), name);
            }

            form.Add(new ByteArrayContent(content), "file", "note.txt");
            using var post = await Api.S3.PostAsync(issued["url"]!.GetValue<string>(), form);
            post.StatusCode.Should().Be(HttpStatusCode.NoContent, await post.Content.ReadAsStringAsync());
        }

        var item = (await client.ListAsync()).Single()!;
        item["fileKey"]!.GetValue<string>().Should().Be(key);
        item["status"]!.GetValue<string>().Should().Be("pending");
        item["declaredSize"]!.GetValue<long>().Should().Be(content.Length);

        using var validate = await client.PostAsync($"/uploads/{item["id"]}/validate", null);
        (await ReadAsync(validate, HttpStatusCode.OK))["status"]!.GetValue<string>().Should().Be("validated");
    }

    [Fact]
    public async Task Params_WhenSizeBoundAndBodyLonger_S3RefusesTheForm()
    {
        using var client = app.CreateClient(NewUser());
        using var response = await client.GetAsync("/uppy/s3/params?filename=short.txt&type=text%2Fplain&metadata%5Bsize%5D=3");
        var issued = await ReadAsync(response, HttpStatusCode.OK);
        using var form = new MultipartFormDataContent();
        foreach (var (name, value) in issued["fields"]!.AsObject())
        {
            form.Add(new StringContent(value!.GetValue<string>()), name);
        }

        form.Add(new ByteArrayContent(Encoding.UTF8.GetBytes("longer than declared")), "file", "short.txt");
        using var post = await Api.S3.PostAsync(issued["url"]!.GetValue<string>(), form);
        post.IsSuccessStatusCode.Should().BeFalse();
    }

    [Fact]
    public async Task Params_WhenTypeNotAllowedOrSizeMalformed_RefusesWithCodeAndLeavesNothing()
    {
        using var client = app.CreateClient(NewUser());
        using var type = await client.GetAsync("/uppy/s3/params?filename=a.exe&type=application%2Fx-msdownload");
        await type.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "content_type_not_allowed");
        using var size = await client.GetAsync("/uppy/s3/params?filename=a.txt&type=text%2Fplain&metadata%5Bsize%5D=-1");
        await size.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid_size");
        using var tooLarge = await client.GetAsync($"/uppy/s3/params?filename=a.txt&type=text%2Fplain&metadata%5Bsize%5D={UppyAppFixture.MaxFileSize + 1}");
        await tooLarge.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "too_large");
        (await client.ListAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task Multipart_WhenPartsSignedUploadedListedAndCompleted_IsValidated()
    {
        using var client = app.CreateClient(NewUser());
        var content = new byte[(int)UppyAppFixture.PartSize + 300_000];
        Random.Shared.NextBytes(content);
        var (key, uploadId) = await CreateMultipartAsync(client, "film.bin", content.Length);
        key.Should().EndWith("-film.bin");

        using (var get = await client.GetAsync($"/uploads/{uploadId}"))
        {
            (await ReadAsync(get, HttpStatusCode.OK))["status"]!.GetValue<string>().Should().Be("pending", "uploadId is the S3Presign upload id");
        }

        var etag1 = await PutPartAsync(client, uploadId, key, 1, content[..(int)UppyAppFixture.PartSize]);
        var etag2 = await PutPartAsync(client, uploadId, key, 2, content[(int)UppyAppFixture.PartSize..]);

        using (var list = await client.GetAsync($"/uppy/s3/multipart/{uploadId}?key={Uri.EscapeDataString(key)}"))
        {
            var parts = (await ReadAsync(list, HttpStatusCode.OK)).AsArray();
            parts.Select(p => p!["PartNumber"]!.GetValue<int>()).Should().Equal(1, 2);
            parts.Select(p => p!["Size"]!.GetValue<long>()).Should().Equal(UppyAppFixture.PartSize, content.Length - UppyAppFixture.PartSize);
            parts[0]!["ETag"]!.GetValue<string>().Trim('"').Should().Be(etag1.Trim('"'));
        }

        var complete = new JsonObject
        {
            ["parts"] = new JsonArray(
                new JsonObject { ["PartNumber"] = 1, ["ETag"] = etag1 },
                new JsonObject { ["PartNumber"] = 2, ["ETag"] = etag2 }),
        };
        using (var done = await client.PostJsonAsync($"/uppy/s3/multipart/{uploadId}/complete?key={Uri.EscapeDataString(key)}", complete.ToJsonString()))
        {
            var body = await ReadAsync(done, HttpStatusCode.OK);
            body["key"]!.GetValue<string>().Should().Be(key);
            body["id"]!.GetValue<string>().Should().Be(uploadId);
            body["status"]!.GetValue<string>().Should().Be("validated");
            using var download = await Api.S3.GetAsync(body["location"]!.GetValue<string>());
            (await download.Content.ReadAsByteArrayAsync()).Should().Equal(content);
        }

        using var validate = await client.PostAsync($"/uploads/{uploadId}/validate", null);
        (await ReadAsync(validate, HttpStatusCode.OK))["size"]!.GetValue<long>().Should().Be(content.Length);
    }

    [Fact]
    public async Task Multipart_WhenSignedInBatch_AnswersPresignedUrlsByPartNumber()
    {
        using var client = app.CreateClient(NewUser());
        var (key, uploadId) = await CreateMultipartAsync(client, "batch.bin", (3 * UppyAppFixture.PartSize) - 1);
        using var batch = await client.GetAsync($"/uppy/s3/multipart/{uploadId}/batch?key={Uri.EscapeDataString(key)}&partNumbers=1,3");
        var urls = (await ReadAsync(batch, HttpStatusCode.OK))["presignedUrls"]!.AsObject();
        urls.Select(p => p.Key).Should().Equal("1", "3");
        urls["3"]!.GetValue<string>().Should().Contain("partNumber=3");
        using var beyond = await client.GetAsync($"/uppy/s3/multipart/{uploadId}/4?key={Uri.EscapeDataString(key)}");
        await beyond.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid_part_number");
    }

    [Fact]
    public async Task CreateMultipart_WithoutSizeInMetadata_RefusesAndLeavesNothing()
    {
        using var client = app.CreateClient(NewUser());
        using var none = await client.PostJsonAsync("/uppy/s3/multipart", """{ "filename": "a.bin", "type": "application/octet-stream", "metadata": { "name": "a.bin" } }""");
        await none.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid_size");
        using var text = await client.PostJsonAsync("/uppy/s3/multipart", """{ "filename": "a.bin", "type": "application/octet-stream", "metadata": { "size": "lots" } }""");
        await text.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid_size");
        using var form = await client.PostJsonAsync("/uppy/s3/multipart", "filename=a.bin", "application/x-www-form-urlencoded");
        await form.ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        using var tooLarge = await client.PostJsonAsync("/uppy/s3/multipart",
            $$"""{ "filename": "a.bin", "type": "application/octet-stream", "metadata": { "size": "{{UppyAppFixture.MaxFileSize + 1}}" } }""");
        await tooLarge.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "too_large");
        (await client.ListAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task Multipart_WhenKeyIsNotTheUploadsOrCallerIsAnotherOwner_AnswersNotFound()
    {
        using var client = app.CreateClient(NewUser());
        using var other = app.CreateClient(NewUser());
        var (key, uploadId) = await CreateMultipartAsync(client, "mine.bin", 10);

        using var wrongKey = await client.GetAsync($"/uppy/s3/multipart/{uploadId}/1?key=uploads%2Fsomething-else.bin");
        await wrongKey.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        using var stranger = await other.GetAsync($"/uppy/s3/multipart/{uploadId}/1?key={Uri.EscapeDataString(key)}");
        await stranger.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        using var strangerAbort = await other.DeleteAsync($"/uppy/s3/multipart/{uploadId}?key={Uri.EscapeDataString(key)}");
        await strangerAbort.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        using var unknown = await client.GetAsync($"/uppy/s3/multipart/{Guid.NewGuid():N}?key={Uri.EscapeDataString(key)}");
        await unknown.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Abort_WhenPending_DeletesTheUploadAndAnswersEmptyObject()
    {
        using var client = app.CreateClient(NewUser());
        var (key, uploadId) = await CreateMultipartAsync(client, "gone.bin", 10);
        using var abort = await client.DeleteAsync($"/uppy/s3/multipart/{uploadId}?key={Uri.EscapeDataString(key)}");
        (await ReadAsync(abort, HttpStatusCode.OK)).AsObject().Should().BeEmpty();
        using var get = await client.GetAsync($"/uploads/{uploadId}");
        await get.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        using var again = await client.DeleteAsync($"/uppy/s3/multipart/{uploadId}?key={Uri.EscapeDataString(key)}");
        await again.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Complete_WhenEtagsAreWrong_AnswersInvalidPartsAndStaysPending()
    {
        using var client = app.CreateClient(NewUser());
        var (key, uploadId) = await CreateMultipartAsync(client, "bad.bin", 4);
        await PutPartAsync(client, uploadId, key, 1, [1, 2, 3, 4]);
        using var done = await client.PostJsonAsync($"/uppy/s3/multipart/{uploadId}/complete?key={Uri.EscapeDataString(key)}",
            """{ "parts": [ { "PartNumber": 1, "ETag": "\"00000000000000000000000000000000\"" } ] }""");
        await done.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid_parts");
        using var get = await client.GetAsync($"/uploads/{uploadId}");
        (await ReadAsync(get, HttpStatusCode.OK))["status"]!.GetValue<string>().Should().Be("pending");
    }

    [Fact]
    public async Task Complete_WhenFewerBytesThanDeclared_RejectsWithSizeMismatch()
    {
        using var client = app.CreateClient(NewUser());
        var (key, uploadId) = await CreateMultipartAsync(client, "short.bin", 100);
        var etag = await PutPartAsync(client, uploadId, key, 1, [1, 2, 3]);
        using var done = await client.PostJsonAsync($"/uppy/s3/multipart/{uploadId}/complete?key={Uri.EscapeDataString(key)}",
            new JsonObject { ["parts"] = new JsonArray(new JsonObject { ["PartNumber"] = 1, ["ETag"] = etag }) }.ToJsonString());
        await done.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "size_mismatch");
    }

    [Fact]
    public async Task Routes_WhenAnonymous_AreRefused()
    {
        using var client = app.CreateClient(null);
        using var issue = await client.GetAsync("/uppy/s3/params?filename=a.txt&type=text%2Fplain");
        issue.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        using var create = await client.PostJsonAsync("/uppy/s3/multipart", """{ "filename": "a.bin", "type": "text/plain", "metadata": { "size": 1 } }""");
        create.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Config_AnswersThePartPlanSoAPageCanCutFilesLikeTheServer()
    {
        using var client = app.CreateClient(NewUser());
        using var response = await client.GetAsync("/uppy/s3/config");
        var config = await ReadAsync(response, HttpStatusCode.OK);
        config["partSize"]!.GetValue<long>().Should().Be(UppyAppFixture.PartSize);
        config["minPartSize"]!.GetValue<long>().Should().Be(5L * 1024 * 1024);
        config["maxParts"]!.GetValue<int>().Should().Be(10_000);
        config["maxFileSize"]!.GetValue<long>().Should().Be(UppyAppFixture.MaxFileSize);
    }
}
