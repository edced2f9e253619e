using System.Text.Json.Serialization;

namespace S3Presign.AspNetCore.Endpoints;

/// <summary>The body of <c>POST {group}/</c>: what the client wants to upload.</summary>
public sealed record IssueUploadRequest
{
    /// <summary>Gets the original file name. Required.</summary>
    public string? Filename { get; init; }

    /// <summary>Gets the content type, e.g. <c>image/png</c>. Required.</summary>
    public string? ContentType { get; init; }

    /// <summary>Gets the exact size in bytes; when set, S3 refuses a body of another length.</summary>
    public long? Size { get; init; }

    /// <summary>Gets a directory under the key prefix.</summary>
    public string? Directory { get; init; }

    /// <summary>Gets the base64 SHA-256 of the content, re-checked at validation.</summary>
    public string? ChecksumSha256 { get; init; }

    /// <summary>Gets the upload mode: <c>put</c> (the default), <c>post</c> or <c>multipart</c>, where the issuer supports it.</summary>
    public string? Mode { get; init; }
}

/// <summary>The answer of <c>POST {group}/</c>: everything the client needs to send the bytes.</summary>
public sealed record IssuedUploadResponse
{
    /// <summary>Gets the upload id.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the object key.</summary>
    public required string FileKey { get; init; }

    /// <summary>Gets the status, always <c>pending</c>.</summary>
    public required string Status { get; init; }

    /// <summary>Gets the HTTP method of the upload request (<c>PUT</c> or <c>POST</c>).</summary>
    public required string Method { get; init; }

    /// <summary>Gets the presigned URL.</summary>
    public required Uri UploadUrl { get; init; }

    /// <summary>Gets the headers the client must send with the upload, exactly as given.</summary>
    public required IReadOnlyDictionary<string, string> Headers { get; init; }

    /// <summary>Gets the form fields of a POST-policy upload; omitted otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Fields { get; init; }

    /// <summary>Gets the object's plain URL, readable only where the bucket allows it.</summary>
    public required Uri FileUrl { get; init; }

    /// <summary>Gets when the presigned request stops working.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>Gets the validation deadline.</summary>
    public required DateTimeOffset ValidateBefore { get; init; }

    /// <summary>Gets the time left until the validation deadline, in milliseconds.</summary>
    public required long Ttl { get; init; }
}

/// <summary>The answer of <c>POST {group}/{id}/validate</c>.</summary>
public sealed record ValidatedUploadResponse
{
    /// <summary>Gets the upload id.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the object key.</summary>
    public required string FileKey { get; init; }

    /// <summary>Gets the status, always <c>validated</c>.</summary>
    public required string Status { get; init; }

    /// <summary>Gets the object's size in bytes.</summary>
    public long? Size { get; init; }

    /// <summary>Gets the declared content type.</summary>
    public required string ContentType { get; init; }

    /// <summary>Gets the object's ETag, without quotes.</summary>
    public string? Etag { get; init; }

    /// <summary>Gets when the upload was validated.</summary>
    public DateTimeOffset? ValidatedAt { get; init; }
}

/// <summary>One upload as answered by <c>GET {group}/{id}</c> and <c>GET {group}/</c>.</summary>
public sealed record UploadResponse
{
    /// <summary>Gets the upload id.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the object key.</summary>
    public required string FileKey { get; init; }

    /// <summary>Gets the file name the client declared, for display.</summary>
    public required string Filename { get; init; }

    /// <summary>Gets the declared content type.</summary>
    public required string ContentType { get; init; }

    /// <summary>Gets the status: <c>pending</c>, <c>validated</c>, <c>rejected</c> or <c>expired</c>.</summary>
    public required string Status { get; init; }

    /// <summary>Gets the code of the broken rule, for rejected and expired uploads.</summary>
    public string? StatusReason { get; init; }

    /// <summary>Gets the size the client declared, if any.</summary>
    public long? DeclaredSize { get; init; }

    /// <summary>Gets the object's size as seen at validation.</summary>
    public long? Size { get; init; }

    /// <summary>Gets the object's ETag as seen at validation.</summary>
    public string? Etag { get; init; }

    /// <summary>Gets when the upload was issued.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets when the upload last changed state.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Gets when the presigned upload request stops working.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>Gets the validation deadline.</summary>
    public required DateTimeOffset ValidateBefore { get; init; }

    /// <summary>Gets when the upload was validated.</summary>
    public DateTimeOffset? ValidatedAt { get; init; }
}

/// <summary>The answer of <c>GET {group}/{id}/download</c>.</summary>
/// <param name="Url">The presigned GET URL.</param>
/// <param name="ExpiresAt">When the URL stops working.</param>
public sealed record DownloadUrlResponse(Uri Url, DateTimeOffset ExpiresAt);
