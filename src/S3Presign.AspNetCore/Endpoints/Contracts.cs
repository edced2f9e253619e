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

    /// <summary>Gets the upload mode: <c>put</c>, <c>post</c> (browser form with a policy) or <c>multipart</c> (needs
    /// <c>size</c>). Omitted: <c>multipart</c> above <c>S3Uploads:MultipartThreshold</c>, else <c>put</c>.</summary>
    public string? Mode { get; init; }

    /// <summary>Gets user metadata stored on the object as <c>x-amz-meta-*</c> (names a-z, 0-9, '-', '_'; printable
    /// ASCII values; 2 KB in all).</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
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

    /// <summary>Gets the mode the upload was issued in: <c>put</c>, <c>post</c> or <c>multipart</c>.</summary>
    public required string Mode { get; init; }

    /// <summary>Gets the HTTP method of the upload request (<c>PUT</c> or <c>POST</c>; <c>PUT</c> for each part of a
    /// multipart upload, whose URLs come from <c>POST {group}/{id}/parts</c>).</summary>
    public required string Method { get; init; }

    /// <summary>Gets the size of every part but the last, for multipart uploads; omitted otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? PartSize { get; init; }

    /// <summary>Gets the number of parts, for multipart uploads; omitted otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? PartCount { get; init; }

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

/// <summary>The body of <c>POST {group}/{id}/parts</c>.</summary>
public sealed record SignPartsRequest
{
    /// <summary>Gets the part numbers to sign, 1 to <c>partCount</c>, at most 1000.</summary>
    public IReadOnlyList<int>? PartNumbers { get; init; }
}

/// <summary>One presigned part URL.</summary>
/// <param name="PartNumber">The part number.</param>
/// <param name="Url">The presigned <c>PUT</c> URL; send the part's bytes and read the <c>ETag</c> response header.</param>
public sealed record PartUrlResponse(int PartNumber, Uri Url);

/// <summary>The answer of <c>POST {group}/{id}/parts</c>.</summary>
/// <param name="Parts">The URLs, in the order asked for.</param>
/// <param name="ExpiresAt">When the URLs stop working.</param>
public sealed record PartUrlsResponse(IReadOnlyList<PartUrlResponse> Parts, DateTimeOffset ExpiresAt);

/// <summary>One part S3 holds.</summary>
/// <param name="PartNumber">The part number.</param>
/// <param name="Size">The part's size in bytes.</param>
/// <param name="Etag">The part's ETag, without quotes.</param>
public sealed record UploadedPartResponse(int PartNumber, long Size, string Etag);

/// <summary>The answer of <c>GET {group}/{id}/parts</c>.</summary>
/// <param name="Parts">The parts uploaded so far, in part-number order.</param>
public sealed record UploadedPartsResponse(IReadOnlyList<UploadedPartResponse> Parts);

/// <summary>The body of <c>POST {group}/{id}/complete</c>.</summary>
public sealed record CompleteUploadRequest
{
    /// <summary>Gets every part with the ETag S3 answered to its <c>PUT</c>.</summary>
    public IReadOnlyList<CompletedPartRequest>? Parts { get; init; }
}

/// <summary>One part of <see cref="CompleteUploadRequest"/>.</summary>
public sealed record CompletedPartRequest
{
    /// <summary>Gets the part number.</summary>
    public int PartNumber { get; init; }

    /// <summary>Gets the part's ETag (quotes optional).</summary>
    public string? Etag { get; init; }
}
