using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using S3Presign.AspNetCore;
using S3Presign.AspNetCore.Endpoints;
using S3Presign.AspNetCore.Uppy;

namespace Microsoft.AspNetCore.Routing;

/// <summary>Maps the routes <c>@uppy/aws-s3</c> calls when it is given a server (<c>companionEndpoint</c>).</summary>
public static class S3UploadsUppyEndpointRouteBuilderExtensions
{
    private static readonly ConditionalWeakTable<IServiceProvider, StrongBox<int>> MappingCounts = new();

    /// <summary>
    /// Maps Companion's S3 routes, as <c>@uppy/aws-s3</c> 6 calls them, under the builder's prefix, e.g.
    /// <c>app.MapGroup("/uppy").MapS3UploadsUppy().RequireAuthorization()</c> with
    /// <c>uppy.use(AwsS3, { companionEndpoint: "/uppy" })</c>:
    /// <list type="bullet">
    /// <item><c>GET /s3/params?filename=&amp;type=&amp;metadata[size]=</c> issues a POST-policy upload →
    /// <c>{ method, url, fields, headers }</c>;</item>
    /// <item><c>POST /s3/multipart</c> <c>{ filename, type, metadata: { size } }</c> issues a multipart upload →
    /// <c>{ key, uploadId }</c> (<c>uploadId</c> is the S3Presign upload id); the size is required;</item>
    /// <item><c>GET /s3/multipart/{uploadId}/{partNumber}?key=</c> signs a part → <c>{ url, expires }</c>, and
    /// <c>GET /s3/multipart/{uploadId}/batch?key=&amp;partNumbers=1,2</c> signs several → <c>{ presignedUrls }</c>;</item>
    /// <item><c>GET /s3/multipart/{uploadId}?key=</c> lists the parts S3 holds → <c>[{ PartNumber, Size, ETag }]</c>;</item>
    /// <item><c>POST /s3/multipart/{uploadId}/complete?key=</c> <c>{ parts: [{ PartNumber, ETag }] }</c> completes
    /// and validates → <c>{ location, key, id, status }</c>;</item>
    /// <item><c>DELETE /s3/multipart/{uploadId}?key=</c> aborts → <c>{}</c>;</item>
    /// <item><c>GET /s3/config</c> (not a Companion route) → <c>{ partSize, minPartSize, maxParts, multipartThreshold,
    /// maxFileSize }</c>, so a page can cut files into the parts the server signs (Uppy's <c>getChunkSize</c>).</item>
    /// </list>
    /// Every upload goes through the same lifecycle as <c>MapS3Uploads</c>: it is pending, owned by
    /// <see cref="S3UploadsEndpointOptions.OwnerResolver"/>'s owner, until validated (<c>POST {uploads}/{id}/validate</c>,
    /// or <c>complete</c> for multipart), and swept otherwise. Refusals are <c>application/problem+json</c> with a
    /// stable <c>code</c>. Endpoints are named <c>S3UploadsUppy_Params</c>, <c>S3UploadsUppy_CreateMultipart</c>,
    /// <c>S3UploadsUppy_SignPart</c>, <c>S3UploadsUppy_SignPartsBatch</c>, <c>S3UploadsUppy_ListParts</c>,
    /// <c>S3UploadsUppy_Complete</c>, <c>S3UploadsUppy_Abort</c> and <c>S3UploadsUppy_Config</c>; a second mapping in
    /// the same app uses <c>S3UploadsUppy2_…</c>. Requires <c>AddS3Uploads</c>.
    /// </summary>
    /// <param name="endpoints">The route builder, usually a group with the app's prefix.</param>
    /// <returns>A group holding the endpoints, to chain <c>RequireAuthorization()</c>, <c>RequireRateLimiting()</c> and the like.</returns>
    public static RouteGroupBuilder MapS3UploadsUppy(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);

        var mapping = MappingCounts.GetValue(endpoints.ServiceProvider, static _ => new StrongBox<int>());
        var ordinal = Interlocked.Increment(ref mapping.Value);
        var prefix = ordinal == 1 ? "S3UploadsUppy_" : $"S3UploadsUppy{ordinal.ToString(CultureInfo.InvariantCulture)}_";

        var group = endpoints.MapGroup(string.Empty);
        group.AddEndpointFilter(InfrastructureFailure.FilterAsync);
        group.WithTags("Uppy");
        group.AddEndpointFilter(RequestBodyLimit.FilterAsync);

        group.MapGet("/s3/params", UppyEndpoints.ParamsAsync)
            .WithName(prefix + "Params")
            .WithSummary("Issue a POST-policy upload (Uppy)")
            .WithDescription("Query: filename, type, metadata[size] (optional; binds the exact size) → { method, url, fields, headers }.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapPost("/s3/multipart", UppyEndpoints.CreateMultipartAsync)
            .WithName(prefix + "CreateMultipart")
            .WithSummary("Issue a multipart upload (Uppy)")
            .WithDescription("Body { filename, type, metadata: { size } } → { key, uploadId }.")
            .Accepts<UppyCreateMultipartRequest>("application/json", "*/*")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapGet("/s3/multipart/{uploadId}/batch", UppyEndpoints.SignPartsBatchAsync)
            .WithName(prefix + "SignPartsBatch")
            .WithSummary("Sign several part URLs (Uppy)")
            .WithDescription("Query: key, partNumbers=1,2,… → { presignedUrls: { \"1\": url, … } }.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone);

        group.MapGet("/s3/multipart/{uploadId}/{partNumber:int}", UppyEndpoints.SignPartAsync)
            .WithName(prefix + "SignPart")
            .WithSummary("Sign a part URL (Uppy)")
            .WithDescription("Query: key → { url, expires } (seconds).")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone);

        group.MapGet("/s3/multipart/{uploadId}", UppyEndpoints.ListPartsAsync)
            .WithName(prefix + "ListParts")
            .WithSummary("List the uploaded parts (Uppy)")
            .WithDescription("Query: key → [{ PartNumber, Size, ETag }].")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone);

        group.MapPost("/s3/multipart/{uploadId}/complete", UppyEndpoints.CompleteAsync)
            .WithName(prefix + "Complete")
            .WithSummary("Complete and validate a multipart upload (Uppy)")
            .WithDescription("Query: key. Body { parts: [{ PartNumber, ETag }] } → { location, key, id, status }.")
            .Accepts<UppyCompleteRequest>("application/json", "*/*")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapDelete("/s3/multipart/{uploadId}", UppyEndpoints.AbortAsync)
            .WithName(prefix + "Abort")
            .WithSummary("Abort a multipart upload (Uppy)")
            .WithDescription("Query: key → {}.")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/s3/config", UppyEndpoints.Config)
            .WithName(prefix + "Config")
            .WithSummary("How the server cuts multipart uploads")
            .WithDescription("{ partSize, minPartSize, maxParts, multipartThreshold, maxFileSize }: set Uppy's getChunkSize from it.");

        return group;
    }
}
