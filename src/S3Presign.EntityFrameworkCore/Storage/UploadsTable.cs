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

        // One statement: pick the due rows nobody holds, oldest deadline first, skipping rows another claimer has
        // locked this instant, and stamp them. Concurrent claimers get disjoint batches without waiting on each other.
        // The ids go through an array so the update finds its rows by primary key: a join would let the planner
        // hash the whole table for a batch of a few rows.
        NpgsqlClaimSql = $$"""
            UPDATE {{QualifiedName}} AS u
            SET {{claimedUntil}} = {1}, {{version}} = u.{{version}} + 1
            WHERE u.{{id}} = ANY (ARRAY (
                SELECT {{id}} FROM {{QualifiedName}}
                WHERE {{status}} = {{pending}} AND {{validateBefore}} <= {0} AND ({{claimedUntil}} IS NULL OR {{claimedUntil}} <= {0})
                ORDER BY {{validateBefore}}, {{id}}
                LIMIT {2}
                FOR UPDATE SKIP LOCKED))
            RETURNING u.*
            """;
    }

    public string Name { get; }

    public string? Schema { get; }

    public string QualifiedName { get; }

    public string ProviderName { get; }

    public bool IsNpgsql => string.Equals(ProviderName, NpgsqlProvider, StringComparison.Ordinal);

    /// <summary>A query that fails when the table is missing.</summary>
    public string ProbeSql { get; }

    /// <summary>The PostgreSQL claim (<c>FOR UPDATE SKIP LOCKED</c>); format arguments {0} now, {1} claimed until, {2} batch size (UTC ticks).</summary>
    public string NpgsqlClaimSql { get; }

    public static UploadsTable For(DbContext context) => new(context);
}
