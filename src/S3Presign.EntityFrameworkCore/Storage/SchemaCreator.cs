using System.Data;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using Microsoft.EntityFrameworkCore.Storage;

namespace S3Presign.EntityFrameworkCore.Storage;

/// <summary>
/// Creates the uploads table and its indexes when missing, with the DDL the context's own provider generates for the
/// model (no design-time tooling needed). Only S3Presign's table is touched, never the rest of an application's model,
/// and an existing table is left as it is.
/// </summary>
internal static class SchemaCreator
{
    public static async Task EnsureCreatedAsync(DbContext context, UploadsTable table, CancellationToken cancellationToken)
    {
        if (await ExistsAsync(context, table, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

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
        var commands = context.GetService<IMigrationsSqlGenerator>().Generate(operations, model);

        var database = context.Database;
        var opened = await OpenAsync(database, cancellationToken).ConfigureAwait(false);
        try
        {
            await using var transaction = await database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                foreach (var command in commands)
                {
                    await database.ExecuteSqlRawAsync(command.CommandText, cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (DbException) when (!cancellationToken.IsCancellationRequested)
            {
                // Another instance starting at the same moment created it first: that is success.
                await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
                if (!await ExistsAsync(context, table, cancellationToken).ConfigureAwait(false))
                {
                    throw;
                }
            }
        }
        finally
        {
            if (opened)
            {
                await database.CloseConnectionAsync().ConfigureAwait(false);
            }
        }
    }

    private static bool IsOurs(string name, string? schema, UploadsTable table) =>
        string.Equals(name, table.Name, StringComparison.Ordinal) && string.Equals(schema, table.Schema, StringComparison.Ordinal);

    /// <summary>Probes the table with a query that reads nothing, on the raw connection so a miss is not logged as an error.</summary>
    private static async Task<bool> ExistsAsync(DbContext context, UploadsTable table, CancellationToken cancellationToken)
    {
        var database = context.Database;
        var opened = await OpenAsync(database, cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = database.GetDbConnection().CreateCommand();
            command.CommandText = table.ProbeSql;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (DbException) when (!cancellationToken.IsCancellationRequested)
        {
            // Tell "no such table" from "no database": a server that is down fails this too.
            await using var ping = database.GetDbConnection().CreateCommand();
            ping.CommandText = "SELECT 1";
            await ping.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return false;
        }
        finally
        {
            if (opened)
            {
                await database.CloseConnectionAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<bool> OpenAsync(DatabaseFacade database, CancellationToken cancellationToken)
    {
        if (database.GetDbConnection().State == ConnectionState.Open)
        {
            return false;
        }

        await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }
}
