using System.Net;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using S3Presign.AspNetCore.Tests.Infrastructure;

namespace S3Presign.AspNetCore.Tests.Endpoints;

/// <summary>Authentication, the app's group conventions, the body cap on every route, OpenAPI metadata, the client script.</summary>
public sealed class EndpointConventionsTests(UploadsAppFixture fixture) : IClassFixture<UploadsAppFixture>
{
    private UploadsTestApp App => fixture.App;

    public static TheoryData<string, string> Routes => new()
    {
        { "POST", "/" },
        { "GET", "/" },
        { "GET", "/0123456789abcdef0123456789abcdef" },
        { "DELETE", "/0123456789abcdef0123456789abcdef" },
        { "POST", "/0123456789abcdef0123456789abcdef/validate" },
        { "GET", "/0123456789abcdef0123456789abcdef/download" },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Route_WhenAnonymousUnderRequireAuthorization_Returns401(string method, string path)
    {
        using var client = App.CreateClient(user: null);

        using var response = await client.SendAsync(Request(method, "/uploads" + path));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Route_WhenAnonymousWithoutAuthorizationPolicy_Returns401Unauthenticated(string method, string path)
    {
        using var client = App.CreateClient(user: null);

        using var response = await client.SendAsync(Request(method, "/open" + path));

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Route_WhenBodyExceedsCap_Returns413BodyTooLarge(string method, string path)
    {
        using var client = App.CreateClient("someone");
        var request = Request(method, "/uploads" + path);
        request.Content = new StringContent(new string('x', (int)UploadsTestApp.MaxBodySize + 1), Encoding.UTF8, "application/json");

        using var response = await client.SendAsync(request);

        await response.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge, "body_too_large");
    }

    [Fact]
    public async Task Group_WhenAppRequiresRateLimiting_LimitsTheEndpoints()
    {
        using var client = App.CreateClient("rate-limited");

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await client.GetAsync("/limited/");
            statuses.Add(response.StatusCode);
        }

        statuses.Should().Equal(HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task ClientScript_WhenGroupRequiresAuthorization_IsServedToAnonymousCallers()
    {
        using var client = App.CreateClient(user: null);

        using var response = await client.GetAsync("/uploads/client.js");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/javascript");
        var script = await response.Content.ReadAsStringAsync();
        script.Should().Contain("export class S3UploadsClient").And.Contain("XMLHttpRequest");
        var etag = response.Headers.ETag!.Tag;
        using var conditional = new HttpRequestMessage(HttpMethod.Get, "/uploads/client.js");
        conditional.Headers.TryAddWithoutValidation("If-None-Match", etag);
        using var notModified = await client.SendAsync(conditional);
        notModified.StatusCode.Should().Be(HttpStatusCode.NotModified);
    }

    [Fact]
    public void Endpoints_WhenMapped_CarryOpenApiMetadata()
    {
        var endpoints = App.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/uploads", StringComparison.Ordinal)
                && e.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is not { ExcludeFromDescription: true })
            .ToList();

        endpoints.Select(e => e.Metadata.GetMetadata<IEndpointNameMetadata>()!.EndpointName).Should().BeEquivalentTo(
            "S3Uploads_Issue", "S3Uploads_List", "S3Uploads_Get", "S3Uploads_Delete", "S3Uploads_Validate", "S3Uploads_Download",
            "S3Uploads_SignParts", "S3Uploads_ListParts", "S3Uploads_Complete");
        foreach (var endpoint in endpoints)
        {
            endpoint.Metadata.GetMetadata<IEndpointSummaryMetadata>()!.Summary.Should().NotBeNullOrWhiteSpace();
            endpoint.Metadata.GetMetadata<IEndpointDescriptionMetadata>()!.Description.Should().NotBeNullOrWhiteSpace();
            endpoint.Metadata.GetMetadata<ITagsMetadata>()!.Tags.Should().Contain("Uploads");
            var produced = endpoint.Metadata.GetOrderedMetadata<IProducesResponseTypeMetadata>();
            produced.Should().Contain(p => p.StatusCode >= 200 && p.StatusCode < 300);
            produced.Should().Contain(p => p.StatusCode == 401 && p.ContentTypes.Contains("application/problem+json"));
            endpoint.Metadata.GetMetadata<IAuthorizeData>().Should().NotBeNull("the app's RequireAuthorization() applies");
        }

        var issue = endpoints.Single(e => e.Metadata.GetMetadata<IEndpointNameMetadata>()!.EndpointName == "S3Uploads_Issue");
        issue.Metadata.GetMetadata<IAcceptsMetadata>()!.RequestType.Should().Be<S3Presign.AspNetCore.Endpoints.IssueUploadRequest>();
        issue.Metadata.GetOrderedMetadata<IProducesResponseTypeMetadata>()
            .Should().Contain(p => p.StatusCode == 201 && p.Type == typeof(S3Presign.AspNetCore.Endpoints.IssuedUploadResponse));
    }

    [Fact]
    public void DefaultOwnerResolver_WhenAuthenticated_ReturnsNameIdentifierElseNull()
    {
        var anonymous = new DefaultHttpContext();
        var authenticated = new DefaultHttpContext
        {
            User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "u-1")], "Test")),
        };
        var unauthenticatedWithClaim = new DefaultHttpContext
        {
            User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "u-2")])),
        };

        S3UploadsEndpointOptions.DefaultOwnerResolver(anonymous).Should().BeNull();
        S3UploadsEndpointOptions.DefaultOwnerResolver(authenticated).Should().Be("u-1");
        S3UploadsEndpointOptions.DefaultOwnerResolver(unauthenticatedWithClaim).Should().BeNull();
    }

    private static HttpRequestMessage Request(string method, string path) => new(new HttpMethod(method), path);
}
