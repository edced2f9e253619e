using Npgsql;

namespace S3Presign.EntityFrameworkCore.Tests.Infrastructure;

/// <summary>
/// A real PostgreSQL for the tests, started once per test run by <c>eng/postgres/pg.sh</c> (which installs it when
/// missing). Every test gets its own database, dropped afterwards. If the server cannot start, the tests fail with
/// the script's output.
/// </summary>
public sealed class PostgresServer
{
    /// <summary>This test project's cluster (the fault tests restart their own, on <see cref="FaultPort"/>). Ports below the
    /// kernel's ephemeral range, so that no outgoing connection can take one while its server is down.</summary>
    public const int Port = 25432;

    public const int FaultPort = 25433;

    private static readonly Dictionary<int, Lazy<Task<PostgresServer>>> Servers = new()
    {
        [Port] = new(() => StartAsync(Port)),
        [FaultPort] = new(() => StartAsync(FaultPort)),
    };

    private PostgresServer(int port, string adminConnectionString)
    {
        ServerPort = port;
        AdminConnectionString = adminConnectionString;
    }

    public int ServerPort { get; }

    /// <summary>Connects to the cluster's maintenance database.</summary>
    public string AdminConnectionString { get; }

    public static Task<PostgresServer> GetAsync(int port = Port) => Servers[port].Value;

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"t_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name, Pooling = true, MaxPoolSize = 40 }.ConnectionString;
    }

    /// <summary>Drops a database made by <see cref="CreateDatabaseAsync"/>, closing what is still connected.</summary>
    public async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        using (var pooled = new NpgsqlConnection(connectionString))
        {
            NpgsqlConnection.ClearPool(pooled);
        }

        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Stops the server with a fast shutdown: open connections are cut.</summary>
    public async Task StopAsync()
    {
        var dir = $"/tmp/s3presign-pg-{ServerPort}";
        var bin = Directory.GetDirectories("/usr/lib/postgresql").Order().Last() + "/bin";
        var asOwner = Environment.UserName == "root" ? "runuser -u postgres -- " : string.Empty;
        var (code, stdout, stderr) = await Scripts.RunAsync("bash", $"-c \"{asOwner}{bin}/pg_ctl -D {dir}/data -m fast -w stop\"");
        if (code != 0)
        {
            throw new InvalidOperationException($"pg_ctl stop failed:\n{stdout}\n{stderr}");
        }
    }

    /// <summary>Starts the server again after <see cref="StopAsync"/>.</summary>
    public Task StartAgainAsync() => Scripts.RunForExportsAsync("eng/postgres/pg.sh", $"start --port {ServerPort}");

    private static async Task<PostgresServer> StartAsync(int port)
    {
        var exports = await Scripts.RunForExportsAsync("eng/postgres/pg.sh", $"start --port {port}");
        var builder = new NpgsqlConnectionStringBuilder(exports["S3PRESIGN_PG"]) { Database = "postgres", Pooling = false };
        return new PostgresServer(port, builder.ConnectionString);
    }
}
