using System.Runtime.CompilerServices;

namespace S3Presign.Storage;

/// <summary>
/// A process-local <see cref="IPendingUploadStore"/>. Fast and exact, but forgets everything when the process
/// stops: use it for development, tests and single-instance apps that rely on the bucket lifecycle safety net.
/// </summary>
/// <remarks>
/// Claiming expired uploads costs O(expired · log pending): pending records are kept ordered by deadline.
/// </remarks>
public sealed class InMemoryPendingUploadStore : IPendingUploadStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, UploadRecord> _records = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _byOwner = new(StringComparer.Ordinal);
    private readonly SortedSet<(DateTimeOffset Deadline, string Id)> _pendingByDeadline = new(DeadlineComparer.Instance);

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

        var stored = record with { Version = 1 };
        lock (_gate)
        {
            if (!_records.TryAdd(stored.Id, stored))
            {
                return ValueTask.FromResult<UploadRecord?>(null);
            }

            if (!_byOwner.TryGetValue(stored.Owner, out var ids))
            {
                _byOwner[stored.Owner] = ids = new HashSet<string>(StringComparer.Ordinal);
            }

            ids.Add(stored.Id);
            if (stored.Status == UploadStatus.Pending)
            {
                _pendingByDeadline.Add((stored.ValidateBefore, stored.Id));
            }
        }

        return ValueTask.FromResult<UploadRecord?>(stored);
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

            var stored = record with { Version = current.Version + 1 };
            _records[stored.Id] = stored;
            if (current.Status == UploadStatus.Pending)
            {
                _pendingByDeadline.Remove((current.ValidateBefore, current.Id));
            }

            if (stored.Status == UploadStatus.Pending)
            {
                _pendingByDeadline.Add((stored.ValidateBefore, stored.Id));
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
        lock (_gate)
        {
            foreach (var (deadline, id) in _pendingByDeadline)
            {
                if (deadline > now || claimed.Count == maxCount)
                {
                    break;
                }

                var current = _records[id];
                if (current.ClaimedUntil is { } until && until > now)
                {
                    continue;
                }

                claimed.Add(current);
            }

            for (var i = 0; i < claimed.Count; i++)
            {
                var stored = claimed[i] with { ClaimedUntil = now + lease, Version = claimed[i].Version + 1 };
                _records[stored.Id] = stored;
                claimed[i] = stored;
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
            if (!_byOwner.TryGetValue(query.Owner, out var ids))
            {
                yield break;
            }

            page = ids.Select(id => _records[id])
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

    private sealed class DeadlineComparer : IComparer<(DateTimeOffset Deadline, string Id)>
    {
        public static readonly DeadlineComparer Instance = new();

        public int Compare((DateTimeOffset Deadline, string Id) x, (DateTimeOffset Deadline, string Id) y)
        {
            var byDeadline = x.Deadline.UtcTicks.CompareTo(y.Deadline.UtcTicks);
            return byDeadline != 0 ? byDeadline : string.CompareOrdinal(x.Id, y.Id);
        }
    }
}
