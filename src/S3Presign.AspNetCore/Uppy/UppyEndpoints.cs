using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using S3Presign.AspNetCore.Endpoints;
using S3Presign.Issuing;
using S3Presign.Lifecycle;
using S3Presign.Storage;
using S3Presign.Validation;

namespace S3Presign.AspNetCore.Uppy;

/// <summary>
/// The handlers behind <c>MapS3UploadsUppy</c>: Companion's S3 routes, as <c>@uppy/aws-s3</c> calls them, backed by the
/// same issue/validate lifecycle as <c>MapS3Uploads</c>. Uppy's <c>uploadId</c> is our upload id and its <c>key</c> our
/// key; every refusal is a ProblemDetails with a <c>code</c>.
/// </summary>
internal static class UppyEndpoints
{
    /// <summary>The metadata member that carries the file size (Uppy's create-multipart sends no size of its own).</summary>
    public const string SizeMetadata = "size";

    private const string MetadataPrefix = "metadata[";
    private const long MiB = 1024 * 1024;
    private const long MinPartSize = 5 * MiB;
    private const int MaxParts = 10_000;

    public static async Task<Results<Ok<UppyParamsResponse>, ProblemHttpResult>> ParamsAsync(
        HttpContext context,
        [FromServices] IUploadUrlIssuer issuer,
        [FromServices] IOptions<S3UploadsEndpointOptions> options,
        CancellationToken cancellationToken)
    {
        if (ResolveOwner(context, options.Value) is not { } owner)
        {
            return Unauthenticated();
        }

        var query = context.Request.Query;
        long? size = null;
        if (query.TryGetValue(MetadataPrefix + SizeMetadata + "]", out var sizeValue))
        {
            if (!long.TryParse(sizeValue.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                return InvalidSize();
            }

            size = parsed;
        }

        // Uppy v6 sends small files as a POST-policy form (fields first, the file last), never as a PUT.
        var result = await issuer.IssueAsync(
            new UploadRequest
            {
                Owner = owner,
                FileName = query["filename"].ToString(),
                ContentType = query["type"].ToString(),
                Size = size,
                Mode = UploadMode.Post,
            },
            cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            return S3UploadsEndpoints.Problem(S3UploadsEndpoints.IssueStatus(result.Error.Code), result.Error.Code, result.Error.Message);
        }

        var upload = result.Upload;
        return TypedResults.Ok(new UppyParamsResponse(upload.Method, upload.UploadUrl,
            upload.Fields ?? new Dictionary<string, string>(StringComparer.Ordinal), upload.Headers));
    }

    public static async Task<Results<Ok<UppyCreateMultipartResponse>, ProblemHttpResult>> CreateMultipartAsync(
        HttpContext context,
        [FromServices] IUploadUrlIssuer issuer,
        [FromServices] IOptions<S3UploadsEndpointOptions> options,
        CancellationToken cancellationToken)
    {
        if (ResolveOwner(context, options.Value) is not { } owner)
        {
            return Unauthenticated();
        }

        var (body, problem) = await RequestBody.ReadAsync<UppyCreateMultipartRequest>(context.Request, options.Value.MaxRequestBodySize, cancellationToken)
            .ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if (body!.Metadata is null || !body.Metadata.TryGetValue(SizeMetadata, out var sizeElement))
        {
            return S3UploadsEndpoints.Problem(StatusCodes.Status400BadRequest, UploadErrorCodes.InvalidSize,
                "A multipart upload needs its size: set the file's 'size' meta field (Uppy sends it as metadata.size).");
        }

        if (!TryReadSize(sizeElement, out var size))
        {
            return InvalidSize();
        }

        var result = await issuer.IssueAsync(
            new UploadRequest
            {
                Owner = owner,
                FileName = body.Filename ?? string.Empty,
                ContentType = body.Type ?? string.Empty,
                Size = size,
                Mode = UploadMode.Multipart,
            },
            cancellationToken).ConfigureAwait(false);
        return result.Succeeded
            ? TypedResults.Ok(new UppyCreateMultipartResponse(result.Upload.FileKey, result.Upload.Id))
            : S3UploadsEndpoints.Problem(S3UploadsEndpoints.IssueStatus(result.Error.Code), result.Error.Code, result.Error.Message);
    }

    public static async Task<Results<Ok<UppyPartUrlResponse>, ProblemHttpResult>> SignPartAsync(
        string uploadId,
        int partNumber,
        HttpContext context,
        [FromServices] IMultipartUploads multipart,
        [FromServices] IUploadManager manager,
        [FromServices] IOptions<S3UploadsEndpointOptions> options,
        [FromServices] TimeProvider? timeProvider,
        [FromQuery] string? key,
        CancellationToken cancellationToken)
    {
        if (ResolveOwner(context, options.Value) is not { } owner)
        {
            return Unauthenticated();
        }

        if (await CheckKeyAsync(manager, uploadId, owner, key, cancellationToken).ConfigureAwait(false) is { } refusal)
        {
            return refusal;
        }

        var result = await multipart.SignPartsAsync(uploadId, owner, [partNumber], cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            return S3UploadsEndpoints.MultipartProblem(result.Error);
        }

        var now = (timeProvider ?? TimeProvider.System).GetUtcNow();
        var seconds = (long)Math.Max(0, Math.Floor((result.ExpiresAt.Value - now).TotalSeconds));
        return TypedResults.Ok(new UppyPartUrlResponse(result.Parts[0].Url, seconds));
    }

    public static async Task<Results<Ok<UppyBatchResponse>, ProblemHttpResult>> SignPartsBatchAsync(
        string uploadId,
        HttpContext context,
        [FromServices] IMultipartUploads multipart,
        [FromServices] IUploadManager manager,
        [FromServices] IOptions<S3UploadsEndpointOptions> options,
        [FromQuery] string? key,
        [FromQuery] string? partNumbers,
        CancellationToken cancellationToken)
    {
        if (ResolveOwner(context, options.Value) is not { } owner)
        {
            return Unauthenticated();
        }

        var numbers = new List<int>();
        foreach (var item in (partNumbers ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                return S3UploadsEndpoints.Problem(StatusCodes.Status400BadRequest, UploadErrorCodes.InvalidPartNumber,
                    "'partNumbers' must be a comma-separated list of part numbers.");
            }

            numbers.Add(number);
        }

        if (await CheckKeyAsync(manager, uploadId, owner, key, cancellationToken).ConfigureAwait(false) is { } refusal)
        {
            return refusal;
        }

        var result = await multipart.SignPartsAsync(uploadId, owner, numbers, cancellationToken).ConfigureAwait(false);
        return result.Succeeded
            ? TypedResults.Ok(new UppyBatchResponse(result.Parts.ToDictionary(
                p => p.PartNumber.ToString(CultureInfo.InvariantCulture), p => p.Url, StringComparer.Ordinal)))
            : S3UploadsEndpoints.MultipartProblem(result.Error);
    }

    public static async Task<Results<Ok<List<UppyPartResponse>>, ProblemHttpResult>> ListPartsAsync(
        string uploadId,
        HttpContext context,
        [FromServices] IMultipartUploads multipart,
        [FromServices] IUploadManager manager,
        [FromServices] IOptions<S3UploadsEndpointOptions> options,
        [FromQuery] string? key,
        CancellationToken cancellationToken)
    {
        if (ResolveOwner(context, options.Value) is not { } owner)
        {
            return Unauthenticated();
        }

        if (await CheckKeyAsync(manager, uploadId, owner, key, cancellationToken).ConfigureAwait(false) is { } refusal)
        {
            return refusal;
        }

        var result = await multipart.ListPartsAsync(uploadId, owner, cancellationToken).ConfigureAwait(false);
        return result.Succeeded
            ? TypedResults.Ok(result.Parts.Select(p => new UppyPartResponse(p.PartNumber, p.Size, p.ETag)).ToList())
            : S3UploadsEndpoints.MultipartProblem(result.Error);
    }

    public static async Task<Results<Ok<UppyCompleteResponse>, ProblemHttpResult>> CompleteAsync(
        string uploadId,
        HttpContext context,
        [FromServices] IMultipartUploads multipart,
        [FromServices] IUploadManager manager,
        [FromServices] IOptions<S3UploadsEndpointOptions> options,
        [FromQuery] string? key,
        CancellationToken cancellationToken)
    {
        if (ResolveOwner(context, options.Value) is not { } owner)
        {
            return Unauthenticated();
        }

        var (body, problem) = await RequestBody.ReadAsync<UppyCompleteRequest>(context.Request, options.Value.MaxRequestBodySize, cancellationToken)
            .ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if (await CheckKeyAsync(manager, uploadId, owner, key, cancellationToken).ConfigureAwait(false) is { } refusal)
        {
            return refusal;
        }

        var parts = (body!.Parts ?? []).Select(p => new CompletedPart(p?.PartNumber ?? 0, p?.ETag ?? string.Empty)).ToList();
        var result = await multipart.CompleteAsync(uploadId, owner, parts, cancellationToken).ConfigureAwait(false);
        if (result.Error?.Code == UploadErrorCodes.NotMultipart)
        {
            return S3UploadsEndpoints.Problem(StatusCodes.Status409Conflict, result.Error.Code, result.Error.Message);
        }

        if (result.Outcome != UploadValidationOutcome.Validated || result.Upload is not { } record)
        {
            // The refusals of POST {group}/{id}/validate: 400 invalid_parts, 409 not_uploaded, 410 expired, 422 …
            return (ProblemHttpResult)S3UploadsEndpoints.ValidationResponse(result).Result;
        }

        // Uppy reports `location` as the file's URL: a short-lived download link, since the bucket is usually private.
        var download = await manager.GetDownloadUrlAsync(record.Id, owner, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new UppyCompleteResponse(download.Url, record.Key, record.Id, S3UploadsEndpoints.StatusName(record.Status)));
    }

    public static async Task<Results<Ok<Dictionary<string, string>>, ProblemHttpResult>> AbortAsync(
        string uploadId,
        HttpContext context,
        [FromServices] IUploadManager manager,
        [FromServices] IOptions<S3UploadsEndpointOptions> options,
        [FromQuery] string? key,
        CancellationToken cancellationToken)
    {
        if (ResolveOwner(context, options.Value) is not { } owner)
        {
            return Unauthenticated();
        }

        if (await CheckKeyAsync(manager, uploadId, owner, key, cancellationToken).ConfigureAwait(false) is { } refusal)
        {
            return refusal;
        }

        return await manager.DeleteAsync(uploadId, owner, cancellationToken).ConfigureAwait(false)
            ? TypedResults.Ok(new Dictionary<string, string>(StringComparer.Ordinal))
            : NotFound();
    }

    public static Ok<UppyConfigResponse> Config([FromServices] IOptionsMonitor<S3UploadsOptions> uploads)
    {
        var o = uploads.CurrentValue;
        return TypedResults.Ok(new UppyConfigResponse(Math.Max(o.MultipartPartSize, MinPartSize), MinPartSize, MaxParts, o.MultipartThreshold, o.MaxFileSize));
    }

    /// <summary>Uppy sends the key it was given with every call: a key that is not the upload's answers like an
    /// unknown id (404), so a mixed-up client never acts on another file.</summary>
    private static async ValueTask<ProblemHttpResult?> CheckKeyAsync(
        IUploadManager manager, string id, string owner, string? key, CancellationToken cancellationToken)
    {
        if (key is null)
        {
            return null;
        }

        var record = await manager.GetAsync(id, owner, cancellationToken).ConfigureAwait(false);
        return record is not null && string.Equals(record.Key, key, StringComparison.Ordinal) ? null : NotFound();
    }

    private static bool TryReadSize(JsonElement element, out long size)
    {
        size = 0;
        return element.ValueKind switch
        {
            JsonValueKind.Number => element.TryGetInt64(out size) && size >= 0,
            JsonValueKind.String => long.TryParse(element.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out size),
            _ => false,
        };
    }

    private static string? ResolveOwner(HttpContext context, S3UploadsEndpointOptions options)
    {
        var owner = options.OwnerResolver(context);
        return string.IsNullOrWhiteSpace(owner) ? null : owner;
    }

    private static ProblemHttpResult InvalidSize() =>
        S3UploadsEndpoints.Problem(StatusCodes.Status400BadRequest, UploadErrorCodes.InvalidSize,
            "'metadata.size' must be a non-negative whole number of bytes.");

    private static ProblemHttpResult NotFound() =>
        S3UploadsEndpoints.Problem(StatusCodes.Status404NotFound, UploadErrorCodes.NotFound, "No such upload.");

    private static ProblemHttpResult Unauthenticated() =>
        S3UploadsEndpoints.Problem(StatusCodes.Status401Unauthorized, S3UploadsHttpErrorCodes.Unauthenticated, "Sign in to upload files.");
}
