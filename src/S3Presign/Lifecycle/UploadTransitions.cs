using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using S3Presign.S3;
using S3Presign.Storage;

namespace S3Presign.Lifecycle;

/// <summary>
/// The state machine's side effects, in the order that keeps the store and S3 consistent when transitions race:
/// for a pending upload the compare-and-set in the store comes first and its winner then deletes the object (a
/// failed delete leaves the pending marker, so the bucket lifecycle rule still removes it); a validated object is
/// deleted first and its record updated after, so a validated record never points at nothing for long and an
/// object is never orphaned without its marker.
/// </summary>
internal sealed partial class UploadTransitions(
    IPendingUploadStore store,
    S3Gateway s3,
    TimeProvider timeProvider,
    ILoggerFactory? loggerFactory = null)
{
    private readonly ILogger _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<UploadTransitions>();

    public IPendingUploadStore Store => store;

    public S3Gateway S3 => s3;

    public TimeProvider Time => timeProvider;

    /// <summary>Pending → <paramref name="status"/>; the winner deletes the object. Returns the stored record, or null when the CAS lost.</summary>
    public async ValueTask<UploadRecord?> EndPendingAsync(
        UploadRecord pending,
        UploadStatus status,
        string? reason,
        CancellationToken cancellationToken,
        Func<UploadRecord, UploadRecord>? amend = null)
    {
        var next = pending with { Status = status, StatusReason = reason, UpdatedAt = timeProvider.GetUtcNow() };
        if (amend is not null)
        {
            next = amend(next);
        }

        var stored = await store.TryUpdateAsync(next, cancellationToken).ConfigureAwait(false);
        if (stored is not null)
        {
            await RemoveObjectBestEffortAsync(stored, cancellationToken).ConfigureAwait(false);
        }

        return stored;
    }

    /// <summary>Deletes the object (or aborts the multipart upload) of a record that has left Pending.</summary>
    public async ValueTask RemoveObjectBestEffortAsync(UploadRecord record, CancellationToken cancellationToken)
    {
        try
        {
            if (record.MultipartUploadId is { } uploadId)
            {
                await s3.AbortMultipartAsync(record.Bucket, record.Key, uploadId, cancellationToken).ConfigureAwait(false);
            }

            await s3.DeleteAsync(record.Bucket, record.Key, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The object still carries the pending marker: the bucket lifecycle rule removes it.
            LogDeleteFailed(_logger, e, record.Id, record.Key, record.Status);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Could not delete the object of upload {Id} (key {Key}, now {Status}); the bucket lifecycle rule will remove it.")]
    private static partial void LogDeleteFailed(ILogger logger, Exception exception, string id, string key, UploadStatus status);
}
