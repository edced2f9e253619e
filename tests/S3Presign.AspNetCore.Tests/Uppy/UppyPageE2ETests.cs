using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

using S3Presign.AspNetCore.Tests.Sample;

namespace S3Presign.AspNetCore.Tests.Uppy;

/// <summary>The sample's Uppy page (wwwroot/uppy.html) in Debian's chromium: Uppy's Dashboard uploads through
/// MapS3UploadsUppy — a small file as a POST-policy form, a 12 MB one in parts — and S3Presign validates both.</summary>
public sealed class UppyPageE2ETests(SampleServerFixture server) : IClassFixture<SampleServerFixture>
{
    [Fact]
    public async Task UppyPage_WhenUserAddsSmallAndLargeFiles_UploadsAndValidatesBoth()
    {
        var dir = Directory.CreateTempSubdirectory("s3presign-uppy-e2e-");
        var small = Path.Combine(dir.FullName, "small.txt");
        var smallBytes = System.Text.Encoding.UTF8.GetBytes("Hello from Uppy " + Guid.NewGuid() + "\n");
        await File.WriteAllBytesAsync(small, smallBytes);
        var large = Path.Combine(dir.FullName, "large.txt");
        var largeBytes = new byte[12_000_000];
        for (var i = 0; i < largeBytes.Length; i++)
        {
            largeBytes[i] = (byte)('a' + (i % 26));
        }

        await File.WriteAllBytesAsync(large, largeBytes);
        var user = "uppy-e2e-" + Guid.NewGuid().ToString("N")[..6];

        await using var context = await server.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var consoleErrors = new List<string>();
        page.Console += (_, message) => { if (message.Type == "error") consoleErrors.Add(message.Text); };
        page.PageError += (_, error) => consoleErrors.Add(error);
        var requests = new List<string>();
        page.Request += (_, request) => requests.Add($"{request.Method} {new Uri(request.Url).AbsolutePath}");
        page.Response += (_, response) => { if (response.Status >= 400) consoleErrors.Add($"{response.Status} {response.Request.Method} {response.Url}"); };

        await page.GotoAsync(new Uri(server.Url, "/uppy.html").ToString());
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-ready", "true", new() { Timeout = 30_000 });
        await page.Locator("#user").FillAsync(user);
        await page.Locator("input.uppy-Dashboard-input[name='files[]']").First.SetInputFilesAsync([small, large]);

        var smallRow = page.Locator("#results li.upload[data-name='small.txt']");
        var largeRow = page.Locator("#results li.upload[data-name='large.txt']");
        await Expect(smallRow.Locator(".state")).ToHaveTextAsync("Validated", new() { Timeout = 60_000 });
        await Expect(largeRow.Locator(".state")).ToHaveTextAsync("Validated", new() { Timeout = 60_000 });
        await Expect(smallRow).ToHaveAttributeAsync("data-size", smallBytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(largeRow).ToHaveAttributeAsync("data-size", "12000000");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(server.ArtifactsDirectory, "uppy-uploaded.png"), FullPage = true });

        using var client = new HttpClient { BaseAddress = server.Url };
        client.DefaultRequestHeaders.Add("X-Demo-User", user);
        using var response = await client.GetAsync("/uploads/");
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        var items = JsonNode.Parse(text)!["items"]!.AsArray();
        items.Select(i => (i!["filename"]!.GetValue<string>(), i["status"]!.GetValue<string>(), i["size"]!.GetValue<long>()))
            .Should().BeEquivalentTo([("small.txt", "validated", (long)smallBytes.Length), ("large.txt", "validated", 12_000_000L)]);

        // The large file went up in parts: its object is what the browser read from disk.
        var largeId = items.Single(i => i!["filename"]!.GetValue<string>() == "large.txt")!["id"]!.GetValue<string>();
        using var link = await client.GetAsync($"/uploads/{largeId}/download");
        var url = JsonNode.Parse(await link.Content.ReadAsStringAsync())!["url"]!.GetValue<string>();
        using var s3 = new HttpClient();
        (await s3.GetByteArrayAsync(url)).Should().Equal(largeBytes);

        // Both of Uppy's paths were taken: the small file by a POST-policy form, the large one in two 8 MiB-planned parts.
        requests.Should().Contain(r => r.StartsWith("GET /uppy/s3/params", StringComparison.Ordinal));
        requests.Should().Contain("POST /uppy/s3/multipart");
        requests.Should().Contain($"GET /uppy/s3/multipart/{largeId}/2").And.NotContain($"GET /uppy/s3/multipart/{largeId}/3");
        requests.Should().Contain($"POST /uppy/s3/multipart/{largeId}/complete");
        consoleErrors.Should().BeEmpty();
        dir.Delete(recursive: true);
    }
}
