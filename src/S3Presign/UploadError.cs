namespace S3Presign;

/// <summary>
/// Why an operation was refused: a stable machine-readable <paramref name="Code"/> (see <see cref="UploadErrorCodes"/>)
/// and a human-readable <paramref name="Message"/>.
/// </summary>
/// <param name="Code">The stable code, e.g. <c>too_large</c>.</param>
/// <param name="Message">A sentence for people; not stable.</param>
public sealed record UploadError(string Code, string Message);

/// <summary>
/// The stable codes of refusals. HTTP adapters put them in the <c>code</c> member of ProblemDetails.
/// </summary>
public static class UploadErrorCodes
{
    /// <summary>The file name is missing or nothing usable is left of it after sanitizing.</summary>
    public const string InvalidFileName = "invalid_filename";

    /// <summary>The directory has an empty, <c>.</c> or <c>..</c> segment, or is too deep.</summary>
    public const string InvalidDirectory = "invalid_directory";

    /// <summary>The content type is not a well-formed media type.</summary>
    public const string InvalidContentType = "invalid_content_type";

    /// <summary>The content type is not in <see cref="S3UploadsOptions.AllowedContentTypes"/>.</summary>
    public const string ContentTypeNotAllowed = "content_type_not_allowed";

    /// <summary>The declared size is negative, or missing while <see cref="S3UploadsOptions.RequireSize"/> is set.</summary>
    public const string InvalidSize = "invalid_size";

    /// <summary>The declared or actual size exceeds <see cref="S3UploadsOptions.MaxFileSize"/>.</summary>
    public const string TooLarge = "too_large";

    /// <summary>The declared checksum is not a base64 SHA-256 (32 bytes) or MD5 (16 bytes).</summary>
    public const string InvalidChecksum = "invalid_checksum";

    /// <summary>The metadata has an invalid name or value, or is larger than 2 KB.</summary>
    public const string InvalidMetadata = "invalid_metadata";

    /// <summary>The owner is missing.</summary>
    public const string InvalidOwner = "invalid_owner";

    /// <summary>The upload mode is not supported by this issuer.</summary>
    public const string InvalidMode = "invalid_mode";

    /// <summary>No upload with this id exists for this owner.</summary>
    public const string NotFound = "not_found";

    /// <summary>The object has not been uploaded yet; the upload stays pending.</summary>
    public const string NotUploaded = "not_uploaded";

    /// <summary>The validation deadline passed; the object was deleted.</summary>
    public const string Expired = "expired";

    /// <summary>The object's size differs from the declared size.</summary>
    public const string SizeMismatch = "size_mismatch";

    /// <summary>The object's content type differs from the declared one.</summary>
    public const string ContentTypeMismatch = "content_type_mismatch";

    /// <summary>The object's SHA-256 or MD5 differs from the declared checksum.</summary>
    public const string ChecksumMismatch = "checksum_mismatch";

    /// <summary>The object's first bytes do not match the declared content type.</summary>
    public const string MagicBytesMismatch = "magic_bytes_mismatch";

    /// <summary>The upload is not validated, so it cannot be downloaded.</summary>
    public const string NotValidated = "not_validated";

    /// <summary>The operation needs a multipart upload, and this upload is not one.</summary>
    public const string NotMultipart = "not_multipart";

    /// <summary>A part number is outside 1 to the upload's part count, repeated, or no part numbers were given.</summary>
    public const string InvalidPartNumber = "invalid_part_number";

    /// <summary>The parts given to complete a multipart upload are missing, malformed, or refused by S3
    /// (unknown ETag, a part other than the last smaller than 5 MiB); the upload stays pending.</summary>
    public const string InvalidParts = "invalid_parts";

    /// <summary>The upload is no longer pending (already completed, validated or rejected), so it takes no more parts.</summary>
    public const string NotPending = "not_pending";

    /// <summary>A requested lifetime of a presigned URL is not positive or exceeds the configured maximum.</summary>
    public const string InvalidExpiry = "invalid_expiry";
}
