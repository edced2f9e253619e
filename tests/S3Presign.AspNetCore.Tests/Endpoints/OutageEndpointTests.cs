using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.S3;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace S3Presign.AspNetCore.Tests.Endpoints;

/// <summary>S3 unreachable after retries: every route answers a clear 503 with Retry-After, never a 500.</summary>
public sealed class OutageEndpointTests : IAsyncLifetime
{
    private WebApplication _app = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        // Port 9 on loopback: nothing listens, every S3 call fails with "connection refused".
        builder.Services.AddSingleton<IAmazonS3>(new AmazonS3Client(
            new BasicAWSCredentials("access", "secret"),
            new AmazonS3Config { ServiceURL = "http://127.0.0.1:9", ForcePathStyle = true, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 }));
        builder.Services.AddS3Uploads(o =>
        {
            o.Bucket = "down-bucket";
            o.EnableSweeper = false;
            o.S3MaxRetries = 1;
            o.S3RetryDelay = TimeSpan.Zero;
        });
        builder.Services.AddAuthentication("Test").AddScheme<AuthenticationSchemeOptions, UserHeaderHandler>("Test", null);
        builder.Services.AddAuthorization();
        _app = builder.Build();
        _app.UseAuthentication();
        _app.UseAuthorization();
        _app.MapGroup("/uploads").MapS3Uploads().RequireAuthorization();
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task Validate_WhenS3IsDown_Answers503WithRetryAfterAndLeavesUploadPending()
    {
        using var client = _app.GetTestClient();
        client.DefaultRequestHeaders.Add("X-User", "alice");
        var issue = await client.PostAsJsonAsync("/uploads", new { filename = "a.png", contentType = "image/png", size = 10 });
        issue.StatusCode.Should().Be(HttpStatusCode.Created, "issuing a PUT signs locally and needs no S3 round trip");
        var id = (await issue.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        var validate = await client.PostAsync($"/uploads/{id}/validate", null);

        validate.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        validate.Headers.RetryAfter.Should().NotBeNull();
        validate.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await validate.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString().Should().Be("service_unavailable");
        var record = await client.GetFromJsonAsync<JsonElement>($"/uploads/{id}");
        record.GetProperty("status").GetString().Should().Be("pending");
    }

    private sealed class UserHeaderHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var user = Request.Headers["X-User"].ToString();
            return Task.FromResult(user.Length == 0
                ? AuthenticateResult.NoResult()
                : AuthenticateResult.Success(new AuthenticationTicket(
                    new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, user)], "Test")), "Test")));
        }
    }
}
