namespace S3Presign.Storage;

/// <summary>
/// Persists upload records. This is the seam for durable, shared state: every implementation must pass
/// the contract suite shipped in <c>S3Presign.Testing</c> (<c>PendingUploadStoreContractTests</c>).
/// </summary>
/// <remarks>
/// All writes are compare-and-set on <see cref="UploadRecord.Version"/>, so that validation, deletion and
/// sweeping racing on the same upload, in one process or many, produce exactly one winner.
/// </remarks>
public interface IPendingUploadStore
{
    /// <summary>
    /// Adds a new record. Its <see cref="UploadRecord.Version"/> must be 0; the stored version is 1.
    /// </summary>
    /// <param name="record">The record to add.</param>
    /// <param name="cancellationToken">The token to cancel the operation.</param>
    /// <returns>The stored record, or <see langword="null"/> when a record with the same id already exists.</returns>
    ValueTask<UploadRecord?> TryAddAsync(UploadRecord record, CancellationToken cancellationToken = default);

    /// <summary>Finds a record by id.</summary>
    /// <param name="id">The upload id.</param>
    /// <param name="cancellationToken">The token to cancel the operation.</param>
    /// <returns>The record, or <see langword="null"/> when none has that id.</returns>
    ValueTask<UploadRecord?> FindAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the stored record with <paramref name="record"/> if, and only if, the stored
    /// <see cref="UploadRecord.Version"/> equals <paramref name="record"/>'s version.
    /// </summary>
    /// <param name="record">The new state, carrying the version it was derived from.</param>
    /// <param name="cancellationToken">The token to cancel the operation.</param>
    /// <returns>The stored record (version incremented), or <see langword="null"/> when the version no longer matches
    /// or the record does not exist.</returns>
    ValueTask<UploadRecord?> TryUpdateAsync(UploadRecord record, CancellationToken cancellationToken = default);

    /// <summary>
    /// Claims up to <paramref name="maxCount"/> records a sweeper must act on and that no one else holds: pending
    /// records whose <see cref="UploadRecord.ValidateBefore"/> is at or before <paramref name="now"/> (oldest deadline
    /// first), and ended records (<see cref="UploadStatus.Rejected"/>, <see cref="UploadStatus.Expired"/>,
    /// <see cref="UploadStatus.Deleted"/>) whose object removal is still outstanding, that is whose
    /// <see cref="UploadRecord.ClaimedUntil"/> is set and at or before <paramref name="now"/>. A
    /// <see cref="UploadStatus.Validated"/> record is never claimed. Claimed records keep their status and get
    /// <see cref="UploadRecord.ClaimedUntil"/> = <paramref name="now"/> + <paramref name="lease"/> and a new version;
    /// a claim that is not followed by an update comes back once the lease has run out.
    /// </summary>
    /// <param name="now">The current time.</param>
    /// <param name="maxCount">The batch size.</param>
    /// <param name="lease">How long the claim holds.</param>
    /// <param name="cancellationToken">The token to cancel the operation.</param>
    /// <returns>The claimed records, as stored after the claim.</returns>
    ValueTask<IReadOnlyList<UploadRecord>> ClaimExpiredAsync(
        DateTimeOffset now,
        int maxCount,
        TimeSpan lease,
        CancellationToken cancellationToken = default);

    /// <summary>Lists one owner's records matching <paramref name="query"/>, newest first.</summary>
    /// <param name="query">The filters.</param>
    /// <param name="cancellationToken">The token to cancel the enumeration.</param>
    /// <returns>The matching records, at most <see cref="UploadQuery.Limit"/>.</returns>
    IAsyncEnumerable<UploadRecord> ListAsync(UploadQuery query, CancellationToken cancellationToken = default);
}
