using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace S3Presign.AspNetCore.Tests.Sample;

/// <summary>The sample page in a real browser: pick files, watch them upload and validate, download, delete, see refusals.</summary>
public sealed class SamplePageE2ETests(SampleServerFixture server) : IClassFixture<SampleServerFixture>
{
    [Fact]
    public async Task Page_WhenUserPicksFiles_UploadsValidatesAndDownloadsThem()
    {
        var dir = Directory.CreateTempSubdirectory("s3presign-e2e-");
        var text = Path.Combine(dir.FullName, "hello.txt");
        var textBytes = System.Text.Encoding.UTF8.GetBytes("Hello from the browser test " + Guid.NewGuid() + "\n" + new string('x', 200_000));
        await File.WriteAllBytesAsync(text, textBytes);
        var png = Path.Combine(dir.FullName, "dot.png");
        await File.WriteAllBytesAsync(png, Infrastructure.Api.Png);
        await using var context = await server.Browser.NewContextAsync(new BrowserNewContextOptions { AcceptDownloads = true });
        var page = await context.NewPageAsync();
        var consoleErrors = new List<string>();
        page.Console += (_, message) => { if (message.Type == "error") consoleErrors.Add(message.Text); };

        await page.GotoAsync(server.Url.ToString());
        await Expect(page.Locator("#user")).ToHaveValueAsync("demo");
        await page.Locator("#files").SetInputFilesAsync([text, png]);

        var textItem = page.Locator("li.upload[data-name='hello.txt']");
        await Expect(textItem.Locator(".state")).ToHaveTextAsync("Validated", new() { Timeout = 30_000 });
        await Expect(textItem).ToHaveAttributeAsync("data-percent", "100");
        await Expect(textItem.Locator("progress")).ToHaveJSPropertyAsync("value", 100);
        await Expect(textItem).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("validated"));
        await Expect(page.Locator("li.upload[data-name='dot.png'] .state")).ToHaveTextAsync("Validated", new() { Timeout = 30_000 });

        var textRow = page.Locator("#file-list tr[data-name='hello.txt']");
        await Expect(textRow.Locator(".status")).ToHaveTextAsync("validated");
        var download = await page.RunAndWaitForDownloadAsync(() => textRow.Locator("button.download").ClickAsync());
        download.SuggestedFilename.Should().Be("hello.txt");
        var saved = Path.Combine(server.ArtifactsDirectory, "downloaded-hello.txt");
        await download.SaveAsAsync(saved);
        (await File.ReadAllBytesAsync(saved)).Should().Equal(textBytes);

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(server.ArtifactsDirectory, "sample-uploaded.png"), FullPage = true });

        await page.Locator("#file-list tr[data-name='dot.png'] button.delete").ClickAsync();
        await Expect(page.Locator("#file-list tr[data-name='dot.png']")).ToHaveCountAsync(0);
        await Expect(textRow).ToHaveCountAsync(1);
        consoleErrors.Should().BeEmpty();
        dir.Delete(recursive: true);
    }

    [Fact]
    public async Task Page_WhenUserPicksDisallowedType_ShowsReadableError()
    {
        var dir = Directory.CreateTempSubdirectory("s3presign-e2e-");
        var zip = Path.Combine(dir.FullName, "archive.zip");
        await File.WriteAllBytesAsync(zip, [0x50, 0x4B, 0x05, 0x06, .. new byte[18]]);
        await using var context = await server.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(server.Url.ToString());
        await page.Locator("#user").FillAsync("e2e-" + Guid.NewGuid().ToString("N")[..6]);

        await page.Locator("#files").SetInputFilesAsync(zip);

        var item = page.Locator("li.upload[data-name='archive.zip']");
        await Expect(item).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("error"), new() { Timeout = 30_000 });
        await Expect(item).ToHaveAttributeAsync("data-code", "content_type_not_allowed");
        await Expect(item.Locator(".state")).ToContainTextAsync("not allowed");
        await Expect(page.Locator("#file-list tbody tr")).ToHaveCountAsync(0);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(server.ArtifactsDirectory, "sample-refused.png"), FullPage = true });
        dir.Delete(recursive: true);
    }

    [Fact]
    public async Task Page_WhenNetworkFailsOnce_RetriesAndValidates()
    {
        var dir = Directory.CreateTempSubdirectory("s3presign-e2e-");
        var file = Path.Combine(dir.FullName, "flaky.txt");
        await File.WriteAllTextAsync(file, "survives one dropped connection");
        await using var context = await server.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var failedPuts = 0;
        var failedIssues = 0;
        await page.RouteAsync($"http://127.0.0.1:{Infrastructure.RgwServer.Port}/**", async route =>
        {
            if (route.Request.Method == "PUT" && Interlocked.Increment(ref failedPuts) == 1)
            {
                await route.AbortAsync("connectionreset");
                return;
            }

            await route.ContinueAsync();
        });
        await page.RouteAsync("**/uploads/", async route =>
        {
            if (route.Request.Method == "POST" && Interlocked.Increment(ref failedIssues) == 1)
            {
                await route.AbortAsync("connectionreset");
                return;
            }

            await route.ContinueAsync();
        });
        await page.GotoAsync(server.Url.ToString());
        await page.Locator("#user").FillAsync("e2e-" + Guid.NewGuid().ToString("N")[..6]);

        await page.Locator("#files").SetInputFilesAsync(file);

        await Expect(page.Locator("li.upload[data-name='flaky.txt'] .state")).ToHaveTextAsync("Validated", new() { Timeout = 30_000 });
        failedPuts.Should().BeGreaterThanOrEqualTo(2, "the dropped PUT was retried");
        failedIssues.Should().BeGreaterThanOrEqualTo(2, "the dropped issue call was retried");
        dir.Delete(recursive: true);
    }

    [Fact]
    public async Task Page_WhenUploadLinkExpired_ShowsReadableError()
    {
        var dir = Directory.CreateTempSubdirectory("s3presign-e2e-");
        var file = Path.Combine(dir.FullName, "late.txt");
        await File.WriteAllTextAsync(file, "too late");
        await using var context = await server.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.RouteAsync($"http://127.0.0.1:{Infrastructure.RgwServer.Port}/**", async route =>
        {
            if (route.Request.Method != "PUT")
            {
                await route.ContinueAsync();
                return;
            }

            // What S3 answers to a presigned request used after its expiry.
            await route.FulfillAsync(new RouteFulfillOptions
            {
                Status = 403,
                ContentType = "application/xml",
                Headers = new Dictionary<string, string> { ["Access-Control-Allow-Origin"] = server.Url.GetLeftPart(UriPartial.Authority) },
                Body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
            });
        });
        await page.GotoAsync(server.Url.ToString());
        await page.Locator("#user").FillAsync("e2e-" + Guid.NewGuid().ToString("N")[..6]);

        await page.Locator("#files").SetInputFilesAsync(file);

        var item = page.Locator("li.upload[data-name='late.txt']");
        await Expect(item).ToHaveAttributeAsync("data-code", "link_expired", new() { Timeout = 30_000 });
        await Expect(item.Locator(".state")).ToContainTextAsync("upload link expired");
        dir.Delete(recursive: true);
    }
}
