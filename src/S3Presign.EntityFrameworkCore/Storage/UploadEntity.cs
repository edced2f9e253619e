using System.Text.Json;
using S3Presign.Storage;

namespace S3Presign.EntityFrameworkCore.Storage;

/// <summary>
/// The row behind an <see cref="UploadRecord"/>. Instants are UTC ticks (100 ns since 0001-01-01), so that every
/// provider compares, orders and round-trips them exactly (SQLite cannot compare <see cref="DateTimeOffset"/>;
/// PostgreSQL's <c>timestamptz</c> keeps microseconds only).
/// </summary>
internal sealed class UploadEntity
{
    public string Id { get; set; } = null!;

    public string Owner { get; set; } = null!;

    public string Key { get; set; } = null!;

    public string Bucket { get; set; } = null!;

    public string FileName { get; set; } = null!;

    public string ContentType { get; set; } = null!;

    public long? DeclaredSize { get; set; }

    public string? ChecksumSha256 { get; set; }

    public string? ContentMd5 { get; set; }

    public int Mode { get; set; }

    public string? MultipartUploadId { get; set; }

    /// <summary>The user metadata as a JSON object, or <see langword="null"/> when there is none.</summary>
    public string? Metadata { get; set; }

    public int Status { get; set; }

    public string? StatusReason { get; set; }

    public long CreatedAt { get; set; }

    public long UploadExpiresAt { get; set; }

    public long ValidateBefore { get; set; }

    public long? ValidatedAt { get; set; }

    public long UpdatedAt { get; set; }

    public long? Size { get; set; }

    public string? ETag { get; set; }

    public long? ClaimedUntil { get; set; }

    /// <summary>Set by a claim on providers without <c>UPDATE … RETURNING</c>, to read back what that claim took.</summary>
    public string? ClaimToken { get; set; }

    public long Version { get; set; }

    public static long Ticks(DateTimeOffset value) => value.UtcTicks;

    public static DateTimeOffset Instant(long ticks) => new(ticks, TimeSpan.Zero);

    public static UploadEntity From(UploadRecord record) => new()
    {
        Id = record.Id,
        Owner = record.Owner,
        Key = record.Key,
        Bucket = record.Bucket,
        FileName = record.FileName,
        ContentType = record.ContentType,
        DeclaredSize = record.DeclaredSize,
        ChecksumSha256 = record.ChecksumSha256,
        ContentMd5 = record.ContentMd5,
        Mode = (int)record.Mode,
        MultipartUploadId = record.MultipartUploadId,
        Metadata = SerializeMetadata(record.Metadata),
        Status = (int)record.Status,
        StatusReason = record.StatusReason,
        CreatedAt = Ticks(record.CreatedAt),
        UploadExpiresAt = Ticks(record.UploadExpiresAt),
        ValidateBefore = Ticks(record.ValidateBefore),
        ValidatedAt = record.ValidatedAt is { } validatedAt ? Ticks(validatedAt) : null,
        UpdatedAt = Ticks(record.UpdatedAt),
        Size = record.Size,
        ETag = record.ETag,
        ClaimedUntil = record.ClaimedUntil is { } claimedUntil ? Ticks(claimedUntil) : null,
        Version = record.Version,
    };

    public UploadRecord ToRecord() => new()
    {
        Id = Id,
        Owner = Owner,
        Key = Key,
        Bucket = Bucket,
        FileName = FileName,
        ContentType = ContentType,
        DeclaredSize = DeclaredSize,
        ChecksumSha256 = ChecksumSha256,
        ContentMd5 = ContentMd5,
        Mode = (UploadMode)Mode,
        MultipartUploadId = MultipartUploadId,
        Metadata = DeserializeMetadata(Metadata),
        Status = (UploadStatus)Status,
        StatusReason = StatusReason,
        CreatedAt = Instant(CreatedAt),
        UploadExpiresAt = Instant(UploadExpiresAt),
        ValidateBefore = Instant(ValidateBefore),
        ValidatedAt = ValidatedAt is { } validatedAt ? Instant(validatedAt) : null,
        UpdatedAt = Instant(UpdatedAt),
        Size = Size,
        ETag = ETag,
        ClaimedUntil = ClaimedUntil is { } claimedUntil ? Instant(claimedUntil) : null,
        Version = Version,
    };

    public static string? SerializeMetadata(IReadOnlyDictionary<string, string> metadata) =>
        metadata.Count == 0 ? null : JsonSerializer.Serialize(metadata, MetadataJsonContext.Default.IReadOnlyDictionaryStringString);

    private static System.Collections.ObjectModel.ReadOnlyDictionary<string, string> DeserializeMetadata(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return new Dictionary<string, string>(StringComparer.Ordinal).AsReadOnly();
        }

        var values = JsonSerializer.Deserialize(json, MetadataJsonContext.Default.DictionaryStringString)
            ?? throw new InvalidOperationException("The stored upload metadata is not a JSON object.");
        return new Dictionary<string, string>(values, StringComparer.Ordinal).AsReadOnly();
    }
}
