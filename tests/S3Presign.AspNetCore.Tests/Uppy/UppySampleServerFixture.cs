using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using S3Presign.AspNetCore.Tests.Infrastructure;
using S3Presign.AspNetCore.Tests.Sample;
using S3Presign.Sample;

namespace S3Presign.AspNetCore.Tests.Uppy;

/// <summary>
/// The sample app on a real socket against the test Ceph gateway with its own bucket, files up to 64 MiB (the Uppy
/// page's 12 MB upload), and Debian's chromium driven by Playwright — launched exactly as <see cref="SampleServerFixture"/> does.
/// </summary>
public sealed class UppySampleServerFixture : IAsyncLifetime
{
    public const long MaxFileSize = 64L * 1024 * 1024;

    private WebApplication? _app;
    private IPlaywright? _playwright;

    public Uri Url { get; private set; } = null!;

    public string Bucket { get; } = RgwServer.NewBucketName("aspnet-uppy-e2e");

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Gets the folder screenshots are saved in (bin/…/artifacts).</summary>
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
                    ["S3Uploads:MaxFileSize"] = MaxFileSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
                });
            });
        Url = await SampleApp.StartAsync(_app);

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = SampleServerFixture.ChromiumPath,
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
