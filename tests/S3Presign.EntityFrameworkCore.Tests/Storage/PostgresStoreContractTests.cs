using Microsoft.Extensions.DependencyInjection;
using S3Presign.EntityFrameworkCore.Tests.Infrastructure;
using S3Presign.Storage;
using S3Presign.Testing;

namespace S3Presign.EntityFrameworkCore.Tests.Storage;

/// <summary>The core's store contract, unchanged, on PostgreSQL through the library's <see cref="S3UploadsDbContext"/>.</summary>
public sealed class PostgresStoreContractTests : PendingUploadStoreContractTests, IAsyncLifetime
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
        _services = StoreFactory.Npgsql(_database);
        return ValueTask.FromResult(_services.Store());
    }
}
