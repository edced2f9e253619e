using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using S3Presign.EntityFrameworkCore.Tests.Infrastructure;
using S3Presign.EntityFrameworkCore.Tests.Storage;
using S3Presign.Storage;

namespace S3Presign.EntityFrameworkCore.Tests.DependencyInjection;

public sealed class EntityFrameworkCoreStoreWiringTests : IDisposable
{
    private readonly string _path = SqliteFiles.NewPath();

    public void Dispose() => SqliteFiles.Delete(_path);

    [Fact]
    public async Task UseEntityFrameworkCoreStore_WithProvider_ReplacesTheInMemoryStoreWithOneSingleton()
    {
        await using var services = StoreFactory.Sqlite(_path);

        var store = services.GetRequiredService<IPendingUploadStore>();

        store.Should().NotBeOfType<InMemoryPendingUploadStore>();
        services.GetRequiredService<IPendingUploadStore>().Should().BeSameAs(store);
        services.GetServices<IPendingUploadStore>().Should().ContainSingle();
    }

    [Fact]
    public async Task UseEntityFrameworkCoreStore_WithAppContextFromAFactory_UsesTheFactory()
    {
        await using var services = StoreFactory.BuildServices(
            b => b.UseEntityFrameworkCoreStore<SqliteAppContext>(),
            s => s.AddDbContextFactory<SqliteAppContext>(o => o.UseSqlite($"Data Source={_path}")));
        var store = services.GetRequiredService<IPendingUploadStore>();

        (await store.FindAsync("nothing")).Should().BeNull();

        await using var context = await services.GetRequiredService<IDbContextFactory<SqliteAppContext>>().CreateDbContextAsync();
        (await context.Database.SqlQueryRaw<string>("SELECT name AS \"Value\" FROM sqlite_master WHERE type = 'table' ORDER BY name").ToListAsync())
            .Should().Equal("s3_uploads");
    }

    [Fact]
    public async Task UseEntityFrameworkCoreStore_WhenContextDoesNotMapUploads_FailsNamingTheFix()
    {
        await using var services = StoreFactory.BuildServices(
            b => b.UseEntityFrameworkCoreStore<UnmappedContext>(),
            s => s.AddDbContext<UnmappedContext>(o => o.UseSqlite($"Data Source={_path}")));

        var act = async () => await services.GetRequiredService<IPendingUploadStore>().FindAsync("x");

        (await act.Should().ThrowAsync<InvalidOperationException>()).WithMessage("*modelBuilder.AddS3Uploads()*");
    }

    [Fact]
    public async Task HostStart_CreatesTheTableBeforeTheSweeperRuns()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddS3Uploads(o =>
            {
                o.Bucket = "bucket";
                o.ServiceUrl = new Uri("http://127.0.0.1:9");
                o.ForcePathStyle = true;
            })
            .UseEntityFrameworkCoreStore(o => o.UseSqlite($"Data Source={_path}"));
        using var host = builder.Build();

        await host.StartAsync();
        await host.StopAsync();

        await using var connection = new SqliteConnection($"Data Source={_path};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'ix_s3_uploads_pending_due'";
        (await command.ExecuteScalarAsync()).Should().Be(1L);
    }

    [Fact]
    public async Task HostStart_OnATableFromAnEarlierVersion_AddsTheMissingIndex()
    {
        async Task StartAndStopAsync()
        {
            var builder = Host.CreateApplicationBuilder();
            builder.Services.AddS3Uploads(o =>
                {
                    o.Bucket = "bucket";
                    o.ServiceUrl = new Uri("http://127.0.0.1:9");
                    o.ForcePathStyle = true;
                    o.EnableSweeper = false;
                })
                .UseEntityFrameworkCoreStore(o => o.UseSqlite($"Data Source={_path}"));
            using var host = builder.Build();
            await host.StartAsync();
            await host.StopAsync();
        }

        async Task<object?> ScalarAsync(string sql)
        {
            await using var connection = new SqliteConnection($"Data Source={_path};Pooling=False");
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            return await command.ExecuteScalarAsync();
        }

        await StartAndStopAsync();
        await ScalarAsync("DROP INDEX ix_s3_uploads_removal_due");
        await ScalarAsync("INSERT INTO s3_uploads (id, owner, key, bucket, file_name, content_type, mode, status, created_at, upload_expires_at, validate_before, updated_at, version) VALUES ('x', 'o', 'k', 'b', 'f', 't', 0, 0, 0, 0, 0, 0, 1)");

        await StartAndStopAsync();

        (await ScalarAsync("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'ix_s3_uploads_removal_due'"))
            .Should().BeOfType<string>().Which.Should().Contain("WHERE status IN (2, 3, 4) AND claimed_until IS NOT NULL");
        (await ScalarAsync("SELECT count(*) FROM s3_uploads")).Should().Be(1L, "the existing table and its rows are kept");
    }

    private sealed class SqliteAppContext(DbContextOptions<SqliteAppContext> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.AddS3Uploads();
    }

    private sealed class UnmappedContext(DbContextOptions<UnmappedContext> options) : DbContext(options);
}
