using System.Data;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using Microsoft.Extensions.Logging;

namespace S3Presign.EntityFrameworkCore.Storage;

/// <summary>
/// Creates the uploads table and its indexes when missing, with the DDL the context's own provider generates for the
/// model (no design-time tooling needed). Only S3Presign's table is touched, never the rest of an application's model.
/// An existing table is left as it is, except that indexes a later version added are created by
/// <see cref="UpgradeIndexesAsync"/> on PostgreSQL and SQLite, whose catalogs tell cheaply whether an index exists.
/// </summary>
/// <remarks>
/// The DDL runs on the context's connection directly, not through EF's command pipeline: an instance that loses the
/// creation race to another one starting at the same moment is not an error, and must not be logged as one.
/// </remarks>
internal static partial class SchemaCreator
{
    /// <summary>Creates the table (with all its indexes) if it is missing.</summary>
    /// <returns><see langword="true"/> when the table already existed (its indexes may be from an earlier version).</returns>
    public static async Task<bool> EnsureCreatedAsync(DbContext context, UploadsTable table, CancellationToken cancellationToken)
    {
        await using var opened = await OpenAsync(context.Database, cancellationToken).ConfigureAwait(false);
        var connection = context.Database.GetDbConnection();
        if (await TableExistsAsync(connection, table, cancellationToken).ConfigureAwait(false))
        {
            return true;
        }

        try
        {
            await ExecuteInTransactionAsync(connection, GenerateTable(context, table), cancellationToken).ConfigureAwait(false);
            return false;
        }
        catch (DbException) when (!cancellationToken.IsCancellationRequested)
        {
            // Another instance starting at the same moment created it first: that is success.
            if (!await TableExistsAsync(connection, table, cancellationToken).ConfigureAwait(false))
            {
                throw;
            }

            return false;
        }
    }

    /// <summary>
    /// Creates the indexes of the model that an existing table lacks (added by a later version). Best effort, and never
    /// throws: when an index cannot be created (e.g. the application's role does not own the table) a warning gives the
    /// DDL to run, and the store works on, its claims reading more of the table until the index exists.
    /// </summary>
    /// <remarks>
    /// On PostgreSQL the build is <c>CREATE INDEX CONCURRENTLY</c> (writers are not blocked), without a command timeout
    /// (it waits for older transactions, then reads the whole table), and only by the instance that gets a
    /// session-level advisory lock without waiting: two concurrent builds on one table deadlock, and PostgreSQL would
    /// kill one, leaving an invalid index. The lock holder drops an invalid leftover of an earlier attempt first.
    /// Others skip the upgrade quietly; the next start-up of any instance finishes what a crashed one left.
    /// </remarks>
    public static async Task UpgradeIndexesAsync(DbContext context, UploadsTable table, ILogger logger, CancellationToken cancellationToken)
    {
        if (table.IndexProbeSql is null)
        {
            return;
        }

        var ddl = string.Empty;
        var locked = false;
        await using var opened = await OpenAsync(context.Database, cancellationToken).ConfigureAwait(false);
        var connection = context.Database.GetDbConnection();
        var lockKey = $"hashtext({UploadsTable.Literal(LockKey(table))})";
        try
        {
            if (table.IsNpgsql)
            {
                locked = Convert.ToBoolean(
                    await ScalarAsync(connection, $"SELECT pg_try_advisory_lock({lockKey})", cancellationToken).ConfigureAwait(false),
                    System.Globalization.CultureInfo.InvariantCulture);
                if (!locked)
                {
                    LogUpgradeElsewhere(logger, table.QualifiedName);
                    return;
                }
            }

            foreach (var (name, commands) in GenerateIndexes(context, table))
            {
                if (await IndexExistsAsync(connection, table, name, cancellationToken).ConfigureAwait(false))
                {
                    continue;
                }

                ddl = string.Join(" ", commands.Select(c => c.CommandText.Trim()));
                DbException? failure = null;
                try
                {
                    if (table.IsNpgsql)
                    {
                        // Outside a transaction, as CONCURRENTLY requires.
                        await ScalarAsync(connection, $"DROP INDEX CONCURRENTLY IF EXISTS {table.QualifyIndex(name)}", cancellationToken)
                            .ConfigureAwait(false);
                        foreach (var command in commands)
                        {
                            await ScalarAsync(connection, Concurrently(command.CommandText), cancellationToken).ConfigureAwait(false);
                        }
                    }
                    else
                    {
                        await ExecuteInTransactionAsync(connection, commands, cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (DbException e) when (!cancellationToken.IsCancellationRequested)
                {
                    failure = e;
                }

                if (!await IndexExistsAsync(connection, table, name, cancellationToken).ConfigureAwait(false))
                {
                    LogIndexMissing(logger, failure, name, table.QualifiedName, ddl);
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The connection broke, the probe failed…: the store works without the index.
            LogIndexMissing(logger, e, "(upgrade)", table.QualifiedName, ddl);
        }
        finally
        {
            if (locked)
            {
                // Session-level: a pooled connection would keep it after being closed.
                try
                {
                    await ScalarAsync(connection, $"SELECT pg_advisory_unlock({lockKey})", CancellationToken.None).ConfigureAwait(false);
                }
                catch (DbException)
                {
                    // The session is gone, and its lock with it.
                }
            }
        }
    }

    private static string LockKey(UploadsTable table) => "s3presign-schema:" + table.QualifiedName;

    private static async Task<object?> ScalarAsync(DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 0;
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Opens the context's connection unless already open; disposing closes what this opened.</summary>
    private static async Task<IAsyncDisposable> OpenAsync(DatabaseFacade database, CancellationToken cancellationToken)
    {
        if (database.GetDbConnection().State == ConnectionState.Open)
        {
            return NothingToClose.Instance;
        }

        await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return new CloseOnDispose(database);
    }

    private sealed class NothingToClose : IAsyncDisposable
    {
        public static readonly NothingToClose Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class CloseOnDispose(DatabaseFacade database) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await database.CloseConnectionAsync().ConfigureAwait(false);
    }

    private static string Concurrently(string createIndex) =>
        createIndex.StartsWith("CREATE INDEX ", StringComparison.Ordinal)
            ? "CREATE INDEX CONCURRENTLY " + createIndex["CREATE INDEX ".Length..]
            : createIndex;

    [LoggerMessage(Level = LogLevel.Debug, Message = "Another instance is upgrading the indexes of {Table}; not this one.")]
    private static partial void LogUpgradeElsewhere(ILogger logger, string table);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Index {Index} of {Table} is missing or invalid and could not be created; claims of expired uploads read more of the table until it exists. Create it (after dropping an invalid index of that name) with: {Ddl}")]
    internal static partial void LogIndexMissing(ILogger logger, Exception? exception, string index, string table, string ddl);

    /// <summary>The schema, table and indexes, as the provider creates them.</summary>
    private static IReadOnlyList<MigrationCommand> GenerateTable(DbContext context, UploadsTable table)
    {
        var (model, operations) = Operations(context, table);
        return context.GetService<IMigrationsSqlGenerator>().Generate(operations, model);
    }

    /// <summary>Each index on its own.</summary>
    private static List<(string Name, IReadOnlyList<MigrationCommand> Commands)> GenerateIndexes(DbContext context, UploadsTable table)
    {
        var (model, operations) = Operations(context, table);
        var generator = context.GetService<IMigrationsSqlGenerator>();
        return operations.OfType<CreateIndexOperation>()
            .Select(i => (i.Name, generator.Generate([i], model)))
            .ToList();
    }

    private static (IModel Model, List<MigrationOperation> Operations) Operations(DbContext context, UploadsTable table)
    {
        var model = context.GetService<IDesignTimeModel>().Model;
        var operations = context.GetService<IMigrationsModelDiffer>()
            .GetDifferences(null, model.GetRelationalModel())
            .Where(o => o switch
            {
                EnsureSchemaOperation s => string.Equals(s.Name, table.Schema, StringComparison.Ordinal),
                CreateTableOperation t => IsOurs(t.Name, t.Schema, table),
                CreateIndexOperation i => IsOurs(i.Table, i.Schema, table),
                _ => false,
            })
            .ToList();
        return (model, operations);
    }

    private static async Task ExecuteInTransactionAsync(
        DbConnection connection, IReadOnlyList<MigrationCommand> commands, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var command in commands)
        {
            await using var sql = connection.CreateCommand();
            sql.Transaction = transaction;
            sql.CommandText = command.CommandText;
            await sql.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static bool IsOurs(string name, string? schema, UploadsTable table) =>
        string.Equals(name, table.Name, StringComparison.Ordinal) && string.Equals(schema, table.Schema, StringComparison.Ordinal);

    /// <summary>Probes the table with a query that reads nothing.</summary>
    private static async Task<bool> TableExistsAsync(DbConnection connection, UploadsTable table, CancellationToken cancellationToken)
    {
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = table.ProbeSql;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (DbException) when (!cancellationToken.IsCancellationRequested)
        {
            // Tell "no such table" from "no database": a server that is down fails this too.
            await using var ping = connection.CreateCommand();
            ping.CommandText = "SELECT 1";
            await ping.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return false;
        }
    }

    private static async Task<bool> IndexExistsAsync(DbConnection connection, UploadsTable table, string index, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = table.IndexProbeSql!(index);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false),
            System.Globalization.CultureInfo.InvariantCulture) > 0;
    }
}
