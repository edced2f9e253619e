using System.Net;
using System.Security.Cryptography;
using System.Text;
using S3Presign.AspNetCore.Tests.Infrastructure;

namespace S3Presign.AspNetCore.Tests.Endpoints;

/// <summary>Issue → PUT to S3 → validate → read, list, download, delete; every outcome of validate; ownership.</summary>
public sealed class UploadFlowEndpointTests(UploadsAppFixture fixture) : IClassFixture<UploadsAppFixture>
{
    private UploadsTestApp App => fixture.App;

    [Fact]
    public async Task FullFlow_WhenClientUploadsWhatItDeclared_ValidatesListsDownloadsAndDeletes()
    {
        using var client = App.CreateClient(NewUser());
        var content = Encoding.UTF8.GetBytes("hello from the endpoint tests\n");
        var issued = await client.IssueAsync("notes.txt", "text/plain", content.Length);
        var id = issued["id"]!.GetValue<string>();

        using (var put = await Api.PutToS3Async(issued, content))
        {
            put.StatusCode.Should().Be(HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        }

        using var validate = await client.PostAsync($"/uploads/{id}/validate", null);
        validate.StatusCode.Should().Be(HttpStatusCode.OK, await validate.Content.ReadAsStringAsync());
        var validated = await validate.ReadObjectAsync();
        validated["id"]!.GetValue<string>().Should().Be(id);
        validated["fileKey"]!.GetValue<string>().Should().Be(issued["fileKey"]!.GetValue<string>());
        validated["status"]!.GetValue<string>().Should().Be("validated");
        validated["size"]!.GetValue<long>().Should().Be(content.Length);
        validated["contentType"]!.GetValue<string>().Should().Be("text/plain");
        validated["etag"]!.GetValue<string>().Should().Be(Convert.ToHexStringLower(MD5.HashData(content)));
        validated["validatedAt"]!.GetValue<DateTimeOffset>().Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));

        using var again = await client.PostAsync($"/uploads/{id}/validate", null);
        again.StatusCode.Should().Be(HttpStatusCode.OK, "validation is idempotent");

        using var get = await client.GetAsync($"/uploads/{id}");
        get.StatusCode.Should().Be(HttpStatusCode.OK);
        var record = await get.ReadObjectAsync();
        record["status"]!.GetValue<string>().Should().Be("validated");
        record["filename"]!.GetValue<string>().Should().Be("notes.txt");
        record["size"]!.GetValue<long>().Should().Be(content.Length);

        using var download = await client.GetAsync($"/uploads/{id}/download");
        download.StatusCode.Should().Be(HttpStatusCode.OK);
        var link = await download.ReadObjectAsync();
        link["expiresAt"]!.GetValue<DateTimeOffset>().Should().BeAfter(DateTimeOffset.UtcNow);
        (await Api.S3.GetByteArrayAsync(link["url"]!.GetValue<string>())).Should().Equal(content);

        (await client.ListAsync()).Select(u => u!["id"]!.GetValue<string>()).Should().Equal(id);

        using var delete = await client.DeleteAsync($"/uploads/{id}");
        delete.StatusCode.Should().Be(HttpStatusCode.NoContent);
        using (var gone = await client.GetAsync($"/uploads/{id}"))
        {
            await gone.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        }

        (await client.ListAsync()).Should().BeEmpty();
        using var fileAfterDelete = await Api.S3.GetAsync(issued["fileUrl"]!.GetValue<string>());
        fileAfterDelete.IsSuccessStatusCode.Should().BeFalse();
        using var deleteAgain = await client.DeleteAsync($"/uploads/{id}");
        await deleteAgain.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Validate_WhenNothingUploaded_Returns409NotUploadedAndStaysPending()
    {
        using var client = App.CreateClient(NewUser());
        var issued = await client.IssueAsync("later.txt", "text/plain", 5);
        var id = issued["id"]!.GetValue<string>();

        using var validate = await client.PostAsync($"/uploads/{id}/validate", null);

        await validate.ShouldBeProblemAsync(HttpStatusCode.Conflict, "not_uploaded");
        using var get = await client.GetAsync($"/uploads/{id}");
        (await get.ReadObjectAsync())["status"]!.GetValue<string>().Should().Be("pending");
    }

    [Fact]
    public async Task Validate_WhenContentBreaksARule_Returns422WithRuleCodeAndDeletesObject()
    {
        using var client = App.CreateClient(NewUser());
        var content = Encoding.UTF8.GetBytes("this is not a PNG");
        var issued = await client.IssueAsync("fake.png", "image/png", content.Length);
        var id = issued["id"]!.GetValue<string>();
        using (var put = await Api.PutToS3Async(issued, content))
        {
            put.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        using var validate = await client.PostAsync($"/uploads/{id}/validate", null);

        await validate.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "magic_bytes_mismatch");
        using var again = await client.PostAsync($"/uploads/{id}/validate", null);
        await again.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "magic_bytes_mismatch");
        using var get = await client.GetAsync($"/uploads/{id}");
        var record = await get.ReadObjectAsync();
        record["status"]!.GetValue<string>().Should().Be("rejected");
        record["statusReason"]!.GetValue<string>().Should().Be("magic_bytes_mismatch");
        using var head = await Api.S3.GetAsync(issued["fileUrl"]!.GetValue<string>());
        head.StatusCode.Should().NotBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Validate_WhenDeclaredChecksumDiffers_Returns422ChecksumMismatch()
    {
        using var client = App.CreateClient(NewUser());
        var content = Encoding.UTF8.GetBytes("the real content");
        var wrongChecksum = Convert.ToBase64String(SHA256.HashData("other content"u8));
        using var issue = await client.PostJsonAsync("/uploads",
            $$"""{ "filename": "c.txt", "contentType": "text/plain", "size": {{content.Length}}, "checksumSha256": "{{wrongChecksum}}" }""");
        issue.StatusCode.Should().Be(HttpStatusCode.Created);
        var issued = await issue.ReadObjectAsync();
        using (var put = await Api.PutToS3Async(issued, content))
        {
            // Ceph RGW does not check x-amz-checksum-sha256 (DESIGN.md); AWS would refuse the PUT here already.
            put.IsSuccessStatusCode.Should().BeTrue();
        }

        using var validate = await client.PostAsync($"/uploads/{issued["id"]!.GetValue<string>()}/validate", null);

        await validate.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "checksum_mismatch");
    }

    [Fact]
    public async Task Validate_WhenDeadlinePassed_Returns410ExpiredAndDownloadIsRefused()
    {
        using var client = App.CreateClient(NewUser());
        var issued = await client.IssueAsync("slow.txt", "text/plain", 4);
        var id = issued["id"]!.GetValue<string>();
        using (var put = await Api.PutToS3Async(issued, "slow"u8.ToArray()))
        {
            put.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        App.Clock.Advance(TimeSpan.FromHours(1));
        try
        {
            using var validate = await client.PostAsync($"/uploads/{id}/validate", null);
            await validate.ShouldBeProblemAsync(HttpStatusCode.Gone, "expired");
        }
        finally
        {
            App.Clock.Advance(TimeSpan.FromHours(-1));
        }

        using var get = await client.GetAsync($"/uploads/{id}");
        (await get.ReadObjectAsync())["status"]!.GetValue<string>().Should().Be("expired");
        using var download = await client.GetAsync($"/uploads/{id}/download");
        await download.ShouldBeProblemAsync(HttpStatusCode.Conflict, "not_validated");
        (await client.ListAsync("?status=expired")).Should().ContainSingle();
    }

    [Fact]
    public async Task Download_WhenPending_Returns409NotValidated()
    {
        using var client = App.CreateClient(NewUser());
        var issued = await client.IssueAsync("p.txt", "text/plain", 1);

        using var download = await client.GetAsync($"/uploads/{issued["id"]!.GetValue<string>()}/download");

        await download.ShouldBeProblemAsync(HttpStatusCode.Conflict, "not_validated");
    }

    [Fact]
    public async Task Delete_WhenPending_Returns204AndCancelsIt()
    {
        using var client = App.CreateClient(NewUser());
        var issued = await client.IssueAsync("cancel.txt", "text/plain", 3);
        var id = issued["id"]!.GetValue<string>();

        using var delete = await client.DeleteAsync($"/uploads/{id}");

        delete.StatusCode.Should().Be(HttpStatusCode.NoContent);
        using var validate = await client.PostAsync($"/uploads/{id}/validate", null);
        await validate.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task EveryRoute_WhenUploadBelongsToAnotherOwner_Returns404AndLeavesItAlone()
    {
        using var alice = App.CreateClient(NewUser());
        using var mallory = App.CreateClient(NewUser());
        var content = Encoding.UTF8.GetBytes("alice's");
        var issued = await alice.IssueAsync("alice.txt", "text/plain", content.Length);
        var id = issued["id"]!.GetValue<string>();
        (await Api.PutToS3Async(issued, content)).Dispose();

        using (var r = await mallory.GetAsync($"/uploads/{id}")) await r.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        using (var r = await mallory.PostAsync($"/uploads/{id}/validate", null)) await r.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        using (var r = await mallory.GetAsync($"/uploads/{id}/download")) await r.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        using (var r = await mallory.DeleteAsync($"/uploads/{id}")) await r.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        (await mallory.ListAsync()).Should().BeEmpty();

        using var validate = await alice.PostAsync($"/uploads/{id}/validate", null);
        validate.StatusCode.Should().Be(HttpStatusCode.OK, "another owner's calls changed nothing");
        using (var r = await mallory.GetAsync($"/uploads/{id}/download")) await r.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        using (var r = await mallory.DeleteAsync($"/uploads/{id}")) await r.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        using var get = await alice.GetAsync($"/uploads/{id}");
        (await get.ReadObjectAsync())["status"]!.GetValue<string>().Should().Be("validated");
    }

    [Theory]
    [InlineData("GET", "/uploads/{0}")]
    [InlineData("DELETE", "/uploads/{0}")]
    [InlineData("POST", "/uploads/{0}/validate")]
    [InlineData("GET", "/uploads/{0}/download")]
    public async Task Route_WhenIdIsUnknown_Returns404NotFound(string method, string template)
    {
        using var client = App.CreateClient(NewUser());
        foreach (var id in new[] { Guid.NewGuid().ToString("N"), "not-an-id", "a%2Fb", "%20", new string('x', 2000) })
        {
            using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), string.Format(System.Globalization.CultureInfo.InvariantCulture, template, id)));
            await response.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        }
    }

    [Fact]
    public async Task List_WhenFiltered_ReturnsOnlyMatchingNewestFirst()
    {
        using var client = App.CreateClient(NewUser());
        var small = await client.IssueAsync("small-report.txt", "text/plain", 10);
        var large = await client.IssueAsync("large-photo.png", "image/png", 5000);
        var middle = await client.IssueAsync("middle-report.pdf", "application/pdf", 300);
        string Id(System.Text.Json.Nodes.JsonObject o) => o["id"]!.GetValue<string>();
        string[] Ids(System.Text.Json.Nodes.JsonArray a) => a.Select(u => u!["id"]!.GetValue<string>()).ToArray();

        Ids(await client.ListAsync()).Should().Equal(Id(middle), Id(large), Id(small));
        Ids(await client.ListAsync("?filename=REPORT")).Should().Equal(Id(middle), Id(small));
        Ids(await client.ListAsync("?minSize=100&maxSize=1000")).Should().Equal(Id(middle));
        Ids(await client.ListAsync("?minSize=300")).Should().Equal(Id(middle), Id(large));
        Ids(await client.ListAsync("?limit=1")).Should().Equal(Id(middle));
        Ids(await client.ListAsync("?status=pending")).Should().HaveCount(3);
        Ids(await client.ListAsync("?status=VALIDATED")).Should().BeEmpty();
        var future = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(1).ToString("O"));
        var past = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-1).ToString("O"));
        Ids(await client.ListAsync($"?createdFrom={future}")).Should().BeEmpty();
        Ids(await client.ListAsync($"?createdFrom={past}&createdTo={future}")).Should().HaveCount(3);
        Ids(await client.ListAsync($"?createdTo={past}")).Should().BeEmpty();
    }

    [Theory]
    [InlineData("?status=deleted")]
    [InlineData("?status=bogus")]
    [InlineData("?minSize=-1")]
    [InlineData("?maxSize=ten")]
    [InlineData("?limit=0")]
    [InlineData("?limit=1001")]
    [InlineData("?limit=abc")]
    [InlineData("?createdFrom=yesterday")]
    [InlineData("?createdTo=2024-13-45")]
    public async Task List_WhenFilterIsInvalid_Returns400InvalidQuery(string query)
    {
        using var client = App.CreateClient(NewUser());

        using var response = await client.GetAsync("/uploads/" + query);

        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid_query");
    }

    [Fact]
    public async Task Issue_WhenPngDeclaredAndPngUploaded_Validates()
    {
        using var client = App.CreateClient(NewUser());
        var issued = await client.IssueAsync("dot.png", "image/png", Api.Png.Length);
        (await Api.PutToS3Async(issued, Api.Png)).StatusCode.Should().Be(HttpStatusCode.OK);

        using var validate = await client.PostAsync($"/uploads/{issued["id"]!.GetValue<string>()}/validate", null);

        validate.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    private static string NewUser() => "user-" + Guid.NewGuid().ToString("N")[..8];
}
