using Amazon.Runtime;
using Amazon.S3;
using Npgsql;

namespace S3Presign.ClusterTests.Infrastructure;

/// <summary>
/// This project's own Ceph RGW (port <see cref="RgwPort"/>) and PostgreSQL (port <see cref="PgPort"/>), started by the
/// repository's scripts (which install them when missing; a failure fails the test with the script's output), and the
/// outages the test injects into them: the gateway stopped and started again with the cluster's data kept
/// (<c>rgw.sh stop-gateway</c> / <c>start-gateway</c>), PostgreSQL stopped with <c>pg_ctl -m fast</c> and started again
/// by <c>pg.sh start</c> on the same data directory.
/// </summary>
internal sealed class ClusterServers
{
    /// <summary>Its own gateway, so that restarting it disturbs no other test project (they use 7480–7483).</summary>
    public const int RgwPort = 7484;

    /// <summary>Its own PostgreSQL cluster (the EF Core tests use 25432 and 25433), restarted mid-run: below the kernel's
    /// ephemeral port range (from 32768), where an outgoing connection could take the port while the server is down.</summary>
    public const int PgPort = 25434;

    private ClusterServers(Uri serviceUrl, string accessKey, string secretKey, string adminConnectionString)
    {
        ServiceUrl = serviceUrl;
        AccessKey = accessKey;
        SecretKey = secretKey;
        AdminConnectionString = adminConnectionString;
    }

    public Uri ServiceUrl { get; }

    public string AccessKey { get; }

    public string SecretKey { get; }

    public string AdminConnectionString { get; }

    public bool GatewayStopped { get; private set; }

    public bool PostgresStopped { get; private set; }

    public static async Task<ClusterServers> StartAsync()
    {
        var rgw = Scripts.RunForExportsAsync("eng/ceph/rgw.sh", $"start --port {RgwPort}");
        var pg = Scripts.RunForExportsAsync("eng/postgres/pg.sh", $"start --port {PgPort}");
        var (s3, db) = (await rgw, await pg);
        var admin = new NpgsqlConnectionStringBuilder(db["S3PRESIGN_PG"]) { Database = "postgres", Pooling = false };
        return new ClusterServers(new Uri(s3["S3Uploads__ServiceUrl"]), s3["AWS_ACCESS_KEY_ID"], s3["AWS_SECRET_ACCESS_KEY"], admin.ConnectionString);
    }

    public AmazonS3Client CreateS3Client() => RgwClients.Create(ServiceUrl, AccessKey, SecretKey);

    /// <summary>Kills only the radosgw daemon; mon and osd (the objects) stay.</summary>
    public async Task StopGatewayAsync()
    {
        GatewayStopped = true;
        await Scripts.RunForExportsAsync("eng/ceph/rgw.sh", $"stop-gateway --port {RgwPort}");
    }

    public async Task StartGatewayAsync()
    {
        await Scripts.RunForExportsAsync("eng/ceph/rgw.sh", $"start-gateway --port {RgwPort}");
        GatewayStopped = false;
    }

    /// <summary>A fast shutdown: open connections are cut, the data directory stays.</summary>
    public async Task StopPostgresAsync()
    {
        PostgresStopped = true;
        var bin = Directory.GetDirectories("/usr/lib/postgresql").Order().Last() + "/bin";
        var asOwner = Environment.UserName == "root" ? "runuser -u postgres -- " : string.Empty;
        var (code, stdout, stderr) = await Scripts.RunAsync("bash", $"-c \"{asOwner}{bin}/pg_ctl -D /tmp/s3presign-pg-{PgPort}/data -m fast -w stop\"");
        if (code != 0)
        {
            throw new InvalidOperationException($"pg_ctl stop failed:\n{stdout}\n{stderr}");
        }
    }

    public async Task StartPostgresAsync()
    {
        await Scripts.RunForExportsAsync("eng/postgres/pg.sh", $"start --port {PgPort}");
        PostgresStopped = false;
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"cluster_{Guid.NewGuid():N}";
        await ExecuteAdminAsync($"CREATE DATABASE {name}");
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name, Pooling = true }.ConnectionString;
    }

    public async Task DropDatabaseAsync(string connectionString)
    {
        using (var pooled = new NpgsqlConnection(connectionString))
        {
            NpgsqlConnection.ClearPool(pooled);
        }

        await ExecuteAdminAsync($"DROP DATABASE IF EXISTS {new NpgsqlConnectionStringBuilder(connectionString).Database} WITH (FORCE)");
    }

    private async Task ExecuteAdminAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
