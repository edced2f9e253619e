using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;
using S3Presign.Lifecycle;

namespace S3Presign.Sample;

/// <summary>Builds and starts the sample; public so that end-to-end tests can host it on a real socket.</summary>
public static class SampleApp
{
    /// <summary>Builds the sample from command-line arguments.</summary>
    /// <param name="args">The arguments, e.g. <c>--urls http://127.0.0.1:5080</c>.</param>
    /// <returns>The application, not started.</returns>
    public static WebApplication Build(string[] args) => Build(new WebApplicationOptions { Args = args });

    /// <summary>Builds the sample.</summary>
    /// <param name="options">Host options (content root, environment, arguments).</param>
    /// <param name="configure">Last changes to the builder, e.g. configuration for tests.</param>
    /// <returns>The application, not started.</returns>
    public static WebApplication Build(WebApplicationOptions options, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(options);

        // Bucket, endpoint, limits: the S3Uploads section (appsettings.json, S3Uploads__* environment variables).
        // Credentials: the AWS SDK's chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profiles, roles).
        var uploads = builder.Services.AddS3Uploads();
        builder.Services.AddProblemDetails();

        // Pending uploads survive restarts and are shared by instances when a PostgreSQL connection string is configured
        // (ConnectionStrings:Uploads, e.g. ConnectionStrings__Uploads="Host=127.0.0.1;Port=25432;Username=postgres;Database=s3presign");
        // without one, the in-memory store (and the bucket's lifecycle rule) does.
        if (builder.Configuration.GetConnectionString("Uploads") is { Length: > 0 } connectionString)
        {
            uploads.UseEntityFrameworkCoreStore(o => o.UseNpgsql(connectionString));
        }

        // DEMO ONLY: whoever sends "X-Demo-User: alice" is alice. Use real authentication in an application.
        builder.Services.AddAuthentication(DemoHeaderAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, DemoHeaderAuthenticationHandler>(DemoHeaderAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorization();

        configure?.Invoke(builder);
        var app = builder.Build();
        if (!app.Environment.IsDevelopment())
        {
            throw new InvalidOperationException(
                "The sample authenticates with the demo-only X-Demo-User header and refuses to run outside the Development " +
                "environment. Set ASPNETCORE_ENVIRONMENT=Development (./eng/run-sample.sh does).");
        }

        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapGroup("/uploads").MapS3Uploads().RequireAuthorization();

        // The routes @uppy/aws-s3 calls (companionEndpoint: "/uppy"), for wwwroot/uppy.html.
        app.MapGroup("/uppy").MapS3UploadsUppy().RequireAuthorization();
        return app;
    }

    /// <summary>
    /// Creates the bucket and its lifecycle safety net if missing, starts the server, allows its origins in the
    /// bucket's CORS rule (plus <c>Sample:CorsOrigins</c>), and returns the URL the page is served at.
    /// </summary>
    /// <param name="app">The application from <see cref="Build(string[])"/>.</param>
    /// <param name="cancellationToken">The token to cancel start-up.</param>
    /// <returns>The first address the server listens on.</returns>
    public static async Task<Uri> StartAsync(WebApplication app, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(app);
        var setup = app.Services.GetRequiredService<S3BucketSetup>();
        await setup.EnsureBucketAsync(cancellationToken);
        await setup.EnsureLifecycleSafetyNetAsync(cancellationToken: cancellationToken);

        await app.StartAsync(cancellationToken);

        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses
            .Select(a => new Uri(a))
            .ToList();
        var origins = new HashSet<string>(StringComparer.Ordinal);
        foreach (var address in addresses)
        {
            origins.Add(address.GetLeftPart(UriPartial.Authority));
            if (address.IsLoopback)
            {
                // The same server is reachable by the other loopback names; browsers treat each as its own origin.
                origins.Add($"{address.Scheme}://localhost:{address.Port}");
                origins.Add($"{address.Scheme}://127.0.0.1:{address.Port}");
            }
        }

        foreach (var origin in app.Configuration.GetSection("Sample:CorsOrigins").Get<string[]>() ?? [])
        {
            origins.Add(origin);
        }

        await setup.EnsureCorsAsync(origins, cancellationToken);
        return addresses.FirstOrDefault() ?? throw new InvalidOperationException("The server listens on no address.");
    }
}
