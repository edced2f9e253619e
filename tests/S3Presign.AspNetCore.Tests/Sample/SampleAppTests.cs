using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using S3Presign.AspNetCore.Tests.Infrastructure;
using S3Presign.Lifecycle;

namespace S3Presign.AspNetCore.Tests.Sample;

/// <summary>The sample in-process (WebApplicationFactory): page, client script, demo authentication.</summary>
public sealed class SampleAppTests
{
    [Fact]
    public async Task Sample_WhenRequested_ServesPageScriptAndDemoAuthenticatedEndpoints()
    {
        var serviceUrl = await RgwServer.EnsureStartedAsync();
        var bucket = RgwServer.NewBucketName("aspnet-sample");
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Development");
            b.ConfigureAppConfiguration((_, c) => c.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["S3Uploads:Bucket"] = bucket,
                ["S3Uploads:ServiceUrl"] = serviceUrl.ToString(),
            }));
        });
        await factory.Services.GetRequiredService<S3BucketSetup>().EnsureBucketAsync();
        using var client = factory.CreateClient();

        var page = await client.GetStringAsync("/");
        page.Should().Contain("S3Presign sample").And.Contain("id=\"files\"").And.Contain("X-Demo-User");
        (await client.GetStringAsync("/app.js")).Should().Contain("/uploads/client.js");
        (await client.GetStringAsync("/uploads/client.js")).Should().Contain("S3UploadsClient");

        using var anonymous = await client.PostJsonAsync("/uploads", """{ "filename": "a.txt", "contentType": "text/plain" }""");
        anonymous.StatusCode.Should().Be(HttpStatusCode.Unauthorized);

        client.DefaultRequestHeaders.Add("X-Demo-User", "demo");
        var issued = await client.IssueAsync("a.txt", "text/plain", 1);
        issued["fileKey"]!.GetValue<string>().Should().StartWith("uploads/", "the sample's KeyPrefix applies");
        using var refused = await client.PostJsonAsync("/uploads", """{ "filename": "a.exe", "contentType": "application/x-msdownload" }""");
        await refused.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "content_type_not_allowed");
        using var tooLarge = await client.PostJsonAsync("/uploads", """{ "filename": "a.txt", "contentType": "text/plain", "size": 67108865 }""");
        await tooLarge.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "too_large");
    }
}
