using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using S3Presign.EntityFrameworkCore.Tests.Infrastructure;
using S3Presign.Storage;
using S3Presign.Testing;

namespace S3Presign.EntityFrameworkCore.Tests.Storage;

/// <summary>
/// The core's store contract, unchanged, on PostgreSQL through an application's own context that maps the table with
/// <c>modelBuilder.AddS3Uploads()</c> into its own schema, next to its own entities, registered with <c>AddDbContext</c>.
/// </summary>
public sealed class PostgresAppContextStoreContractTests : PendingUploadStoreContractTests, IAsyncLifetime
{
    private PostgresServer _server = null!;
    private string _database = null!;
    private ServiceProvider? _services;

    public async Task InitializeAsync()
    {
        _server = await PostgresServer.GetAsync();
        _database = await _server.CreateDatabaseAsync();
    }

    public async Task DisposeAsync()
    {
        if (_services is not null) await _services.DisposeAsync();
        await _server.DropDatabaseAsync(_database);
    }

    protected override ValueTask<IPendingUploadStore> CreateStoreAsync()
    {
        _services = StoreFactory.BuildServices(
            b => b.UseEntityFrameworkCoreStore<AppDbContext>(),
            s => s.AddDbContext<AppDbContext>(o => o.UseNpgsql(_database)));
        return ValueTask.FromResult(_services.Store());
    }
}

/// <summary>An application's context: its own entity and schema, plus S3Presign's table.</summary>
public sealed class AppDbContext(DbContextOptions<AppDbContext> options) : DbContext(options)
{
    public DbSet<Document> Documents => Set<Document>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema("app");
        modelBuilder.Entity<Document>();
        modelBuilder.AddS3Uploads(tableName: "uploads");
    }
}

public sealed class Document
{
    public int Id { get; set; }

    public string UploadId { get; set; } = string.Empty;
}
