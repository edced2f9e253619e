using S3Presign.EntityFrameworkCore.Storage;
using S3Presign.Storage;

namespace Microsoft.EntityFrameworkCore;

/// <summary>Maps S3Presign's upload records into an application's own <see cref="DbContext"/>.</summary>
public static class S3UploadsModelBuilderExtensions
{
    /// <summary>The default table name.</summary>
    public const string DefaultTableName = "s3_uploads";

    /// <summary>
    /// Adds the upload-record table to the model, with its indexes: the primary key, (owner, created_at) for
    /// listings, a partial index on (validate_before, id) over pending rows only, and a partial index on
    /// (claimed_until, id) over ended rows whose object removal is outstanding, so that claiming costs in proportion
    /// to what is due, not to the size of the table. Call it from <c>OnModelCreating</c>; the table is then part of
    /// your migrations, or created at start-up by the store (which also adds indexes that a later version introduced
    /// to an existing table on PostgreSQL and SQLite).
    /// </summary>
    /// <param name="modelBuilder">The model builder.</param>
    /// <param name="tableName">The table name.</param>
    /// <param name="schema">The schema, or <see langword="null"/> for the model's default schema.</param>
    /// <returns>The model builder.</returns>
    public static ModelBuilder AddS3Uploads(this ModelBuilder modelBuilder, string tableName = DefaultTableName, string? schema = null)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        ArgumentException.ThrowIfNullOrWhiteSpace(tableName);

        var pending = ((int)UploadStatus.Pending).ToString(System.Globalization.CultureInfo.InvariantCulture);
        modelBuilder.Entity<UploadEntity>(e =>
        {
            e.ToTable(tableName, schema);
            e.HasKey(u => u.Id).HasName($"pk_{tableName}");
            e.Property(u => u.Id).HasColumnName("id").HasMaxLength(64);
            e.Property(u => u.Owner).HasColumnName("owner");
            e.Property(u => u.Key).HasColumnName("key");
            e.Property(u => u.Bucket).HasColumnName("bucket");
            e.Property(u => u.FileName).HasColumnName("file_name");
            e.Property(u => u.ContentType).HasColumnName("content_type");
            e.Property(u => u.DeclaredSize).HasColumnName("declared_size");
            e.Property(u => u.ChecksumSha256).HasColumnName("checksum_sha256");
            e.Property(u => u.ContentMd5).HasColumnName("content_md5");
            e.Property(u => u.Mode).HasColumnName("mode");
            e.Property(u => u.MultipartUploadId).HasColumnName("multipart_upload_id");
            e.Property(u => u.Metadata).HasColumnName("metadata");
            e.Property(u => u.Status).HasColumnName("status");
            e.Property(u => u.StatusReason).HasColumnName("status_reason");
            e.Property(u => u.CreatedAt).HasColumnName("created_at");
            e.Property(u => u.UploadExpiresAt).HasColumnName("upload_expires_at");
            e.Property(u => u.ValidateBefore).HasColumnName("validate_before");
            e.Property(u => u.ValidatedAt).HasColumnName("validated_at");
            e.Property(u => u.UpdatedAt).HasColumnName("updated_at");
            e.Property(u => u.Size).HasColumnName("size");
            e.Property(u => u.ETag).HasColumnName("etag");
            e.Property(u => u.ClaimedUntil).HasColumnName("claimed_until");
            e.Property(u => u.ClaimToken).HasColumnName("claim_token").HasMaxLength(36);
            e.Property(u => u.Version).HasColumnName("version");

            e.HasIndex(u => new { u.Owner, u.CreatedAt }).HasDatabaseName($"ix_{tableName}_owner_created");
            e.HasIndex(u => new { u.ValidateBefore, u.Id }).HasDatabaseName($"ix_{tableName}_pending_due").HasFilter($"status = {pending}");
            e.HasIndex(u => new { u.ClaimedUntil, u.Id }).HasDatabaseName($"ix_{tableName}_removal_due").HasFilter(UploadsTable.RemovalDueFilter);
            e.HasIndex(u => u.ClaimToken).HasDatabaseName($"ix_{tableName}_claim_token").HasFilter("claim_token IS NOT NULL");
        });
        return modelBuilder;
    }
}
