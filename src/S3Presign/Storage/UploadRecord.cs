namespace S3Presign.Storage;

/// <summary>
/// What the library remembers about one issued upload.
/// </summary>
/// <remarks>
/// Records are immutable; a change is a new record passed to
/// <see cref="IPendingUploadStore.TryUpdateAsync(UploadRecord, CancellationToken)"/>, which succeeds only when
/// <see cref="Version"/> still matches the stored one (compare-and-set).
/// </remarks>
public sealed record UploadRecord
{
    /// <summary>Gets the upload's unguessable identifier (32 lowercase hex characters).</summary>
    public required string Id { get; init; }

    /// <summary>Gets the owner the upload was issued to. Only this owner may see or change it.</summary>
    public required string Owner { get; init; }

    /// <summary>Gets the object key in the bucket.</summary>
    public required string Key { get; init; }

    /// <summary>Gets the bucket the object lives in.</summary>
    public required string Bucket { get; init; }

    /// <summary>Gets the file name the client declared, unsanitized, for display and downloads.</summary>
    public required string FileName { get; init; }

    /// <summary>Gets the content type the client declared.</summary>
    public required string ContentType { get; init; }

    /// <summary>Gets the size in bytes the client declared, if any.</summary>
    public long? DeclaredSize { get; init; }

    /// <summary>Gets the base64 SHA-256 the client declared, if any.</summary>
    public string? ChecksumSha256 { get; init; }

    /// <summary>Gets the base64 MD5 the client declared, if any.</summary>
    public string? ContentMd5 { get; init; }

    /// <summary>Gets the upload mode.</summary>
    public UploadMode Mode { get; init; }

    /// <summary>Gets the multipart upload id, for <see cref="UploadMode.Multipart"/> uploads.</summary>
    public string? MultipartUploadId { get; init; }

    /// <summary>Gets the user metadata stored on the object (<c>x-amz-meta-*</c>, names without the prefix).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = EmptyMetadata;

    /// <summary>Gets the current state.</summary>
    public UploadStatus Status { get; init; }

    /// <summary>Gets the machine-readable reason of a rejection, for <see cref="UploadStatus.Rejected"/> uploads.</summary>
    public string? StatusReason { get; init; }

    /// <summary>Gets when the upload was issued.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets when the presigned request stops working.</summary>
    public DateTimeOffset UploadExpiresAt { get; init; }

    /// <summary>Gets the validation deadline; after it the sweeper deletes the object.</summary>
    public DateTimeOffset ValidateBefore { get; init; }

    /// <summary>Gets when the upload was validated.</summary>
    public DateTimeOffset? ValidatedAt { get; init; }

    /// <summary>Gets when the record last changed state.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Gets the object's size as seen at validation.</summary>
    public long? Size { get; init; }

    /// <summary>Gets the object's ETag as seen at validation.</summary>
    public string? ETag { get; init; }

    /// <summary>
    /// Gets until when a sweeper (or the transition that ended the upload) holds this record; other sweepers skip it
    /// before then. On a <see cref="UploadStatus.Pending"/> record it is a sweeper's claim. On a rejected, expired or
    /// deleted record a value means the object's removal is outstanding: whoever ended the upload holds it until
    /// then, and a sweeper takes the removal over once it has passed; <see langword="null"/> means the object is gone.
    /// </summary>
    public DateTimeOffset? ClaimedUntil { get; init; }

    /// <summary>Gets the concurrency version; the store increments it on every successful write.</summary>
    public long Version { get; init; }

    private static readonly IReadOnlyDictionary<string, string> EmptyMetadata =
        new Dictionary<string, string>(StringComparer.Ordinal).AsReadOnly();
}
