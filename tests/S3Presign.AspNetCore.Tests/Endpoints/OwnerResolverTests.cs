using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using S3Presign.AspNetCore.Tests.Infrastructure;
using S3Presign.Lifecycle;

namespace S3Presign.AspNetCore.Tests.Endpoints;

/// <summary>A custom <see cref="S3UploadsEndpointOptions.OwnerResolver"/> decides who owns uploads.</summary>
public sealed class OwnerResolverTests
{
    [Fact]
    public async Task OwnerResolver_WhenConfigured_DecidesTheOwner()
    {
        var serviceUrl = await RgwServer.EnsureStartedAsync();
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddS3Uploads(o =>
        {
            o.Bucket = RgwServer.NewBucketName("aspnet-owner");
            o.ServiceUrl = serviceUrl;
            o.ForcePathStyle = true;
            o.EnableSweeper = false;
        }).ConfigureEndpoints(o => o.OwnerResolver = http => http.Request.Headers["X-Tenant"].ToString());
        await using var app = builder.Build();
        app.MapGroup("/files").MapS3Uploads();
        await app.Services.GetRequiredService<S3BucketSetup>().EnsureBucketAsync();
        await app.StartAsync();
        using var tenantA = app.GetTestClient();
        tenantA.DefaultRequestHeaders.Add("X-Tenant", "tenant-a");
        using var tenantB = app.GetTestClient();
        tenantB.DefaultRequestHeaders.Add("X-Tenant", "tenant-b");
        using var nobody = app.GetTestClient();

        var issued = await tenantA.IssueAsync("a.txt", "text/plain", 1, group: "/files");

        (await tenantA.ListAsync(group: "/files")).Should().ContainSingle();
        (await tenantB.ListAsync(group: "/files")).Should().BeEmpty();
        using var other = await tenantB.GetAsync("/files/" + issued["id"]!.GetValue<string>());
        await other.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        using var anonymous = await nobody.GetAsync("/files/");
        await anonymous.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
    }
}
