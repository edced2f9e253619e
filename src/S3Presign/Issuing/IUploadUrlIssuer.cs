using S3Presign.Storage;

namespace S3Presign.Issuing;

/// <summary>
/// Turns a client's declaration ("I want to upload this file") into a safe key, a pending record and a short-lived
/// presigned request that binds everything S3 can enforce.
/// </summary>
public interface IUploadUrlIssuer
{
    /// <summary>Issues an upload.</summary>
    /// <param name="request">What the client declared, and who the owner is.</param>
    /// <param name="cancellationToken">The token to cancel the operation.</param>
    /// <returns>The issued upload, or a refusal with a stable code; a refusal leaves no record behind.</returns>
    ValueTask<UploadIssueResult> IssueAsync(UploadRequest request, CancellationToken cancellationToken = default);
}

/// <summary>What a client declares when it asks to upload a file.</summary>
public sealed record UploadRequest
{
    /// <summary>Gets the owner the upload is issued to (usually the authenticated user's id).</summary>
    public required string Owner { get; init; }

    /// <summary>Gets the original file name; it is sanitized into the key and kept as-is for display.</summary>
    public required string FileName { get; init; }

    /// <summary>Gets the content type, e.g. <c>image/png</c>.</summary>
    public required string ContentType { get; init; }

    /// <summary>Gets the exact size in bytes; when set, S3 refuses a body of another length.</summary>
    public long? Size { get; init; }

    /// <summary>Gets a directory under the key prefix, sanitized per segment.</summary>
    public string? Directory { get; init; }

    /// <summary>Gets the base64 SHA-256 of the content; bound as <c>x-amz-checksum-sha256</c> and re-checked at validation.</summary>
    public string? ChecksumSha256 { get; init; }

    /// <summary>Gets the base64 MD5 of the content; bound as <c>Content-MD5</c> and re-checked at validation.</summary>
    public string? ContentMd5 { get; init; }

    /// <summary>Gets user metadata stored on the object as <c>x-amz-meta-*</c> (names without the prefix).</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>Gets how the client will upload: <see cref="UploadMode.Put"/>, <see cref="UploadMode.Post"/> (a browser
    /// form whose policy S3 enforces) or <see cref="UploadMode.Multipart"/> (requires <see cref="Size"/>).</summary>
    /// <value>Defaults to <see langword="null"/>: multipart when <see cref="Size"/> exceeds
    /// <see cref="S3UploadsOptions.MultipartThreshold"/>, a single <c>PUT</c> otherwise.</value>
    public UploadMode? Mode { get; init; }
}

/// <summary>An issued upload: everything the client needs to send the bytes.</summary>
public sealed record IssuedUpload
{
    /// <summary>Gets the upload id, used to validate, read and delete it.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the object key.</summary>
    public required string FileKey { get; init; }

    /// <summary>Gets the mode the upload was issued in (the one asked for, or the one chosen by size).</summary>
    public UploadMode Mode { get; init; }

    /// <summary>Gets the HTTP method of the upload request (<c>PUT</c> or <c>POST</c>; <c>PUT</c> for each part of a
    /// multipart upload).</summary>
    public required string Method { get; init; }

    /// <summary>Gets the presigned URL. For a multipart upload, the object's plain URL: part URLs come from
    /// <see cref="IMultipartUploads.SignPartsAsync"/>.</summary>
    public required Uri UploadUrl { get; init; }

    /// <summary>Gets the size of every part but the last, for multipart uploads.</summary>
    public long? PartSize { get; init; }

    /// <summary>Gets the number of parts, for multipart uploads.</summary>
    public int? PartCount { get; init; }

    /// <summary>Gets the headers the client must send with the upload, exactly as given. <c>Content-Length</c> is
    /// not among them: every HTTP client sets it, and it must equal the declared size.</summary>
    public required IReadOnlyDictionary<string, string> Headers { get; init; }

    /// <summary>Gets the form fields of a POST-policy upload; <see langword="null"/> otherwise.</summary>
    public IReadOnlyDictionary<string, string>? Fields { get; init; }

    /// <summary>Gets the object's plain URL, readable only where the bucket allows it.</summary>
    public required Uri FileUrl { get; init; }

    /// <summary>Gets when the presigned request stops working.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>Gets the validation deadline.</summary>
    public required DateTimeOffset ValidateBefore { get; init; }

    /// <summary>Gets the time left until the validation deadline.</summary>
    public required TimeSpan Ttl { get; init; }

    /// <summary>Gets the stored pending record.</summary>
    public required UploadRecord Record { get; init; }
}

/// <summary>The result of <see cref="IUploadUrlIssuer.IssueAsync"/>: an upload or an error, never both.</summary>
public sealed class UploadIssueResult
{
    private UploadIssueResult(IssuedUpload? upload, UploadError? error)
    {
        Upload = upload;
        Error = error;
    }

    /// <summary>Gets the issued upload when <see cref="Succeeded"/>.</summary>
    public IssuedUpload? Upload { get; }

    /// <summary>Gets why the request was refused when not <see cref="Succeeded"/>.</summary>
    public UploadError? Error { get; }

    /// <summary>Gets whether an upload was issued.</summary>
    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(true, nameof(Upload))]
    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(false, nameof(Error))]
    public bool Succeeded => Upload is not null;

    /// <summary>Creates a success.</summary>
    /// <param name="upload">The issued upload.</param>
    /// <returns>The result.</returns>
    public static UploadIssueResult Success(IssuedUpload upload) => new(upload ?? throw new ArgumentNullException(nameof(upload)), null);

    /// <summary>Creates a refusal.</summary>
    /// <param name="code">The stable code.</param>
    /// <param name="message">The human-readable reason.</param>
    /// <returns>The result.</returns>
    public static UploadIssueResult Failure(string code, string message) => new(null, new UploadError(code, message));
}
