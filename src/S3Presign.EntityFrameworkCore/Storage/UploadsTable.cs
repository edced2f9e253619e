using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using S3Presign.Storage;

namespace S3Presign.EntityFrameworkCore.Storage;

/// <summary>
/// Where the upload records live in one context's model (table, schema, column names after any naming
/// convention) and the provider-specific SQL built from them. Computed once per store.
/// </summary>
internal sealed class UploadsTable
{
    public const string NpgsqlProvider = "Npgsql.EntityFrameworkCore.PostgreSQL";

    public const string SqliteProvider = "Microsoft.EntityFrameworkCore.Sqlite";

    /// <summary>
    /// Ended rows (rejected, expired, deleted) whose object removal is outstanding: the filter of their partial index,
    /// repeated word for word in the claim so that PostgreSQL can prove the index applies.
    /// </summary>
    public const string RemovalDueFilter = "status IN (2, 3, 4) AND claimed_until IS NOT NULL";

    private UploadsTable(DbContext context)
    {
        var entity = context.Model.FindEntityType(typeof(UploadEntity))
            ?? throw new InvalidOperationException(
                $"{context.GetType().Name} does not map S3Presign's upload records: call modelBuilder.AddS3Uploads() in its OnModelCreating.");
        Name = entity.GetTableName()!;
        Schema = entity.GetSchema();
        ProviderName = context.Database.ProviderName ?? string.Empty;
        var table = StoreObjectIdentifier.Table(Name, Schema);
        var sql = context.GetService<ISqlGenerationHelper>();
        string Column(string property) => sql.DelimitIdentifier(entity.FindProperty(property)!.GetColumnName(table)!);

        QualifiedName = sql.DelimitIdentifier(Name, Schema);
        var id = Column(nameof(UploadEntity.Id));
        var status = Column(nameof(UploadEntity.Status));
        var validateBefore = Column(nameof(UploadEntity.ValidateBefore));
        var claimedUntil = Column(nameof(UploadEntity.ClaimedUntil));
        var version = Column(nameof(UploadEntity.Version));
        var pending = (int)UploadStatus.Pending;

        ProbeSql = $"SELECT 1 FROM {QualifiedName} WHERE 1 = 0";
        var schema = Schema;
        QualifyIndex = index => sql.DelimitIdentifier(index, schema);
        IndexProbeSql = ProviderName switch
        {
            // An index left invalid by a failed CREATE INDEX CONCURRENTLY counts as missing.
            NpgsqlProvider => index => $"SELECT COUNT(*) FROM pg_index WHERE indexrelid = to_regclass({Literal(sql.DelimitIdentifier(index, schema))}) AND indisvalid",
            SqliteProvider => index => $"SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = {Literal(index)}",
            _ => null,
        };

        // One statement: pick the due rows nobody holds (pending rows past their deadline, oldest first, then ended rows
        // whose removal hold ran out with what is left of the batch), skipping rows another claimer has locked this
        // instant, and stamp them. Concurrent claimers get disjoint batches without waiting on each other, and no row is
        // locked that this claim does not take. Each kind is read through its own partial index. The ids go through an
        // array so the update finds its rows by primary key: a join would let the planner hash the whole table for a
        // batch of a few rows.
        var removalDue = RemovalDueFilter
            .Replace("status", status, StringComparison.Ordinal)
            .Replace("claimed_until", claimedUntil, StringComparison.Ordinal);
        NpgsqlClaimSql = $$"""
            WITH due AS (
                SELECT {{id}} FROM {{QualifiedName}}
                WHERE {{status}} = {{pending}} AND {{validateBefore}} <= {0} AND ({{claimedUntil}} IS NULL OR {{claimedUntil}} <= {0})
                ORDER BY {{validateBefore}}, {{id}}
                LIMIT {2}
                FOR UPDATE SKIP LOCKED),
            removal AS (
                SELECT {{id}} FROM {{QualifiedName}}
                WHERE {{removalDue}} AND {{claimedUntil}} <= {0}
                ORDER BY {{claimedUntil}}, {{id}}
                LIMIT ({2} - (SELECT count(*) FROM due))
                FOR UPDATE SKIP LOCKED)
            UPDATE {{QualifiedName}} AS u
            SET {{claimedUntil}} = {1}, {{version}} = u.{{version}} + 1
            WHERE u.{{id}} = ANY (ARRAY (SELECT {{id}} FROM due UNION ALL SELECT {{id}} FROM removal))
            RETURNING u.*
            """;
    }

    public string Name { get; }

    public string? Schema { get; }

    public string QualifiedName { get; }

    public string ProviderName { get; }

    public bool IsNpgsql => string.Equals(ProviderName, NpgsqlProvider, StringComparison.Ordinal);

    /// <summary>An index name of this table's schema, delimited.</summary>
    public Func<string, string> QualifyIndex { get; }

    /// <summary>A query that fails when the table is missing.</summary>
    public string ProbeSql { get; }

    /// <summary>
    /// A query counting the indexes of a name (0 or 1), on providers whose catalog says so without locking the table;
    /// <see langword="null"/> on others, where indexes added by later versions come from the application's migrations.
    /// </summary>
    public Func<string, string>? IndexProbeSql { get; }

    /// <summary>The PostgreSQL claim (<c>FOR UPDATE SKIP LOCKED</c>); format arguments {0} now, {1} claimed until, {2} batch size (UTC ticks).</summary>
    public string NpgsqlClaimSql { get; }

    public static UploadsTable For(DbContext context) => new(context);

    public static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
}
