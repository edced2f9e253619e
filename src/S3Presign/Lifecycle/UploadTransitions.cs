using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using S3Presign.S3;
using S3Presign.Storage;

namespace S3Presign.Lifecycle;

/// <summary>
/// The state machine's side effects, in the order that keeps the store and S3 consistent when transitions race:
/// for a pending upload the compare-and-set in the store comes first and its winner then deletes the object; a
/// validated object is deleted first and its record updated after, so a validated record never points at nothing for
/// long and an object is never orphaned without its marker.
/// </summary>
/// <remarks>
/// An upload that leaves Pending for Rejected, Expired or Deleted is written with its object removal outstanding
/// (<see cref="UploadRecord.ClaimedUntil"/> = now + <see cref="S3UploadsOptions.SweepLease"/>): the winner holds the
/// removal for one lease and clears the hold once the object is gone. If it cannot (S3 down, process killed, request
/// aborted), the hold runs out and a sweeper claims the record and finishes the removal. So an ended upload's object
/// never depends on the bucket lifecycle rule alone, even when an earlier validation had already removed its
/// pending marker.
/// <para>
/// While the upload's presigned request is still valid, a PUT can put the object back after the delete: one still in
/// flight when the user cancelled, or a client retrying after a rejection. So a removal done before
/// <see cref="UploadRecord.UploadExpiresAt"/> (plus <see cref="UrlExpiryGrace"/> for clock skew with S3) leaves the hold
/// set to that instant, and a sweeper deletes the key once more after it (aborting a multipart upload again too); only
/// then is the key known to stay empty.
/// </para>
/// </remarks>
internal sealed partial class UploadTransitions(
    IPendingUploadStore store,
    S3Gateway s3,
    TimeProvider timeProvider,
    IOptionsMonitor<S3UploadsOptions> options,
    ILoggerFactory? loggerFactory = null)
{
    /// <summary>How long after <see cref="UploadRecord.UploadExpiresAt"/> a presigned upload might still be accepted by an
    /// S3 whose clock is behind this server's.</summary>
    internal static readonly TimeSpan UrlExpiryGrace = TimeSpan.FromSeconds(30);

    private readonly ILogger _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<UploadTransitions>();

    public IPendingUploadStore Store => store;

    public S3Gateway S3 => s3;

    public TimeProvider Time => timeProvider;

    /// <summary>
    /// Pending → <paramref name="status"/>, with the object's removal held by this call; the winner then deletes the
    /// object. Returns the stored record, or null when the CAS lost.
    /// </summary>
    public async ValueTask<UploadRecord?> EndPendingAsync(
        UploadRecord pending,
        UploadStatus status,
        string? reason,
        CancellationToken cancellationToken,
        Func<UploadRecord, UploadRecord>? amend = null)
    {
        var now = timeProvider.GetUtcNow();
        var next = pending with
        {
            Status = status,
            StatusReason = reason,
            UpdatedAt = now,
            ClaimedUntil = now + options.CurrentValue.SweepLease,
        };
        if (amend is not null)
        {
            next = amend(next);
        }

        var stored = await store.TryUpdateAsync(next, cancellationToken).ConfigureAwait(false);
        return stored is null ? null : await FinishRemovalAsync(stored, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// What an ended upload's hold becomes once its object has been deleted at <paramref name="now"/>: the instant after
    /// which its presigned request can no longer write the key, if that is still to come; otherwise none (done). The
    /// same for multipart uploads: their part URLs die with the abort, but a completion already under way at S3 when
    /// the upload was cancelled can still create the object.
    /// </summary>
    public static DateTimeOffset? HoldAfterRemoval(UploadRecord ended, DateTimeOffset now)
    {
        var writable = ended.UploadExpiresAt + UrlExpiryGrace;
        return now < writable ? writable : null;
    }

    /// <summary>
    /// Deletes the object (or aborts the multipart upload) of an ended upload whose removal is outstanding, then
    /// records it (<see cref="HoldAfterRemoval"/>). Failures are logged, not thrown: the hold then runs out and a
    /// sweeper retries.
    /// </summary>
    /// <returns>The record as last stored.</returns>
    public async ValueTask<UploadRecord> FinishRemovalAsync(UploadRecord ended, CancellationToken cancellationToken)
    {
        var deletingAt = timeProvider.GetUtcNow();
        try
        {
            if (ended.MultipartUploadId is { } uploadId)
            {
                await s3.AbortMultipartAsync(ended.Bucket, ended.Key, uploadId, cancellationToken).ConfigureAwait(false);
            }

            await s3.DeleteAsync(ended.Bucket, ended.Key, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogDeleteFailed(_logger, e, ended.Id, ended.Key, ended.Status, ended.ClaimedUntil);
            return ended;
        }

        try
        {
            // Lost CAS: a sweeper took the removal over meanwhile; it deletes again (a no-op) and records it.
            var hold = HoldAfterRemoval(ended, deletingAt);
            return await store.TryUpdateAsync(ended with { ClaimedUntil = hold }, cancellationToken).ConfigureAwait(false) ?? ended;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The object is gone; only the record still says otherwise, and a sweeper will tidy it.
            LogHoldNotCleared(_logger, e, ended.Id);
            return ended;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Could not delete the object of upload {Id} (key {Key}, now {Status}); a sweeper retries after {RetryAfter}.")]
    private static partial void LogDeleteFailed(
        ILogger logger, Exception exception, string id, string key, UploadStatus status, DateTimeOffset? retryAfter);

    [LoggerMessage(Level = LogLevel.Debug,
        Message = "Deleted the object of upload {Id} but could not record it; a sweeper will.")]
    private static partial void LogHoldNotCleared(ILogger logger, Exception exception, string id);
}
