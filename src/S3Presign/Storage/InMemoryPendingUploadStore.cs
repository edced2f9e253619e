using System.Runtime.CompilerServices;

namespace S3Presign.Storage;

/// <summary>
/// A process-local <see cref="IPendingUploadStore"/>. Fast and exact, but forgets everything when the process
/// stops: use it for development, tests and single-instance apps that rely on the bucket lifecycle safety net.
/// </summary>
/// <remarks>
/// Claiming expired uploads costs O(expired · log pending): claimable records are kept in a heap ordered by the instant
/// they become due.
/// </remarks>
public sealed class InMemoryPendingUploadStore : IPendingUploadStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, UploadRecord> _records = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OwnerUploads> _byOwner = new(StringComparer.Ordinal);

    // Claimable uploads by the instant they may next be claimed (a pending upload's deadline or the end of a claim's
    // lease; an ended upload's removal hold), as an array-backed heap: no object per entry and no tree to rebalance,
    // which keeps a store holding millions of records cheap for the garbage collector. Entries are not removed when an
    // upload changes; one whose instant no longer matches its record (validated, expired, claimed again…) is stale and
    // dropped when it reaches the top.
    private readonly PriorityQueue<string, (long Ticks, string Id)> _claimable = new(ClaimOrder.Instance);

    /// <summary>Gets the number of records held.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _records.Count;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<UploadRecord?> TryAddAsync(UploadRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        cancellationToken.ThrowIfCancellationRequested();
        if (record.Version != 0)
        {
            throw new ArgumentException("A new record must have version 0.", nameof(record));
        }

        lock (_gate)
        {
            if (_records.ContainsKey(record.Id))
            {
                return ValueTask.FromResult<UploadRecord?>(null);
            }

            // One string per owner, however many uploads the owner has.
            if (!_byOwner.TryGetValue(record.Owner, out var owner))
            {
                _byOwner[record.Owner] = owner = new OwnerUploads(record.Owner);
            }

            var stored = record with { Version = 1, Owner = owner.Owner };
            _records.Add(stored.Id, stored);
            owner.Ids.Add(stored.Id);
            if (ClaimableAt(stored) is { } at)
            {
                _claimable.Enqueue(stored.Id, (at, stored.Id));
            }

            return ValueTask.FromResult<UploadRecord?>(stored);
        }
    }

    /// <inheritdoc />
    public ValueTask<UploadRecord?> FindAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult(_records.GetValueOrDefault(id));
        }
    }

    /// <inheritdoc />
    public ValueTask<UploadRecord?> TryUpdateAsync(UploadRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_records.TryGetValue(record.Id, out var current) || current.Version != record.Version)
            {
                return ValueTask.FromResult<UploadRecord?>(null);
            }

            if (!string.Equals(current.Owner, record.Owner, StringComparison.Ordinal))
            {
                throw new ArgumentException("The owner of an upload cannot change.", nameof(record));
            }

            var stored = record with { Version = current.Version + 1, Owner = current.Owner };
            _records[stored.Id] = stored;
            if (ClaimableAt(stored) is { } at && ClaimableAt(current) != at)
            {
                _claimable.Enqueue(stored.Id, (at, stored.Id));
            }

            return ValueTask.FromResult<UploadRecord?>(stored);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<UploadRecord>> ClaimExpiredAsync(
        DateTimeOffset now,
        int maxCount,
        TimeSpan lease,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lease, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();

        var claimed = new List<UploadRecord>(Math.Min(maxCount, 256));
        var nowTicks = now.UtcTicks;
        lock (_gate)
        {
            while (claimed.Count < maxCount && _claimable.TryPeek(out var id, out var at) && at.Ticks <= nowTicks)
            {
                _claimable.Dequeue();
                if (_records.TryGetValue(id, out var current) && ClaimableAt(current) == at.Ticks)
                {
                    claimed.Add(current);
                }
            }

            for (var i = 0; i < claimed.Count; i++)
            {
                var stored = claimed[i] with { ClaimedUntil = now + lease, Version = claimed[i].Version + 1 };
                _records[stored.Id] = stored;
                claimed[i] = stored;

                // Back when the lease runs out, should the sweeper that claimed it never finish.
                _claimable.Enqueue(stored.Id, (ClaimableAt(stored)!.Value, stored.Id));
            }
        }

        return ValueTask.FromResult<IReadOnlyList<UploadRecord>>(claimed);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<UploadRecord> ListAsync(
        UploadQuery query,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        UploadRecord[] page;
        lock (_gate)
        {
            if (!_byOwner.TryGetValue(query.Owner, out var owner))
            {
                yield break;
            }

            page = owner.Ids.Select(id => _records[id])
                .Where(query.Matches)
                .OrderByDescending(r => r.CreatedAt)
                .ThenBy(r => r.Id, StringComparer.Ordinal)
                .Take(Math.Max(query.Limit, 0))
                .ToArray();
        }

        foreach (var record in page)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return record;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <summary>
    /// When a record may next be claimed: a pending upload at its deadline, or at the end of its claim's lease if later;
    /// an ended upload whose object removal is outstanding when its hold runs out; others never.
    /// </summary>
    private static long? ClaimableAt(UploadRecord record) => record.Status switch
    {
        UploadStatus.Pending => Math.Max(record.ValidateBefore.UtcTicks, record.ClaimedUntil?.UtcTicks ?? long.MinValue),
        UploadStatus.Rejected or UploadStatus.Expired or UploadStatus.Deleted => record.ClaimedUntil?.UtcTicks,
        _ => null,
    };

    /// <summary>An owner's name (kept once) and the ids of its uploads.</summary>
    private sealed class OwnerUploads(string owner)
    {
        public string Owner { get; } = owner;

        public HashSet<string> Ids { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>Earliest first; equal instants by id, so that claims come in a stable order.</summary>
    private sealed class ClaimOrder : IComparer<(long Ticks, string Id)>
    {
        public static readonly ClaimOrder Instance = new();

        public int Compare((long Ticks, string Id) x, (long Ticks, string Id) y)
        {
            var byTime = x.Ticks.CompareTo(y.Ticks);
            return byTime != 0 ? byTime : string.CompareOrdinal(x.Id, y.Id);
        }
    }
}
