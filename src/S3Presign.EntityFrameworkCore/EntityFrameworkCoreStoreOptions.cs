namespace S3Presign.EntityFrameworkCore;

/// <summary>Options of the Entity Framework Core pending-upload store.</summary>
public sealed class EntityFrameworkCoreStoreOptions
{
    /// <summary>
    /// Gets or sets whether the store creates its table and indexes when they are missing: at host start-up, and
    /// before its first operation otherwise. Creation is idempotent and safe when several instances start at once. An
    /// existing table is not altered, except that indexes a later version of S3Presign added are created: on PostgreSQL in
    /// the background after start-up (<c>CREATE INDEX CONCURRENTLY</c> by one instance at a time, writers not blocked),
    /// on SQLite at start-up. If that fails (e.g. the role does not own the table) a warning gives the DDL and the store
    /// works on.
    /// </summary>
    /// <value>Defaults to <see langword="true"/>. Set it to <see langword="false"/> when the table comes from your
    /// own migrations (<c>modelBuilder.AddS3Uploads()</c> puts it in them).</value>
    public bool CreateSchema { get; set; } = true;
}
