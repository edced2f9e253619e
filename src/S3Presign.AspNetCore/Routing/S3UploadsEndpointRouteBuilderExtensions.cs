using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using S3Presign.AspNetCore;
using S3Presign.AspNetCore.Client;
using S3Presign.AspNetCore.Endpoints;

namespace Microsoft.AspNetCore.Routing;

/// <summary>Maps the S3Presign HTTP endpoints.</summary>
public static class S3UploadsEndpointRouteBuilderExtensions
{
    private static readonly ConditionalWeakTable<IServiceProvider, StrongBox<int>> MappingCounts = new();

    /// <summary>
    /// Maps the S3Presign endpoints under the builder's prefix, e.g.
    /// <c>app.MapGroup("/uploads").MapS3Uploads().RequireAuthorization()</c>:
    /// <list type="bullet">
    /// <item><c>POST /</c> issues an upload (<c>201</c>);</item>
    /// <item><c>POST /{id}/validate</c> validates it (<c>200</c>, <c>409</c>, <c>410</c>, <c>422</c>);</item>
    /// <item><c>GET /{id}</c>, <c>DELETE /{id}</c>, <c>GET /{id}/download</c>, <c>GET /</c> read, delete (or abort), download and list;</item>
    /// <item><c>POST /{id}/parts</c>, <c>GET /{id}/parts</c>, <c>POST /{id}/complete</c> sign parts, list parts and complete a multipart upload;</item>
    /// <item><c>GET /client.js</c> serves the browser client (unless <see cref="S3UploadsEndpointOptions.MapClientScript"/> is off).</item>
    /// </list>
    /// Refusals are <c>application/problem+json</c> with a stable <c>code</c>. Requires <c>AddS3Uploads</c>.
    /// Endpoints are named (OpenAPI operation ids) <c>S3Uploads_Issue</c>, <c>S3Uploads_Validate</c>, <c>S3Uploads_Get</c>,
    /// <c>S3Uploads_Delete</c>, <c>S3Uploads_Download</c>, <c>S3Uploads_List</c>, <c>S3Uploads_SignParts</c>,
    /// <c>S3Uploads_ListParts</c> and <c>S3Uploads_Complete</c>; a second mapping in the same app
    /// uses <c>S3Uploads2_…</c>, and so on.
    /// </summary>
    /// <param name="endpoints">The route builder, usually a group with the app's prefix.</param>
    /// <returns>A group holding the endpoints, to chain <c>RequireAuthorization()</c>, <c>RequireRateLimiting()</c> and the like.</returns>
    public static RouteGroupBuilder MapS3Uploads(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var options = endpoints.ServiceProvider.GetService<IOptions<S3UploadsEndpointOptions>>()?.Value ?? new S3UploadsEndpointOptions();

        // Endpoint names (OpenAPI operation ids) must be unique in the app: the first mapping gets S3Uploads_Issue etc.,
        // further ones (another group) S3Uploads2_Issue, S3Uploads3_Issue…
        var mapping = MappingCounts.GetValue(endpoints.ServiceProvider, static _ => new StrongBox<int>());
        var ordinal = Interlocked.Increment(ref mapping.Value);
        var prefix = ordinal == 1 ? "S3Uploads_" : $"S3Uploads{ordinal.ToString(CultureInfo.InvariantCulture)}_";

        var group = endpoints.MapGroup(string.Empty);
        group.WithTags("Uploads");
        group.AddEndpointFilter(RequestBodyLimit.FilterAsync);

        // S3 or the store down after the core's retries: a clear 503 the client may retry, never a bare 500.
        group.AddEndpointFilter(InfrastructureFailure.FilterAsync);

        group.MapPost("/", S3UploadsEndpoints.IssueAsync)
            .WithName(prefix + "Issue")
            .WithSummary("Issue an upload")
            .WithDescription("Turns a file declaration into a safe key and a short-lived presigned upload request.")
            // "*/*" keeps routing from answering other media types with a bare 415: the handler answers them with a
            // ProblemDetails (code unsupported_media_type) instead.
            .Accepts<IssueUploadRequest>("application/json", "*/*")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapGet("/", S3UploadsEndpoints.ListAsync)
            .WithName(prefix + "List")
            .WithSummary("List the caller's uploads")
            .WithDescription("Newest first; filters: status, filename (contains), minSize, maxSize, createdFrom, createdTo (exclusive), limit (1–1000, default 100).")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        group.MapGet("/{id}", S3UploadsEndpoints.GetAsync)
            .WithName(prefix + "Get")
            .WithSummary("Get an upload")
            .WithDescription("The upload's record and status. Another owner's upload answers 404.")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapDelete("/{id}", S3UploadsEndpoints.DeleteAsync)
            .WithName(prefix + "Delete")
            .WithSummary("Cancel or delete an upload")
            .WithDescription("Cancels a pending upload or deletes a validated file, object included.")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/{id}/validate", S3UploadsEndpoints.ValidateAsync)
            .WithName(prefix + "Validate")
            .WithSummary("Validate an upload")
            .WithDescription("Checks the uploaded object against what was issued. Idempotent.")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapGet("/{id}/download", S3UploadsEndpoints.DownloadAsync)
            .WithName(prefix + "Download")
            .WithSummary("Get a download link")
            .WithDescription("A presigned GET for a validated file. Query: disposition (attachment or inline, with the original file name), expiresIn (seconds, up to S3Uploads:MaxDownloadUrlExpiry).")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapPost("/{id}/parts", S3UploadsEndpoints.SignPartsAsync)
            .WithName(prefix + "SignParts")
            .WithSummary("Sign part URLs of a multipart upload")
            .WithDescription("Body { partNumbers: [1, 2, …] } (1 to partCount, at most 1000) → { parts: [{ partNumber, url }], expiresAt }.")
            .Accepts<SignPartsRequest>("application/json", "*/*")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone);

        group.MapGet("/{id}/parts", S3UploadsEndpoints.ListPartsAsync)
            .WithName(prefix + "ListParts")
            .WithSummary("List the uploaded parts of a multipart upload")
            .WithDescription("{ parts: [{ partNumber, size, etag }] }, to resume an interrupted upload.")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone);

        group.MapPost("/{id}/complete", S3UploadsEndpoints.CompleteAsync)
            .WithName(prefix + "Complete")
            .WithSummary("Complete and validate a multipart upload")
            .WithDescription("Body { parts: [{ partNumber, etag }] } → the validate answer.")
            .Accepts<CompleteUploadRequest>("application/json", "*/*")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        if (options.MapClientScript)
        {
            group.MapGet("/client.js", ClientScript.Serve)
                .WithName(prefix + "ClientScript")
                .AllowAnonymous()
                .ExcludeFromDescription();
        }

        return group;
    }
}
