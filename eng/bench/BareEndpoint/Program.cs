using S3Presign.Sample;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;

// The floor for eng/bench/wrk.sh. Answers every POST /uploads with the JSON in BARE_RESPONSE_FILE (a response the
// sample gave), re-serialized per request, after binding the request body like the sample's endpoint does.
// Same host as the sample (WebApplication.CreateBuilder, so the same default middleware, logging providers and
// Development-environment behaviour); wrk.sh gives both the same environment and log levels.
// BARE_AUTH=1 adds the sample's demo authentication and RequireAuthorization, to show what that costs alone.
var builder = WebApplication.CreateBuilder(args);
var auth = Environment.GetEnvironmentVariable("BARE_AUTH") == "1";
if (auth)
{
    builder.Services.AddAuthentication(DemoHeaderAuthenticationHandler.SchemeName)
        .AddScheme<AuthenticationSchemeOptions, DemoHeaderAuthenticationHandler>(DemoHeaderAuthenticationHandler.SchemeName, null);
    builder.Services.AddAuthorization();
}

var app = builder.Build();
var file = Environment.GetEnvironmentVariable("BARE_RESPONSE_FILE")
    ?? throw new InvalidOperationException("Set BARE_RESPONSE_FILE to the JSON to answer with.");
var response = JsonDocument.Parse(File.ReadAllText(file)).RootElement.Clone();

if (auth)
{
    app.UseAuthentication();
    app.UseAuthorization();
}

var endpoint = app.MapPost("/uploads", (IssueBody body) => TypedResults.Json(response, statusCode: StatusCodes.Status201Created));
if (auth)
{
    endpoint.RequireAuthorization();
}

app.Run();

/// <summary>The sample's issue request body.</summary>
internal sealed record IssueBody(string FileName, string ContentType, long? Size);
