using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using S3Presign.AspNetCore.Tests.Infrastructure;
using S3Presign.Sample;

namespace S3Presign.AspNetCore.Tests.Sample;

/// <summary>
/// The sample app on a real socket (Kestrel, 127.0.0.1, a free port) against the test Ceph gateway with its own
/// bucket, and Debian's chromium driven by Playwright. Both are set up by the run: the gateway by eng/ceph/rgw.sh,
/// the browser by eng/ensure-chromium.sh; a failure fails the tests.
/// </summary>
public sealed class SampleServerFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private WebApplication? _app;
    private IPlaywright? _playwright;

    public Uri Url { get; private set; } = null!;

    public string Bucket { get; } = RgwServer.NewBucketName("aspnet-e2e");

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Gets the folder screenshots and downloads are saved in (bin/…/artifacts).</summary>
    public string ArtifactsDirectory { get; } = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "artifacts")).FullName;

    public async Task InitializeAsync()
    {
        var serviceUrl = await RgwServer.EnsureStartedAsync();
        await Processes.RunAsync("bash", [Repository.Path("eng", "ensure-chromium.sh")], TimeSpan.FromMinutes(10));

        _app = SampleApp.Build(
            new WebApplicationOptions
            {
                Args = ["--urls=http://127.0.0.1:0"],
                ContentRootPath = Repository.Path("samples", "S3Presign.Sample"),
                EnvironmentName = "Development",
            },
            builder =>
            {
                builder.Logging.ClearProviders();
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["S3Uploads:Bucket"] = Bucket,
                    ["S3Uploads:ServiceUrl"] = serviceUrl.ToString(),
                    ["S3Uploads:ForcePathStyle"] = "true",
                });
            });
        Url = await SampleApp.StartAsync(_app);

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
