using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using S3Presign.AspNetCore;
using S3Presign.Lifecycle;

namespace S3Presign.AspNetCore.Tests.Infrastructure;

/// <summary>
/// An in-process app (TestServer) with S3Presign against the test Ceph gateway, its own bucket, and three groups:
/// <c>/uploads</c> (RequireAuthorization), <c>/open</c> (no authorization: the endpoints' own 401) and
/// <c>/limited</c> (RequireAuthorization + RequireRateLimiting, 2 requests per minute).
/// Callers authenticate with the <c>X-Test-User</c> header.
/// </summary>
public sealed class UploadsTestApp : IAsyncDisposable
{
    public const string UserHeader = "X-Test-User";
    public const long MaxFileSize = 1024 * 1024;
    public const long MaxBodySize = 4 * 1024;

    private readonly WebApplication _app;

    private UploadsTestApp(WebApplication app, string bucket, OffsetTimeProvider clock)
    {
        _app = app;
        Bucket = bucket;
        Clock = clock;
    }

    public string Bucket { get; }

    /// <summary>Gets the app's clock; move it forward to pass deadlines without sleeping.</summary>
    public OffsetTimeProvider Clock { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<UploadsTestApp> StartAsync(string bucketPrefix)
    {
        var serviceUrl = await RgwServer.EnsureStartedAsync();
        var bucket = RgwServer.NewBucketName(bucketPrefix);
        var clock = new OffsetTimeProvider();

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddS3Uploads(o =>
        {
            o.Bucket = bucket;
            o.ServiceUrl = serviceUrl;
            o.ForcePathStyle = true;
            o.Region = "us-east-1";
            o.EnableSweeper = false;
            o.MaxFileSize = MaxFileSize;
            o.AllowedContentTypes.Add("image/*");
            o.AllowedContentTypes.Add("text/plain");
            o.AllowedContentTypes.Add("application/pdf");
        }).ConfigureEndpoints(o => o.MaxRequestBodySize = MaxBodySize);
        builder.Services.AddAuthentication("Test").AddScheme<AuthenticationSchemeOptions, TestAuthHandler>("Test", null);
        builder.Services.AddAuthorization();
        builder.Services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddFixedWindowLimiter("tight", w =>
            {
                w.PermitLimit = 2;
                w.Window = TimeSpan.FromMinutes(1);
                w.QueueLimit = 0;
            });
        });

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapGroup("/uploads").MapS3Uploads().RequireAuthorization();
        app.MapGroup("/open").MapS3Uploads();
        app.MapGroup("/limited").MapS3Uploads().RequireAuthorization().RequireRateLimiting("tight");

        await app.Services.GetRequiredService<S3BucketSetup>().EnsureBucketAsync();
        await app.StartAsync();
        return new UploadsTestApp(app, bucket, clock);
    }

    /// <summary>A client of the in-process server; <paramref name="user"/> <see langword="null"/> is anonymous.</summary>
    public HttpClient CreateClient(string? user)
    {
        var client = _app.GetTestClient();
        if (user is not null)
        {
            client.DefaultRequestHeaders.Add(UserHeader, user);
        }

        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
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

/// <summary>The system clock plus an offset the test controls; timers stay real.</summary>
public sealed class OffsetTimeProvider : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan delta) => Interlocked.Add(ref _offsetTicks, delta.Ticks);
}

/// <summary>One <see cref="UploadsTestApp"/> per test class, with its own bucket.</summary>
public sealed class UploadsAppFixture : IAsyncLifetime
{
    private UploadsTestApp? _app;

    public UploadsTestApp App => _app ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync() => _app = await UploadsTestApp.StartAsync("aspnet");

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
