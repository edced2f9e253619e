using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using S3Presign.AspNetCore.Tests.Infrastructure;
using S3Presign.Lifecycle;

namespace S3Presign.AspNetCore.Tests.Uppy;

/// <summary>
/// An in-process app against the test Ceph gateway with its own bucket: <c>/uploads</c> (MapS3Uploads) and
/// <c>/uppy</c> (MapS3UploadsUppy), both RequireAuthorization; 5 MiB parts, files up to 64 MiB.
/// Callers authenticate with the <c>X-Test-User</c> header.
/// </summary>
public sealed class UppyAppFixture : IAsyncLifetime
{
    public const string UserHeader = "X-Test-User";
    public const long PartSize = 5L * 1024 * 1024;
    public const long MaxFileSize = 64L * 1024 * 1024;

    private WebApplication? _app;

    public string Bucket { get; } = RgwServer.NewBucketName("aspnet-uppy");

    public async Task InitializeAsync()
    {
        var serviceUrl = await RgwServer.EnsureStartedAsync();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddS3Uploads(o =>
        {
            o.Bucket = Bucket;
            o.ServiceUrl = serviceUrl;
            o.ForcePathStyle = true;
            o.Region = "us-east-1";
            o.EnableSweeper = false;
            o.MaxFileSize = MaxFileSize;
            o.MultipartPartSize = PartSize;
            o.AllowedContentTypes.Add("text/plain");
            o.AllowedContentTypes.Add("application/octet-stream");
        });
        builder.Services.AddAuthentication("Test").AddScheme<AuthenticationSchemeOptions, TestAuthHandler>("Test", null);
        builder.Services.AddAuthorization();

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGroup("/uploads").MapS3Uploads().RequireAuthorization();
        app.MapGroup("/uppy").MapS3UploadsUppy().RequireAuthorization();
        await app.Services.GetRequiredService<S3BucketSetup>().EnsureBucketAsync();
        await app.StartAsync();
        _app = app;
    }

    /// <summary>A client of the in-process server; <paramref name="user"/> <see langword="null"/> is anonymous.</summary>
    public HttpClient CreateClient(string? user)
    {
        var client = (_app ?? throw new InvalidOperationException("Not started.")).GetTestClient();
        if (user is not null)
        {
            client.DefaultRequestHeaders.Add(UserHeader, user);
        }

        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    private sealed class TestAuthHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var user = Request.Headers[UserHeader].ToString();
            if (user.Length == 0)
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            var identity = new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, user)], "Test");
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), "Test")));
        }
    }
}
