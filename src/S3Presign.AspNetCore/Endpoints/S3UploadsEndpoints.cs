using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using S3Presign.Issuing;
using S3Presign.Lifecycle;
using S3Presign.Storage;
using S3Presign.Validation;

namespace S3Presign.AspNetCore.Endpoints;

/// <summary>The handlers behind <c>MapS3Uploads</c>. Every refusal is a ProblemDetails with a <c>code</c>.</summary>
internal static class S3UploadsEndpoints
{
    private const int DefaultListLimit = 100;
    private const int MaxListLimit = 1000;

    public static async Task<Results<Created<IssuedUploadResponse>, ProblemHttpResult>> IssueAsync(
        HttpContext context,
        [FromServices] IUploadUrlIssuer issuer,
        [FromServices] IOptions<S3UploadsEndpointOptions> options,
        CancellationToken cancellationToken)
    {
        if (ResolveOwner(context, options.Value) is not { } owner)
        {
            return Unauthenticated();
        }

        var (body, problem) = await RequestBody.ReadAsync<IssueUploadRequest>(context.Request, options.Value.MaxRequestBodySize, cancellationToken)
            .ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if (!TryParseMode(body!.Mode, out var mode))
        {
            return Problem(StatusCodes.Status400BadRequest, UploadErrorCodes.InvalidMode,
                $"Upload mode '{body.Mode}' is unknown; use 'put', 'post' or 'multipart'.");
        }

        var result = await issuer.IssueAsync(
            new UploadRequest
            {
                Owner = owner,
                FileName = body.Filename ?? string.Empty,
                ContentType = body.ContentType ?? string.Empty,
                Size = body.Size,
                Directory = body.Directory,
                ChecksumSha256 = body.ChecksumSha256,
                Metadata = body.Metadata,
                Mode = mode,
            },
            cancellationToken).ConfigureAwait(false);

        if (!result.Succeeded)
        {
            return Problem(IssueStatus(result.Error.Code), result.Error.Code, result.Error.Message);
        }

        var upload = result.Upload;
        var location = context.Request.PathBase.Add(context.Request.Path).Value!.TrimEnd('/') + "/" + upload.Id;
        return TypedResults.Created(location, new IssuedUploadResponse
        {
            Id = upload.Id,
            FileKey = upload.FileKey,
            Status = StatusName(UploadStatus.Pending),
            Mode = ModeName(upload.Mode),
            Method = upload.Method,
            PartSize = upload.PartSize,
            PartCount = upload.PartCount,
            UploadUrl = upload.UploadUrl,
            Headers = upload.Headers,
            Fields = upload.Fields,
            FileUrl = upload.FileUrl,
            ExpiresAt = upload.ExpiresAt,
            ValidateBefore = upload.ValidateBefore,
            Ttl = (long)upload.Ttl.TotalMilliseconds,
        });
    }

    public static async Task<Results<Ok<ValidatedUploadResponse>, ProblemHttpResult>> ValidateAsync(
        string id,
        HttpContext context,
        [FromServices] IUploadValidator validator,
        [FromServices] IOptions<S3UploadsEndpointOptions> options,
        CancellationToken cancellationToken)
    {
        if (ResolveOwner(context, options.Value) is not { } owner)
        {
            return Unauthenticated();
        }

        var result = await validator.ValidateAsync(id, owner, cancellationToken).ConfigureAwait(false);
        return ValidationResponse(result);
    }

    internal static Results<Ok<ValidatedUploadResponse>, ProblemHttpResult> ValidationResponse(UploadValidationResult result)
    {
        return result.Outcome switch
        {
            UploadValidationOutcome.Validated when result.Upload is { } record => TypedResults.Ok(new ValidatedUploadResponse
            {
                Id = record.Id,
                FileKey = record.Key,
                Status = StatusName(record.Status),
                Size = record.Size,
                ContentType = record.ContentType,
                Etag = record.ETag,
                ValidatedAt = record.ValidatedAt,
            }),
            UploadValidationOutcome.NotUploaded when result.Error?.Code is UploadErrorCodes.InvalidParts =>
                Problem(StatusCodes.Status400BadRequest, result.Error),
            UploadValidationOutcome.NotUploaded => Problem(StatusCodes.Status409Conflict, result.Error),
            UploadValidationOutcome.Rejected => Problem(StatusCodes.Status422UnprocessableEntity, result.Error),
            UploadValidationOutcome.Expired => Problem(StatusCodes.Status410Gone, result.Error),
            _ => NotFound(),
        };
    }

    public static async Task<Results<Ok<UploadResponse>, ProblemHttpResult>> GetAsync(
        string id,
        HttpContext context,
        [FromServices] IUploadManager manager,
        [FromServices] IOptions<S3UploadsEndpointOptions> options,
        CancellationToken cancellationToken)
    {
        if (ResolveOwner(context, options.Value) is not { } owner)
        {
            return Unauthenticated();
        }

        var record = await manager.GetAsync(id, owner, cancellationToken).ConfigureAwait(false);
        return record is null ? NotFound() : TypedResults.Ok(ToResponse(record));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        string id,
        HttpContext context,
        [FromServices] IUploadManager manager,
        [FromServices] IOptions<S3UploadsEndpointOptions> options,
        CancellationToken cancellationToken)
    {
        if (ResolveOwner(context, options.Value) is not { } owner)
        {
            return Unauthenticated();
        }

        return await manager.DeleteAsync(id, owner, cancellationToken).ConfigureAwait(false) ? TypedResults.NoContent() : NotFound();
    }

    public static async Task<Results<Ok<DownloadUrlResponse>, ProblemHttpResult>> DownloadAsync(
        string id,
        HttpContext context,
        [FromServices] IUploadManager manager,
        [FromServices] IOptions<S3UploadsEndpointOptions> options,
        [FromQuery] string? disposition,
        [FromQuery] string? expiresIn,
        CancellationToken cancellationToken)
    {
        if (ResolveOwner(context, options.Value) is not { } owner)
        {
            return Unauthenticated();
        }

        DownloadDisposition kind;
        switch (disposition?.ToUpperInvariant())
        {
            case null or "":
                kind = DownloadDisposition.None;
                break;
            case "ATTACHMENT":
                kind = DownloadDisposition.Attachment;
                break;
            case "INLINE":
                kind = DownloadDisposition.Inline;
                break;
            default:
                return InvalidQuery("disposition", "attachment or inline");
        }

        if (!TryParseLong(expiresIn, out var seconds) || seconds is 0 or > 7 * 24 * 3600)
        {
            return InvalidQuery("expiresIn", "a number of seconds from 1 to 604800");
        }

        var result = await manager.GetDownloadUrlAsync(
            id, owner,
            new DownloadOptions { Disposition = kind, ExpiresIn = seconds is { } s ? TimeSpan.FromSeconds(s) : null },
            cancellationToken).ConfigureAwait(false);
        if (result.Succeeded)
        {
            return TypedResults.Ok(new DownloadUrlResponse(result.Url, result.ExpiresAt.Value));
        }

        return result.Error?.Code switch
        {
            UploadErrorCodes.NotValidated => Problem(StatusCodes.Status409Conflict, result.Error),
            UploadErrorCodes.InvalidExpiry => Problem(StatusCodes.Status400BadRequest, result.Error),
            _ => NotFound(),
        };
    }

    public static async Task<Results<Ok<PartUrlsResponse>, ProblemHttpResult>> SignPartsAsync(
        string id,
        HttpContext context,
        [FromServices] IMultipartUploads multipart,
        [FromServices] IOptions<S3UploadsEndpointOptions> options,
        CancellationToken cancellationToken)
    {
        if (ResolveOwner(context, options.Value) is not { } owner)
        {
            return Unauthenticated();
        }

        var (body, problem) = await RequestBody.ReadAsync<SignPartsRequest>(context.Request, options.Value.MaxRequestBodySize, cancellationToken)
            .ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var result = await multipart.SignPartsAsync(id, owner, body!.PartNumbers ?? [], cancellationToken).ConfigureAwait(false);
        return result.Succeeded
            ? TypedResults.Ok(new PartUrlsResponse(result.Parts.Select(p => new PartUrlResponse(p.PartNumber, p.Url)).ToList(), result.ExpiresAt.Value))
            : MultipartProblem(result.Error);
    }

    public static async Task<Results<Ok<UploadedPartsResponse>, ProblemHttpResult>> ListPartsAsync(
        string id,
        HttpContext context,
        [FromServices] IMultipartUploads multipart,
        [FromServices] IOptions<S3UploadsEndpointOptions> options,
        CancellationToken cancellationToken)
    {
        if (ResolveOwner(context, options.Value) is not { } owner)
        {
            return Unauthenticated();
        }

        var result = await multipart.ListPartsAsync(id, owner, cancellationToken).ConfigureAwait(false);
        return result.Succeeded
            ? TypedResults.Ok(new UploadedPartsResponse(result.Parts.Select(p => new UploadedPartResponse(p.PartNumber, p.Size, p.ETag)).ToList()))
            : MultipartProblem(result.Error);
    }

    public static async Task<Results<Ok<ValidatedUploadResponse>, ProblemHttpResult>> CompleteAsync(
        string id,
        HttpContext context,
        [FromServices] IMultipartUploads multipart,
        [FromServices] IOptions<S3UploadsEndpointOptions> options,
        CancellationToken cancellationToken)
    {
        if (ResolveOwner(context, options.Value) is not { } owner)
        {
            return Unauthenticated();
        }

        var (body, problem) = await RequestBody.ReadAsync<CompleteUploadRequest>(context.Request, options.Value.MaxRequestBodySize, cancellationToken)
            .ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var parts = (body!.Parts ?? []).Select(p => new CompletedPart(p?.PartNumber ?? 0, p?.Etag ?? string.Empty)).ToList();
        var result = await multipart.CompleteAsync(id, owner, parts, cancellationToken).ConfigureAwait(false);
        if (result.Error?.Code == UploadErrorCodes.NotMultipart)
        {
            return Problem(StatusCodes.Status409Conflict, result.Error);
        }

        return ValidationResponse(result);
    }

    /// <summary>Maps a refusal of the multipart operations to a status.</summary>
    internal static ProblemHttpResult MultipartProblem(UploadError error) => error.Code switch
    {
        UploadErrorCodes.NotFound => NotFound(),
        UploadErrorCodes.InvalidPartNumber or UploadErrorCodes.InvalidParts => Problem(StatusCodes.Status400BadRequest, error),
        UploadErrorCodes.Expired => Problem(StatusCodes.Status410Gone, error),
        _ => Problem(StatusCodes.Status409Conflict, error),
    };

    public static async Task<Results<Ok<UploadListResponse>, ProblemHttpResult>> ListAsync(
        HttpContext context,
        [FromServices] IUploadManager manager,
        [FromServices] IOptions<S3UploadsEndpointOptions> options,
        [FromQuery] string? status,
        [FromQuery] string? filename,
        [FromQuery] string? minSize,
        [FromQuery] string? maxSize,
        [FromQuery] string? createdFrom,
        [FromQuery] string? createdTo,
        [FromQuery] string? limit,
        CancellationToken cancellationToken)
    {
        if (ResolveOwner(context, options.Value) is not { } owner)
        {
            return Unauthenticated();
        }

        UploadStatus? statusFilter = null;
        if (!string.IsNullOrEmpty(status))
        {
            if (!TryParseStatus(status, out var parsed))
            {
                return InvalidQuery("status", "one of pending, validated, rejected, expired");
            }

            statusFilter = parsed;
        }

        if (!TryParseLong(minSize, out var min)) return InvalidQuery("minSize", "a non-negative integer");
        if (!TryParseLong(maxSize, out var max)) return InvalidQuery("maxSize", "a non-negative integer");
        if (!TryParseTime(createdFrom, out var from)) return InvalidQuery("createdFrom", "an ISO 8601 date and time");
        if (!TryParseTime(createdTo, out var to)) return InvalidQuery("createdTo", "an ISO 8601 date and time");
        if (!TryParseLong(limit, out var take) || take is 0 or > MaxListLimit)
        {
            return InvalidQuery("limit", $"an integer from 1 to {MaxListLimit}");
        }

        var query = new UploadQuery
        {
            Owner = owner,
            Status = statusFilter,
            FileNameContains = string.IsNullOrEmpty(filename) ? null : filename,
            MinSize = min,
            MaxSize = max,
            CreatedFrom = from,
            CreatedTo = to,
            Limit = (int)(take ?? DefaultListLimit),
        };

        var items = new List<UploadResponse>();
        await foreach (var record in manager.ListAsync(query, cancellationToken).ConfigureAwait(false))
        {
            // Deleted uploads are gone for the caller: GET answers 404 for them, so the list leaves them out too.
            if (record.Status != UploadStatus.Deleted)
            {
                items.Add(ToResponse(record));
            }
        }

        return TypedResults.Ok(new UploadListResponse(items));
    }

    /// <summary>Maps a refusal of the issuer to a status: malformed input 400, policy refusals 422.</summary>
    internal static int IssueStatus(string code) => code switch
    {
        UploadErrorCodes.InvalidFileName or UploadErrorCodes.InvalidDirectory or UploadErrorCodes.InvalidContentType
            or UploadErrorCodes.InvalidSize or UploadErrorCodes.InvalidChecksum or UploadErrorCodes.InvalidMetadata
            or UploadErrorCodes.InvalidMode => StatusCodes.Status400BadRequest,
        UploadErrorCodes.InvalidOwner => StatusCodes.Status401Unauthorized,
        _ => StatusCodes.Status422UnprocessableEntity, // too_large, content_type_not_allowed, custom issuers' codes
    };

    internal static string StatusName(UploadStatus status) => status switch
    {
        UploadStatus.Pending => "pending",
        UploadStatus.Validated => "validated",
        UploadStatus.Rejected => "rejected",
        UploadStatus.Expired => "expired",
        UploadStatus.Deleted => "deleted",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    internal static ProblemHttpResult Problem(int status, string code, string detail) =>
        TypedResults.Problem(
            detail: detail,
            statusCode: status,
            extensions: new Dictionary<string, object?>(StringComparer.Ordinal) { ["code"] = code });

    private static ProblemHttpResult Problem(int status, UploadError? error) =>
        error is null ? Problem(status, "error", "The request was refused.") : Problem(status, error.Code, error.Message);

    private static ProblemHttpResult NotFound() =>
        Problem(StatusCodes.Status404NotFound, UploadErrorCodes.NotFound, "No such upload.");

    private static ProblemHttpResult Unauthenticated() =>
        Problem(StatusCodes.Status401Unauthorized, S3UploadsHttpErrorCodes.Unauthenticated, "Sign in to upload files.");

    private static ProblemHttpResult InvalidQuery(string name, string expected) =>
        Problem(StatusCodes.Status400BadRequest, S3UploadsHttpErrorCodes.InvalidQuery, $"'{name}' must be {expected}.");

    private static string? ResolveOwner(HttpContext context, S3UploadsEndpointOptions options)
    {
        var owner = options.OwnerResolver(context);
        return string.IsNullOrWhiteSpace(owner) ? null : owner;
    }

    private static UploadResponse ToResponse(UploadRecord record) => new()
    {
        Id = record.Id,
        FileKey = record.Key,
        Filename = record.FileName,
        ContentType = record.ContentType,
        Status = StatusName(record.Status),
        StatusReason = record.StatusReason,
        DeclaredSize = record.DeclaredSize,
        Size = record.Size,
        Etag = record.ETag,
        CreatedAt = record.CreatedAt,
        UpdatedAt = record.UpdatedAt,
        ExpiresAt = record.UploadExpiresAt,
        ValidateBefore = record.ValidateBefore,
        ValidatedAt = record.ValidatedAt,
    };

    internal static string ModeName(UploadMode mode) => mode switch
    {
        UploadMode.Post => "post",
        UploadMode.Multipart => "multipart",
        _ => "put",
    };

    internal static bool TryParseMode(string? value, out UploadMode? mode)
    {
        switch (value?.ToUpperInvariant())
        {
            case null or "":
                mode = null;
                return true;
            case "PUT":
                mode = UploadMode.Put;
                return true;
            case "POST":
                mode = UploadMode.Post;
                return true;
            case "MULTIPART":
                mode = UploadMode.Multipart;
                return true;
            default:
                mode = default;
                return false;
        }
    }

    private static bool TryParseStatus(string value, out UploadStatus status)
    {
        switch (value.ToUpperInvariant())
        {
            case "PENDING":
                status = UploadStatus.Pending;
                return true;
            case "VALIDATED":
                status = UploadStatus.Validated;
                return true;
            case "REJECTED":
                status = UploadStatus.Rejected;
                return true;
            case "EXPIRED":
                status = UploadStatus.Expired;
                return true;
            default:
                status = default;
                return false;
        }
    }

    private static bool TryParseLong(string? value, out long? result)
    {
        result = null;
        if (string.IsNullOrEmpty(value)) return true;
        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)) return false;
        result = parsed;
        return true;
    }

    private static bool TryParseTime(string? value, out DateTimeOffset? result)
    {
        result = null;
        if (string.IsNullOrEmpty(value)) return true;
        if (!DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)) return false;
        result = parsed;
        return true;
    }
}

/// <summary>The answer of <c>GET {group}/</c>.</summary>
/// <param name="Items">The caller's uploads, newest first.</param>
public sealed record UploadListResponse(IReadOnlyList<UploadResponse> Items);

/// <summary>Reads and parses a JSON request body under a size cap, turning every failure into a ProblemDetails.</summary>
internal static class RequestBody
{
    public static async Task<(T? Body, ProblemHttpResult? Problem)> ReadAsync<T>(
        HttpRequest request, long maxSize, CancellationToken cancellationToken)
        where T : class
    {
        if (!request.HasJsonContentType())
        {
            return (null, S3UploadsEndpoints.Problem(StatusCodes.Status415UnsupportedMediaType,
                S3UploadsHttpErrorCodes.UnsupportedMediaType, "The body must be application/json."));
        }

        // A declared length over the cap was refused, and the server's own cap set, by the group's RequestBodyLimit filter;
        // the read below stops at the cap for a body that did not declare its length.

        // The body goes into one pooled buffer (sized by Content-Length when the client sent it) and is parsed from there.
        // One more byte than declared, so that the end of the body is read without growing the buffer.
        var cap = maxSize >= Array.MaxLength ? Array.MaxLength : (int)maxSize + 1;
        var initial = request.ContentLength is { } declared && declared > 0 ? (int)Math.Min(declared + 1, Math.Min(cap, 1 << 20)) : 512;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initial, 16));
        try
        {
            var length = 0;
            try
            {
                while (true)
                {
                    if (length == buffer.Length)
                    {
                        if (length >= cap)
                        {
                            return (null, TooLarge(maxSize));
                        }

                        var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, cap));
                        buffer.AsSpan(0, length).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }

                    var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                    if (read == 0) break;
                    if ((long)length + read > maxSize)
                    {
                        return (null, TooLarge(maxSize));
                    }

                    length += read;
                }
            }
            catch (BadHttpRequestException e)
            {
                return (null, e.StatusCode == StatusCodes.Status413PayloadTooLarge
                    ? TooLarge(maxSize)
                    : S3UploadsEndpoints.Problem(StatusCodes.Status400BadRequest, S3UploadsHttpErrorCodes.BadRequest, "The request body could not be read."));
            }

            return Parse<T>(buffer.AsMemory(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Parses the body; each refusal has the same status, code and message whichever way it is detected.</summary>
    internal static (T? Body, ProblemHttpResult? Problem) Parse<T>(ReadOnlyMemory<byte> bytes)
        where T : class
    {
        // Fast path: a well-formed object of the right shape deserializes straight from the bytes. The same serializer
        // with the same options reads the same bytes as the checked path below, so it yields the same value; anything
        // it refuses (or a null) takes the checked path, which tells malformed JSON, a non-object and a wrong type apart.
        try
        {
            if (JsonSerializer.Deserialize<T>(bytes.Span, JsonSerializerOptions.Web) is { } fast)
            {
                return (fast, null);
            }
        }
        catch (JsonException)
        {
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes);
        }
        catch (JsonException)
        {
            return (null, S3UploadsEndpoints.Problem(StatusCodes.Status400BadRequest, S3UploadsHttpErrorCodes.InvalidJson,
                "The body is not well-formed JSON."));
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, InvalidRequest("The body must be a JSON object."));
            }

            try
            {
                var body = document.RootElement.Deserialize<T>(JsonSerializerOptions.Web);
                return body is null ? (null, InvalidRequest("The body must be a JSON object.")) : (body, null);
            }
            catch (JsonException e)
            {
                var member = string.IsNullOrEmpty(e.Path) ? "A member" : $"'{e.Path.TrimStart('$', '.')}'";
                return (null, InvalidRequest($"{member} has the wrong type."));
            }
        }
    }

    private static ProblemHttpResult TooLarge(long maxSize) =>
        S3UploadsEndpoints.Problem(StatusCodes.Status413PayloadTooLarge, S3UploadsHttpErrorCodes.BodyTooLarge,
            $"The request body is larger than {maxSize} bytes.");

    private static ProblemHttpResult InvalidRequest(string detail) =>
        S3UploadsEndpoints.Problem(StatusCodes.Status400BadRequest, S3UploadsHttpErrorCodes.InvalidRequest, detail);
}
