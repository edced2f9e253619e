using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using S3Presign.EntityFrameworkCore.Tests.Infrastructure;
using S3Presign.Storage;
using S3Presign.Testing;

namespace S3Presign.EntityFrameworkCore.Tests.Storage;

/// <summary>The core's store contract, unchanged, on SQLite (a file in WAL mode, the single-node setup).</summary>
public sealed class SqliteStoreContractTests : PendingUploadStoreContractTests, IAsyncLifetime
{
    private readonly string _path = SqliteFiles.NewPath();
    private ServiceProvider? _services;

    public Task InitializeAsync() => SqliteFiles.CreateWalAsync(_path);

    public async Task DisposeAsync()
    {
        if (_services is not null) await _services.DisposeAsync();
        SqliteFiles.Delete(_path);
    }

    protected override ValueTask<IPendingUploadStore> CreateStoreAsync()
    {
        _services = StoreFactory.Sqlite(_path);
        return ValueTask.FromResult(_services.Store());
    }
}

/// <summary>Throw-away SQLite database files.</summary>
public static class SqliteFiles
{
    public static string NewPath() => Path.Combine(Path.GetTempPath(), $"s3presign-{Guid.NewGuid():N}.db");

    /// <summary>Creates the file in WAL mode (readers never wait for the writer), as docs/stores.md recommends.</summary>
    public static async Task CreateWalAsync(string path)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;";
        await command.ExecuteNonQueryAsync();
    }

    public static void Delete(string path)
    {
        SqliteConnection.ClearAllPools();
        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
        {
            File.Delete(file);
        }
    }
}
