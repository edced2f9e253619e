using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using S3Presign.Storage;

namespace S3Presign.EntityFrameworkCore.Storage;

/// <summary>
/// An <see cref="IPendingUploadStore"/> on Entity Framework Core. Every write is a single conditional statement:
/// updates are <c>UPDATE … WHERE id = @id AND version = @expected</c>, claims stamp a lease on due rows (PostgreSQL:
/// <c>FOR UPDATE SKIP LOCKED</c>; other providers: a conditional update with a claim token). One short-lived context per
/// operation, no change tracking.
/// </summary>
internal sealed class EntityFrameworkCorePendingUploadStore(
    IUploadsContextSource contexts,
    IOptions<EntityFrameworkCoreStoreOptions> options,
    ILoggerFactory? loggerFactory = null) : IPendingUploadStore
{
    private const int MaxClaimAttempts = 5;
    private readonly Lock _initGate = new();
    private Task? _init;
    private volatile UploadsTable? _table;

    /// <summary>
    /// Reads the mapping and creates the table and indexes if they are missing (when
    /// <see cref="EntityFrameworkCoreStoreOptions.CreateSchema"/>). Runs once; a failure is retried on the next call.
    /// </summary>
    public ValueTask EnsureReadyAsync(CancellationToken cancellationToken)
    {
        if (_table is not null)
        {
            return ValueTask.CompletedTask;
        }

        Task init;
        lock (_initGate)
        {
            if (_init is null || _init.IsFaulted || _init.IsCanceled)
            {
                _init = InitializeAsync();
            }

            init = _init;
        }

        return new ValueTask(init.WaitAsync(cancellationToken));
    }

    /// <summary>
    /// Gets the creation of indexes an existing table lacks (see <see cref="SchemaCreator.UpgradeIndexesAsync"/>): on
    /// PostgreSQL it runs in the background, as building an index on a large table may take long and must not hold up
    /// start-up; it never fails.
    /// </summary>
    internal Task IndexUpgrade { get; private set; } = Task.CompletedTask;

    private async Task InitializeAsync()
    {
        await using var lease = await contexts.RentAsync(CancellationToken.None).ConfigureAwait(false);
        var table = UploadsTable.For(lease.Context);
        if (options.Value.CreateSchema && await SchemaCreator.EnsureCreatedAsync(lease.Context, table, CancellationToken.None).ConfigureAwait(false))
        {
            if (table.IsNpgsql)
            {
                IndexUpgrade = Task.Run(() => UpgradeIndexesAsync(table));
            }
            else
            {
                await UpgradeIndexesAsync(table).ConfigureAwait(false);
            }
        }

        _table = table;
    }

    private async Task UpgradeIndexesAsync(UploadsTable table)
    {
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger(typeof(SchemaCreator).FullName!);
        try
        {
            await using var lease = await contexts.RentAsync(CancellationToken.None).ConfigureAwait(false);
            await SchemaCreator.UpgradeIndexesAsync(lease.Context, table, logger, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Renting a context failed (the application is shutting down…): the next start-up tries again.
            SchemaCreator.LogIndexMissing(logger, e, "(upgrade)", table.QualifiedName, string.Empty);
        }
    }

    public async ValueTask<UploadRecord?> TryAddAsync(UploadRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Version != 0)
        {
            throw new ArgumentException("A new record must have version 0.", nameof(record));
        }

        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        var stored = record with { Version = 1 };
        await using var lease = await contexts.RentAsync(cancellationToken).ConfigureAwait(false);
        var set = lease.Context.Set<UploadEntity>();
        set.Add(UploadEntity.From(stored));
        try
        {
            await lease.Context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return stored;
        }
        catch (DbUpdateException)
        {
            // Ids are random (122+ bits), so this is a retried add or a bug: if the id exists, that is the contract's
            // "already exists"; anything else (database down, constraint) is a real failure.
            lease.Context.ChangeTracker.Clear();
            if (await set.AsNoTracking().AnyAsync(u => u.Id == record.Id, cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            throw;
        }
    }

    public async ValueTask<UploadRecord?> FindAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var lease = await contexts.RentAsync(cancellationToken).ConfigureAwait(false);
        var entity = await lease.Context.Set<UploadEntity>().AsNoTracking()
            .FirstOrDefaultAsync(u => u.Id == id, cancellationToken).ConfigureAwait(false);
        return entity?.ToRecord();
    }

    public async ValueTask<UploadRecord?> TryUpdateAsync(UploadRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        var stored = record with { Version = record.Version + 1 };
        var row = UploadEntity.From(stored);
        var expected = record.Version;
        await using var lease = await contexts.RentAsync(cancellationToken).ConfigureAwait(false);
        var set = lease.Context.Set<UploadEntity>();

        // Compare-and-set in one statement: the database decides the winner among racing writers.
        var changed = await set
            .Where(u => u.Id == row.Id && u.Version == expected && u.Owner == row.Owner)
            .ExecuteUpdateAsync(
                s => s
                    .SetProperty(u => u.Key, row.Key)
                    .SetProperty(u => u.Bucket, row.Bucket)
                    .SetProperty(u => u.FileName, row.FileName)
                    .SetProperty(u => u.ContentType, row.ContentType)
                    .SetProperty(u => u.DeclaredSize, row.DeclaredSize)
                    .SetProperty(u => u.ChecksumSha256, row.ChecksumSha256)
                    .SetProperty(u => u.ContentMd5, row.ContentMd5)
                    .SetProperty(u => u.Mode, row.Mode)
                    .SetProperty(u => u.MultipartUploadId, row.MultipartUploadId)
                    .SetProperty(u => u.Metadata, row.Metadata)
                    .SetProperty(u => u.Status, row.Status)
                    .SetProperty(u => u.StatusReason, row.StatusReason)
                    .SetProperty(u => u.CreatedAt, row.CreatedAt)
                    .SetProperty(u => u.UploadExpiresAt, row.UploadExpiresAt)
                    .SetProperty(u => u.ValidateBefore, row.ValidateBefore)
                    .SetProperty(u => u.ValidatedAt, row.ValidatedAt)
                    .SetProperty(u => u.UpdatedAt, row.UpdatedAt)
                    .SetProperty(u => u.Size, row.Size)
                    .SetProperty(u => u.ETag, row.ETag)
                    .SetProperty(u => u.ClaimedUntil, row.ClaimedUntil)
                    .SetProperty(u => u.ClaimToken, (string?)null)
                    .SetProperty(u => u.Version, row.Version),
                cancellationToken)
            .ConfigureAwait(false);
        if (changed == 1)
        {
            return stored;
        }

        if (await set.AsNoTracking().AnyAsync(u => u.Id == row.Id && u.Version == expected && u.Owner != row.Owner, cancellationToken)
            .ConfigureAwait(false))
        {
            throw new ArgumentException("The owner of an upload cannot change.", nameof(record));
        }

        return null;
    }

    public async ValueTask<IReadOnlyList<UploadRecord>> ClaimExpiredAsync(
        DateTimeOffset now,
        int maxCount,
        TimeSpan lease,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lease, TimeSpan.Zero);
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        var table = _table!;
        var nowTicks = UploadEntity.Ticks(now);
        var until = UploadEntity.Ticks(now + lease);
        await using var rented = await contexts.RentAsync(cancellationToken).ConfigureAwait(false);
        var set = rented.Context.Set<UploadEntity>();

        List<UploadEntity> claimed;
        if (table.IsNpgsql)
        {
            claimed = await set.FromSqlRaw(table.NpgsqlClaimSql, nowTicks, until, maxCount).AsNoTracking()
                .ToListAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            claimed = await ClaimWithTokenAsync(set, nowTicks, until, maxCount, cancellationToken).ConfigureAwait(false);
        }

        return claimed
            .OrderBy(u => u.ValidateBefore)
            .ThenBy(u => u.Id, StringComparer.Ordinal)
            .Select(u => u.ToRecord())
            .ToList();
    }

    /// <summary>
    /// The provider-neutral claim: one conditional <c>UPDATE</c> stamps a fresh token on up to <paramref name="maxCount"/>
    /// due, unheld rows (expired pending rows, and ended rows whose removal hold ran out); the rows carrying the token are this claim's. The update re-checks "due and unheld", so two
    /// claimers never take the same row; one that lost every row of its batch to another tries again.
    /// </summary>
    private static async Task<List<UploadEntity>> ClaimWithTokenAsync(
        DbSet<UploadEntity> set, long now, long until, int maxCount, CancellationToken cancellationToken)
    {
        const int pending = (int)UploadStatus.Pending;
        const int rejected = (int)UploadStatus.Rejected, expired = (int)UploadStatus.Expired, deleted = (int)UploadStatus.Deleted;
        for (var attempt = 1; ; attempt++)
        {
            var token = Guid.NewGuid().ToString("D");
            var due = set.Where(u =>
                (u.Status == pending && u.ValidateBefore <= now && (u.ClaimedUntil == null || u.ClaimedUntil <= now))
                || ((u.Status == rejected || u.Status == expired || u.Status == deleted) && u.ClaimedUntil != null && u.ClaimedUntil <= now));
            var batch = due.OrderBy(u => u.ValidateBefore).ThenBy(u => u.Id).Take(maxCount).Select(u => u.Id);
            var changed = await due
                .Where(u => batch.Contains(u.Id))
                .ExecuteUpdateAsync(
                    s => s
                        .SetProperty(u => u.ClaimedUntil, until)
                        .SetProperty(u => u.ClaimToken, token)
                        .SetProperty(u => u.Version, u => u.Version + 1),
                    cancellationToken)
                .ConfigureAwait(false);
            if (changed > 0)
            {
                return await set.AsNoTracking().Where(u => u.ClaimToken == token).ToListAsync(cancellationToken).ConfigureAwait(false);
            }

            if (attempt == MaxClaimAttempts || !await due.AnyAsync(cancellationToken).ConfigureAwait(false))
            {
                return [];
            }
        }
    }

    public async IAsyncEnumerable<UploadRecord> ListAsync(
        UploadQuery query,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Limit <= 0)
        {
            yield break;
        }

        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var lease = await contexts.RentAsync(cancellationToken).ConfigureAwait(false);
        var rows = lease.Context.Set<UploadEntity>().AsNoTracking().Where(u => u.Owner == query.Owner);
        if (query.Status is { } status)
        {
            rows = rows.Where(u => u.Status == (int)status);
        }
        else if (!query.IncludeDeleted)
        {
            rows = rows.Where(u => u.Status != (int)UploadStatus.Deleted);
        }

        if (query.MinSize is { } min)
        {
            rows = rows.Where(u => (u.Size ?? u.DeclaredSize) >= min);
        }

        if (query.MaxSize is { } max)
        {
            rows = rows.Where(u => (u.Size ?? u.DeclaredSize) <= max);
        }

        if (query.CreatedFrom is { } from)
        {
            var fromTicks = UploadEntity.Ticks(from);
            rows = rows.Where(u => u.CreatedAt >= fromTicks);
        }

        if (query.CreatedTo is { } to)
        {
            var toTicks = UploadEntity.Ticks(to);
            rows = rows.Where(u => u.CreatedAt < toTicks);
        }

        rows = rows.OrderByDescending(u => u.CreatedAt).ThenBy(u => u.Id);

        // The file-name filter is case-insensitive in .NET's sense, which SQL's lower() does not match on every
        // provider (SQLite folds ASCII only): it is applied here, on the owner's rows streamed newest first.
        var byName = !string.IsNullOrEmpty(query.FileNameContains);
        if (!byName)
        {
            rows = rows.Take(query.Limit);
        }

        var returned = 0;
        await foreach (var row in rows.AsAsyncEnumerable().WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            var record = row.ToRecord();
            if (byName && !query.Matches(record))
            {
                continue;
            }

            yield return record;
            if (++returned == query.Limit)
            {
                yield break;
            }
        }
    }
}
