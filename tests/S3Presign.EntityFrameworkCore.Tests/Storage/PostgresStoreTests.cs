using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using S3Presign.EntityFrameworkCore.Storage;
using S3Presign.EntityFrameworkCore.Tests.Infrastructure;
using S3Presign.Storage;
using Xunit.Abstractions;

namespace S3Presign.EntityFrameworkCore.Tests.Storage;

/// <summary>What the PostgreSQL store promises beyond the contract: index use, schema creation, exact values, many instances.</summary>
public sealed class PostgresStoreTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly List<ServiceProvider> _providers = [];
    private PostgresServer _server = null!;
    private string _database = null!;

    public async Task InitializeAsync()
    {
        _server = await PostgresServer.GetAsync();
        _database = await _server.CreateDatabaseAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var provider in _providers) await provider.DisposeAsync();
        await _server.DropDatabaseAsync(_database);
    }

    private IPendingUploadStore NewStore(Action<EntityFrameworkCoreStoreOptions>? configure = null, ILoggerProvider? logs = null)
    {
        var services = StoreFactory.BuildServices(
            b => b.UseEntityFrameworkCoreStore(o => o.UseNpgsql(_database), configure),
            s => s.AddLogging(l => { if (logs is not null) l.AddProvider(logs); }));
        _providers.Add(services);
        return services.Store();
    }

    /// <summary>The store's background creation of indexes an existing table lacks.</summary>
    private static Task IndexUpgrade(IPendingUploadStore store) => ((EntityFrameworkCorePendingUploadStore)store).IndexUpgrade;

    private static UploadRecord Pending(DateTimeOffset deadline, string owner = "alice")
    {
        var id = Guid.NewGuid().ToString("N");
        return new UploadRecord
        {
            Id = id,
            Owner = owner,
            Key = $"uploads/{id}.png",
            Bucket = "bucket",
            FileName = "p.png",
            ContentType = "image/png",
            Status = UploadStatus.Pending,
            CreatedAt = deadline.AddMinutes(-20),
            UpdatedAt = deadline.AddMinutes(-20),
            UploadExpiresAt = deadline.AddMinutes(-5),
            ValidateBefore = deadline,
        };
    }

    private async Task<List<string>> QueryLinesAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var lines = new List<string>();
        while (await reader.ReadAsync()) lines.Add(reader.GetValue(0).ToString()!);
        return lines;
    }

    [Fact]
    public async Task ClaimExpired_With100kPendingRows_ScansOnlyTheDueRowsThroughThePartialIndex()
    {
        var store = NewStore();
        await store.FindAsync("warm-up"); // creates the table
        var now = T0.UtcTicks;
        var future = T0.AddHours(1).UtcTicks;
        var tick = TimeSpan.TicksPerSecond;

        // 100 000 pending uploads still in time, 50 000 validated ones, 50 000 expired ones whose object is gone, 40
        // deleted ones whose object removal is outstanding and due, and 500 pending past their deadline.
        await QueryLinesAsync($"""
            INSERT INTO s3_uploads (id, owner, key, bucket, file_name, content_type, mode, status, created_at, upload_expires_at, validate_before, updated_at, claimed_until, version)
            SELECT md5(g::text), 'owner' || (g % 1000), 'k/' || g, 'b', 'f.png', 'image/png', 0,
                   CASE WHEN g <= 100000 THEN 0 WHEN g <= 150000 THEN 1 WHEN g <= 200000 THEN 3 WHEN g <= 200040 THEN 4 ELSE 0 END,
                   {now}, {now}, CASE WHEN g <= 150000 THEN {future} + g::bigint * {tick} ELSE {now} - g::bigint * {tick} END, {now},
                   CASE WHEN g > 200000 AND g <= 200040 THEN {now} - g::bigint * {tick} END, 1
            FROM generate_series(1, 200540) AS g;
            ANALYZE s3_uploads;
            SELECT 1;
            """);

        await using var context = new S3UploadsDbContext(new DbContextOptionsBuilder<S3UploadsDbContext>().UseNpgsql(_database).Options);
        var sql = string.Format(
            CultureInfo.InvariantCulture,
            UploadsTable.For(context).NpgsqlClaimSql,
            now,
            now + TimeSpan.FromMinutes(5).Ticks,
            1000);
        var plan = await QueryLinesAsync($"BEGIN; EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) {sql}; ROLLBACK;");
        output.WriteLine(string.Join('\n', plan));

        var text = string.Join('\n', plan);
        text.Should().Contain("Index Scan using ix_s3_uploads_pending_due on s3_uploads");
        text.Should().NotContain("Seq Scan");
        text.Should().Contain("LockRows");
        text.Should().MatchRegex(@"Index Scan (using|on) pk_s3_uploads", "the update reaches its rows by primary key");
        plan.Should().Contain(l => l.Contains("Index Scan using ix_s3_uploads_pending_due", StringComparison.Ordinal) && l.Contains("rows=500", StringComparison.Ordinal),
            "the index scan reads the 500 due rows, not the 100 000 pending ones still in time");
        plan.Should().Contain(l => l.Contains("Index Scan using ix_s3_uploads_removal_due", StringComparison.Ordinal) && l.Contains("rows=40", StringComparison.Ordinal),
            "the outstanding removals are read through their own index, not among the 50 000 finished rows");
        var claimed = await store.ClaimExpiredAsync(T0, 1000, TimeSpan.FromMinutes(5));
        claimed.Should().HaveCount(540);
        claimed.Count(r => r.Status == UploadStatus.Deleted).Should().Be(40);
    }

    [Fact]
    public async Task EnsureSchema_WhenTenInstancesStartAtOnce_CreatesTheTableOnceAndAllWork()
    {
        var logs = new ListLoggerProvider();
        var stores = Enumerable.Range(0, 10).Select(_ => NewStore(logs: logs)).ToList();

        var added = await Task.WhenAll(stores.Select(s => Task.Run(async () => await s.TryAddAsync(Pending(T0)))));

        added.Should().OnlyContain(r => r != null);
        (await QueryLinesAsync("SELECT count(*) FROM s3_uploads")).Should().Equal("10");
        (await QueryLinesAsync("SELECT indexname FROM pg_indexes WHERE tablename = 's3_uploads' ORDER BY indexname"))
            .Should().Equal("ix_s3_uploads_claim_token", "ix_s3_uploads_owner_created", "ix_s3_uploads_pending_due", "ix_s3_uploads_removal_due", "pk_s3_uploads");
        (await QueryLinesAsync("SELECT pg_get_indexdef('ix_s3_uploads_pending_due'::regclass)"))
            .Single().Should().EndWith("(validate_before, id) WHERE (status = 0)");
        logs.Entries.Where(e => e.Level >= LogLevel.Warning).Should().BeEmpty(
            "losing the creation race to another instance is not an error, and must not be logged as one");
    }

    [Fact]
    public async Task EnsureSchema_WhenATableFromAnEarlierVersionLacksAnIndex_AddsItOnceAndKeepsTheRows()
    {
        var record = (await NewStore().TryAddAsync(Pending(T0)))!;
        await QueryLinesAsync("DROP INDEX ix_s3_uploads_removal_due; SELECT 1;");
        var logs = new ListLoggerProvider();

        var stores = Enumerable.Range(0, 5).Select(_ => NewStore(logs: logs)).ToList();
        var found = await Task.WhenAll(stores.Select(s => Task.Run(async () => await s.FindAsync(record.Id))));
        await Task.WhenAll(stores.Select(IndexUpgrade));

        found.Should().AllSatisfy(r => r.Should().BeEquivalentTo(record));
        (await QueryLinesAsync("SELECT pg_get_indexdef('ix_s3_uploads_removal_due'::regclass)"))
            .Single().Should().EndWith("(claimed_until, id) WHERE ((status = ANY (ARRAY[2, 3, 4])) AND (claimed_until IS NOT NULL))");
        (await QueryLinesAsync("SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_s3_uploads_removal_due'::regclass")).Should().Equal("True");
        logs.Entries.Where(e => e.Level >= LogLevel.Warning).Should().BeEmpty();
    }

    [Fact]
    public async Task EnsureSchema_WhenAnEarlierBuildLeftTheIndexInvalid_RebuildsIt()
    {
        // What a CREATE INDEX CONCURRENTLY killed midway (deadlock, timeout, crash) leaves behind.
        await NewStore().FindAsync("x");
        await QueryLinesAsync("UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'ix_s3_uploads_removal_due'::regclass; SELECT 1;");
        var logs = new ListLoggerProvider();

        var store = NewStore(logs: logs);
        await store.FindAsync("x");
        await IndexUpgrade(store);

        (await QueryLinesAsync("SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_s3_uploads_removal_due'::regclass")).Should().Equal("True");
        logs.Entries.Where(e => e.Level >= LogLevel.Warning).Should().BeEmpty();
    }

    [Fact]
    public async Task EnsureSchema_WhenTheMissingIndexCannotBeCreated_WarnsWithTheDdlAndTheStoreWorksOn()
    {
        // A least-privilege application role that may read and write the table but does not own it (CREATE INDEX needs
        // ownership): the upgrade must not stop the application.
        var record = (await NewStore().TryAddAsync(Pending(T0.AddMinutes(-1))))!;
        var role = $"app_{Guid.NewGuid():N}";
        await QueryLinesAsync($"DROP INDEX ix_s3_uploads_removal_due; CREATE ROLE {role} LOGIN; GRANT SELECT, INSERT, UPDATE, DELETE ON s3_uploads TO {role}; SELECT 1;");
        var asApp = new NpgsqlConnectionStringBuilder(_database) { Username = role, Pooling = false }.ConnectionString;
        var logs = new ListLoggerProvider();
        try
        {
            var services = StoreFactory.BuildServices(
                b => b.UseEntityFrameworkCoreStore(o => o.UseNpgsql(asApp)),
                s => s.AddLogging(l => l.AddProvider(logs)));
            _providers.Add(services);
            var store = services.Store();

            var found = await store.FindAsync(record.Id);
            await IndexUpgrade(store);
            var claimed = await store.ClaimExpiredAsync(T0, 10, TimeSpan.FromMinutes(5));

            found.Should().BeEquivalentTo(record);
            claimed.Should().ContainSingle().Which.Id.Should().Be(record.Id);
            var warning = logs.Entries.Should().ContainSingle(e => e.Level == LogLevel.Warning).Subject;
            warning.Message.Should().Contain("ix_s3_uploads_removal_due").And.Contain("CREATE INDEX");
            (await QueryLinesAsync("SELECT count(*) FROM pg_class WHERE relname = 'ix_s3_uploads_removal_due'")).Should().Equal("0");
        }
        finally
        {
            await QueryLinesAsync($"REVOKE ALL ON s3_uploads FROM {role}; DROP ROLE {role}; SELECT 1;");
        }
    }

    [Fact]
    public async Task EnsureSchema_WhenTableExists_LeavesItAndItsRowsAlone()
    {
        var record = (await NewStore().TryAddAsync(Pending(T0)))!;

        var again = NewStore();

        (await again.FindAsync(record.Id)).Should().BeEquivalentTo(record);
    }

    [Fact]
    public async Task Store_WhenSchemaCreationIsOffAndTableMissing_FailsLoudly()
    {
        var store = NewStore(o => o.CreateSchema = false);

        var act = async () => await store.FindAsync("x");

        (await act.Should().ThrowAsync<PostgresException>()).Which.SqlState.Should().Be(PostgresErrorCodes.UndefinedTable);
    }

    [Fact]
    public async Task TryAdd_ThenFind_KeepsSubMicrosecondInstantsAndNonUtcOffsetsExactly()
    {
        var store = NewStore();
        var odd = new DateTimeOffset(2030, 1, 1, 13, 0, 0, TimeSpan.FromHours(1)).AddTicks(1234567);
        var record = Pending(odd) with { CreatedAt = odd.AddTicks(-1), ValidatedAt = odd.AddTicks(3), ClaimedUntil = odd.AddTicks(5) };

        await store.TryAddAsync(record);
        var found = (await store.FindAsync(record.Id))!;

        found.ValidateBefore.UtcTicks.Should().Be(odd.UtcTicks);
        found.CreatedAt.UtcTicks.Should().Be(odd.UtcTicks - 1);
        found.ValidatedAt!.Value.UtcTicks.Should().Be(odd.UtcTicks + 3);
        found.ClaimedUntil!.Value.UtcTicks.Should().Be(odd.UtcTicks + 5);
    }

    [Fact]
    public async Task TryAdd_StoresMetadataAsJsonText()
    {
        var store = NewStore();
        var record = Pending(T0) with { Metadata = new Dictionary<string, string> { ["album"] = "été \"2030\"" } };

        await store.TryAddAsync(record);

        var json = (await QueryLinesAsync($"SELECT metadata FROM s3_uploads WHERE id = '{record.Id}'")).Single();
        System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("album").GetString().Should().Be("été \"2030\"");
        (await store.FindAsync(record.Id))!.Metadata.Should().Equal(record.Metadata);
    }

    [Fact]
    public async Task TryUpdate_WhenOwnerChanges_ThrowsAndChangesNothing()
    {
        var store = NewStore();
        var added = (await store.TryAddAsync(Pending(T0)))!;

        var act = async () => await store.TryUpdateAsync(added with { Owner = "mallory", Status = UploadStatus.Validated });

        await act.Should().ThrowAsync<ArgumentException>();
        (await store.FindAsync(added.Id)).Should().BeEquivalentTo(added);
    }

    [Fact]
    public async Task ClaimExpired_FiveInstancesWithTheirOwnPools_SplitTheWorkWithoutDoubleClaims()
    {
        var stores = Enumerable.Range(0, 5).Select(_ => NewStore()).ToList();
        for (var i = 0; i < 2000; i += 500)
        {
            await Task.WhenAll(Enumerable.Range(i, 500).Select(n => stores[n % 5].TryAddAsync(Pending(T0.AddSeconds(-n - 1))).AsTask()));
        }

        var perStore = await Task.WhenAll(stores.Select(store => Task.Run(async () =>
        {
            var mine = new List<UploadRecord>();
            while (true)
            {
                var batch = await store.ClaimExpiredAsync(T0, 37, TimeSpan.FromMinutes(5));
                if (batch.Count == 0) return mine;
                batch.Select(r => r.ValidateBefore).Should().BeInAscendingOrder();
                mine.AddRange(batch);
            }
        })));

        var all = perStore.SelectMany(b => b.Select(r => r.Id)).ToList();
        all.Should().HaveCount(2000).And.OnlyHaveUniqueItems();
        perStore.Should().OnlyContain(b => b.Count > 0, "SKIP LOCKED lets every instance take a share at once");
        (await QueryLinesAsync("SELECT DISTINCT version FROM s3_uploads")).Should().Equal("2");
    }
}
