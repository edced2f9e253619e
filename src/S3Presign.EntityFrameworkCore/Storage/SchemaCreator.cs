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
/// An existing table is left as it is, except that indexes a later version added are created on PostgreSQL (with
/// <c>CREATE INDEX CONCURRENTLY</c>, so writers are not blocked while it builds) and SQLite, whose catalogs tell cheaply
/// whether an index exists. That upgrade is best effort: when it fails (e.g. the application's role does not own the
/// table) a warning gives the DDL to run, and the store works on, its claims slower until the index exists.
/// </summary>
/// <remarks>
/// The DDL runs on the context's connection directly, not through EF's command pipeline: an instance that loses the
/// creation race to another one starting at the same moment is not an error, and must not be logged as one.
/// </remarks>
internal static partial class SchemaCreator
{
    public static async Task EnsureCreatedAsync(DbContext context, UploadsTable table, ILogger logger, CancellationToken cancellationToken)
    {
        var database = context.Database;
        var opened = database.GetDbConnection().State != ConnectionState.Open;
        if (opened)
        {
            await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var connection = database.GetDbConnection();
            if (!await TableExistsAsync(connection, table, cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await ExecuteInTransactionAsync(connection, GenerateTable(context, table), cancellationToken)
                        .ConfigureAwait(false);
                    return;
                }
                catch (DbException) when (!cancellationToken.IsCancellationRequested)
                {
                    // Another instance starting at the same moment created it first: that is success.
                    if (!await TableExistsAsync(connection, table, cancellationToken).ConfigureAwait(false))
                    {
                        throw;
                    }
                }
            }

            await CreateMissingIndexesAsync(context, connection, table, logger, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (opened)
            {
                await database.CloseConnectionAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task CreateMissingIndexesAsync(
        DbContext context, DbConnection connection, UploadsTable table, ILogger logger, CancellationToken cancellationToken)
    {
        if (table.IndexProbeSql is null)
        {
            return;
        }

        foreach (var (name, commands) in GenerateIndexes(context, table))
        {
            if (await IndexExistsAsync(connection, table, name, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            DbException? failure = null;
            try
            {
                if (table.IsNpgsql)
                {
                    // Outside a transaction, as CONCURRENTLY requires; IF NOT EXISTS for instances starting together.
                    foreach (var command in commands)
                    {
                        await using var sql = connection.CreateCommand();
                        sql.CommandText = Concurrently(command.CommandText);
                        await sql.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
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

            // Another instance may have created it meanwhile; otherwise say what to run and go on without it.
            if (!await IndexExistsAsync(connection, table, name, cancellationToken).ConfigureAwait(false))
            {
                LogIndexMissing(logger, failure, name, table.QualifiedName, string.Join(" ", commands.Select(c => c.CommandText.Trim())));
            }
        }
    }

    private static string Concurrently(string createIndex) =>
        createIndex.StartsWith("CREATE INDEX ", StringComparison.Ordinal)
            ? "CREATE INDEX CONCURRENTLY IF NOT EXISTS " + createIndex["CREATE INDEX ".Length..]
            : createIndex;

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Index {Index} of {Table} is missing or invalid and could not be created; claims of expired uploads read more of the table until it exists. Create it (after dropping an invalid index of that name) with: {Ddl}")]
    private static partial void LogIndexMissing(ILogger logger, Exception? exception, string index, string table, string ddl);

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
