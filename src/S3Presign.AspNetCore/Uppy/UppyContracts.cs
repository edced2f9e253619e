using System.Text.Json;
using System.Text.Json.Serialization;

namespace S3Presign.AspNetCore.Uppy;

// The shapes @uppy/aws-s3 (companionEndpoint mode) sends and reads. Member names are Companion's, not camelCase
// by policy: JsonPropertyName pins them.

/// <summary>The answer of <c>GET /s3/params</c>: a POST-policy form upload.</summary>
internal sealed record UppyParamsResponse(
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("url")] Uri Url,
    [property: JsonPropertyName("fields")] IReadOnlyDictionary<string, string> Fields,
    [property: JsonPropertyName("headers")] IReadOnlyDictionary<string, string> Headers);

/// <summary>The body of <c>POST /s3/multipart</c>.</summary>
internal sealed class UppyCreateMultipartRequest
{
    public string? Filename { get; init; }

    public string? Type { get; init; }

    public Dictionary<string, JsonElement>? Metadata { get; init; }
}

/// <summary>The answer of <c>POST /s3/multipart</c>.</summary>
internal sealed record UppyCreateMultipartResponse(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("uploadId")] string UploadId);

/// <summary>The answer of <c>GET /s3/multipart/{uploadId}/{partNumber}</c>.</summary>
internal sealed record UppyPartUrlResponse(
    [property: JsonPropertyName("url")] Uri Url,
    [property: JsonPropertyName("expires")] long Expires);

/// <summary>The answer of <c>GET /s3/multipart/{uploadId}/batch</c>.</summary>
internal sealed record UppyBatchResponse(
    [property: JsonPropertyName("presignedUrls")] IReadOnlyDictionary<string, Uri> PresignedUrls);

/// <summary>One item of <c>GET /s3/multipart/{uploadId}</c>.</summary>
internal sealed record UppyPartResponse(
    [property: JsonPropertyName("PartNumber")] int PartNumber,
    [property: JsonPropertyName("Size")] long Size,
    [property: JsonPropertyName("ETag")] string ETag);

/// <summary>The body of <c>POST /s3/multipart/{uploadId}/complete</c>; names match case-insensitively.</summary>
internal sealed class UppyCompleteRequest
{
    public List<UppyCompletedPart?>? Parts { get; init; }
}

/// <summary>A part of <see cref="UppyCompleteRequest"/>.</summary>
internal sealed class UppyCompletedPart
{
    public int? PartNumber { get; init; }

    public string? ETag { get; init; }
}

/// <summary>The answer of <c>POST /s3/multipart/{uploadId}/complete</c>.</summary>
internal sealed record UppyCompleteResponse(
    [property: JsonPropertyName("location")] Uri? Location,
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("status")] string Status);

/// <summary>The answer of <c>GET /s3/config</c> (not a Companion route): what a page needs to cut files as the
/// server plans them.</summary>
internal sealed record UppyConfigResponse(
    [property: JsonPropertyName("partSize")] long PartSize,
    [property: JsonPropertyName("minPartSize")] long MinPartSize,
    [property: JsonPropertyName("maxParts")] int MaxParts,
    [property: JsonPropertyName("multipartThreshold")] long MultipartThreshold,
    [property: JsonPropertyName("maxFileSize")] long? MaxFileSize);
