namespace S3Presign.AspNetCore;

/// <summary>
/// Codes of refusals made by the HTTP layer itself, before the request reaches the core. They appear in the
/// <c>code</c> member of ProblemDetails next to the core's <see cref="UploadErrorCodes"/>.
/// </summary>
public static class S3UploadsHttpErrorCodes
{
    /// <summary>No owner could be resolved from the request (<c>401</c>).</summary>
    public const string Unauthenticated = "unauthenticated";

    /// <summary>The body is not well-formed JSON (<c>400</c>).</summary>
    public const string InvalidJson = "invalid_json";

    /// <summary>The body is JSON but not the expected shape: wrong types, not an object, or a required member missing (<c>400</c>).</summary>
    public const string InvalidRequest = "invalid_request";

    /// <summary>A query-string filter has an invalid value (<c>400</c>).</summary>
    public const string InvalidQuery = "invalid_query";

    /// <summary>The body exceeds <see cref="S3UploadsEndpointOptions.MaxRequestBodySize"/> (<c>413</c>).</summary>
    public const string BodyTooLarge = "body_too_large";

    /// <summary>The body is not <c>application/json</c> (<c>415</c>).</summary>
    public const string UnsupportedMediaType = "unsupported_media_type";

    /// <summary>The request could not be read, e.g. the client stopped sending it (<c>400</c>).</summary>
    public const string BadRequest = "bad_request";

    /// <summary>S3 or the pending-upload store stayed unreachable after retries (<c>503</c>, with <c>Retry-After</c>).
    /// Nothing was changed; the request can be retried as is.</summary>
    public const string ServiceUnavailable = "service_unavailable";
}
