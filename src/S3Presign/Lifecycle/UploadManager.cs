using Microsoft.Extensions.Options;
using S3Presign.Signing;
using S3Presign.Storage;

namespace S3Presign.Lifecycle;

/// <summary>The default <see cref="IUploadManager"/>.</summary>
internal sealed class UploadManager(
    UploadTransitions transitions,
    UploadPresigner presigner,
    IOptionsMonitor<S3UploadsOptions> options) : IUploadManager
{
    public async ValueTask<UploadRecord?> GetAsync(string id, string owner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(owner);
        var record = await transitions.Store.FindAsync(id, cancellationToken).ConfigureAwait(false);
        return Visible(record, owner) ? record : null;
    }

    public IAsyncEnumerable<UploadRecord> ListAsync(UploadQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return transitions.Store.ListAsync(query with { Limit = Math.Clamp(query.Limit, 0, 1000) }, cancellationToken);
    }

    public async ValueTask<bool> DeleteAsync(string id, string owner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(owner);
        var store = transitions.Store;
        for (var attempt = 0; attempt < 8; attempt++)
        {
            var record = await store.FindAsync(id, cancellationToken).ConfigureAwait(false);
            if (!Visible(record, owner))
            {
                return false;
            }

            switch (record!.Status)
            {
                case UploadStatus.Pending:
                    if (await transitions.EndPendingAsync(record, UploadStatus.Deleted, null, cancellationToken).ConfigureAwait(false) is not null)
                    {
                        return true;
                    }

                    break;

                case UploadStatus.Validated:
                    // Object first: a failure leaves a consistent Validated upload; the record follows.
                    await transitions.S3.DeleteAsync(record.Bucket, record.Key, cancellationToken).ConfigureAwait(false);
                    var now = transitions.Time.GetUtcNow();
                    if (await store.TryUpdateAsync(record with { Status = UploadStatus.Deleted, UpdatedAt = now }, cancellationToken)
                            .ConfigureAwait(false) is not null)
                    {
                        return true;
                    }

                    break;

                default:
                    // Rejected or expired: the object is already gone.
                    return true;
            }
        }

        throw new InvalidOperationException($"Upload '{id}' kept changing while being deleted.");
    }

    public async ValueTask<DownloadUrlResult> GetDownloadUrlAsync(string id, string owner, CancellationToken cancellationToken = default)
    {
        var record = await GetAsync(id, owner, cancellationToken).ConfigureAwait(false);
        if (record is null)
        {
            return new DownloadUrlResult(null, null, new UploadError(UploadErrorCodes.NotFound, "No such upload."));
        }

        if (record.Status != UploadStatus.Validated)
        {
            return new DownloadUrlResult(null, null,
                new UploadError(UploadErrorCodes.NotValidated, "Only validated files can be downloaded."));
        }

        var expiresAt = transitions.Time.GetUtcNow() + options.CurrentValue.DownloadUrlExpiry;
        var url = presigner.PresignGet(record.Bucket, record.Key, expiresAt);
        return new DownloadUrlResult(url, expiresAt, null);
    }

    private static bool Visible(UploadRecord? record, string owner) =>
        record is not null
        && record.Status != UploadStatus.Deleted
        && string.Equals(record.Owner, owner, StringComparison.Ordinal);
}
