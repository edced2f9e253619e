using Microsoft.EntityFrameworkCore;

namespace S3Presign.EntityFrameworkCore;

/// <summary>
/// A <see cref="DbContext"/> holding only S3Presign's upload records, for applications that do not want the table in
/// their own context. Configure its provider through
/// <c>UseEntityFrameworkCoreStore(o =&gt; o.UseNpgsql(connectionString))</c>.
/// </summary>
/// <param name="options">The options, with the provider configured.</param>
public sealed class S3UploadsDbContext(DbContextOptions<S3UploadsDbContext> options) : DbContext(options)
{
    /// <inheritdoc />
    protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.AddS3Uploads();
}
