using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using S3Presign.Storage;

namespace S3Presign.Lifecycle;

/// <summary>The default <see cref="IUploadSweeper"/>.</summary>
internal sealed partial class UploadSweeper(
    UploadTransitions transitions,
    IOptionsMonitor<S3UploadsOptions> options,
    ILoggerFactory? loggerFactory = null) : IUploadSweeper
{
    private readonly ILogger _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<UploadSweeper>();

    public async ValueTask<SweepResult> SweepAsync(CancellationToken cancellationToken = default)
    {
        var settings = options.CurrentValue;
        var store = transitions.Store;
        var s3 = transitions.S3;
        int expired = 0, failed = 0, cleaned = 0;

        while (true)
        {
            var now = transitions.Time.GetUtcNow();
            var claimed = await store.ClaimExpiredAsync(now, settings.SweepBatchSize, settings.SweepLease, cancellationToken)
                .ConfigureAwait(false);
            if (claimed.Count == 0)
            {
                break;
            }

            LogClaimed(_logger, claimed.Count, now + settings.SweepLease);
            var undeleted = new HashSet<string>(StringComparer.Ordinal);
            foreach (var multipart in claimed.Where(r => r.MultipartUploadId is not null))
            {
                try
                {
                    await s3.AbortMultipartAsync(multipart.Bucket, multipart.Key, multipart.MultipartUploadId!, cancellationToken)
                        .ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    LogSweepFailed(_logger, e, 1);
                    undeleted.Add(multipart.Key);
                }
            }

            foreach (var bucket in claimed.GroupBy(r => r.Bucket, StringComparer.Ordinal))
            {
                var keys = bucket.Select(r => r.Key).Distinct(StringComparer.Ordinal).ToList();
                try
                {
                    undeleted.UnionWith(await s3.DeleteManyAsync(bucket.Key, keys, cancellationToken).ConfigureAwait(false));
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    // S3 stays down after retries: leave the claims to run out, so this or another sweeper retries.
                    LogSweepFailed(_logger, e, keys.Count);
                    undeleted.UnionWith(keys);
                }
            }

            foreach (var record in claimed)
            {
                if (undeleted.Contains(record.Key))
                {
                    failed++;
                    continue;
                }

                // The hold is computed from when the deletes were sent (now, at the claim): a PUT accepted after that
                // may have put the object back.
                if (record.Status != UploadStatus.Pending)
                {
                    // An upload ended by a cancel, rejection or late validation whose own removal did not finish, or
                    // whose key had to be deleted once more after its presigned request expired.
                    var removed = record with { ClaimedUntil = UploadTransitions.HoldAfterRemoval(record, now) };
                    if (await store.TryUpdateAsync(removed, cancellationToken).ConfigureAwait(false) is not null)
                    {
                        cleaned++;
                    }

                    continue;
                }

                var done = record with
                {
                    Status = UploadStatus.Expired,
                    StatusReason = UploadErrorCodes.Expired,
                    UpdatedAt = transitions.Time.GetUtcNow(),
                    ClaimedUntil = UploadTransitions.HoldAfterRemoval(record, now),
                };
                if (await store.TryUpdateAsync(done, cancellationToken).ConfigureAwait(false) is not null)
                {
                    expired++;
                }
            }

            if (claimed.Count < settings.SweepBatchSize || failed > 0)
            {
                // A short batch means nothing else is due; after failures, stop and let the claims run out.
                break;
            }
        }

        if (expired > 0 || failed > 0 || cleaned > 0)
        {
            LogSwept(_logger, expired, cleaned, failed);
        }

        return new SweepResult(expired, failed, cleaned);
    }

    // Round-trip format: the batch's exact claimed_until, to find it in the store.
    [LoggerMessage(Level = LogLevel.Information, Message = "Sweeper claimed {Count} expired uploads or unfinished removals until {ClaimedUntil:O}.")]
    private static partial void LogClaimed(ILogger logger, int count, DateTimeOffset claimedUntil);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Sweep expired {Expired} uploads and finished deleting the objects of {Cleaned} ended ones; {Failed} could not be deleted and will be retried.")]
    private static partial void LogSwept(ILogger logger, int expired, int cleaned, int failed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweeper could not delete {Count} objects; their claims will run out and be retried.")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception, int count);
}
