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
                    // Object first: a failure leaves a consistent Validated upload; the record follows, holding one more
                    // delete for after the presigned request has expired if it is still valid.
                    var deletingAt = transitions.Time.GetUtcNow();
                    await transitions.S3.DeleteAsync(record.Bucket, record.Key, cancellationToken).ConfigureAwait(false);
                    var deleted = record with
                    {
                        Status = UploadStatus.Deleted,
                        UpdatedAt = transitions.Time.GetUtcNow(),
                        ClaimedUntil = UploadTransitions.HoldAfterRemoval(record, deletingAt),
                    };
                    if (await store.TryUpdateAsync(deleted, cancellationToken).ConfigureAwait(false) is not null)
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

    public ValueTask<DownloadUrlResult> GetDownloadUrlAsync(string id, string owner, CancellationToken cancellationToken = default) =>
        GetDownloadUrlAsync(id, owner, null, cancellationToken);

    public async ValueTask<DownloadUrlResult> GetDownloadUrlAsync(
        string id, string owner, DownloadOptions? download, CancellationToken cancellationToken = default)
    {
        var settings = options.CurrentValue;
        var lifetime = download?.ExpiresIn ?? settings.DownloadUrlExpiry;
        if (lifetime < TimeSpan.FromSeconds(1) || lifetime > settings.MaxDownloadUrlExpiry)
        {
            return new DownloadUrlResult(null, null, new UploadError(UploadErrorCodes.InvalidExpiry,
                $"A download link lives from 1 second to {settings.MaxDownloadUrlExpiry.TotalSeconds:0} seconds."));
        }

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

        var expiresAt = transitions.Time.GetUtcNow() + lifetime;
        var disposition = download?.Disposition switch
        {
            DownloadDisposition.Attachment => ContentDisposition("attachment", record.FileName),
            DownloadDisposition.Inline => ContentDisposition("inline", record.FileName),
            _ => null,
        };
        var url = presigner.PresignGet(record.Bucket, record.Key, expiresAt, disposition);
        return new DownloadUrlResult(url, expiresAt, null);
    }

    /// <summary>
    /// <c>attachment; filename="ascii fallback"; filename*=UTF-8''percent-encoded</c> (RFC 6266 with RFC 5987): old
    /// clients read the quoted ASCII name, every current browser the exact UTF-8 one.
    /// </summary>
    internal static string ContentDisposition(string type, string fileName)
    {
        var name = fileName.Replace('\\', '/');
        name = name[(name.LastIndexOf('/') + 1)..];
        if (name.Length == 0)
        {
            name = "download";
        }

        var fallback = new System.Text.StringBuilder(name.Length);
        foreach (var c in name.Normalize(System.Text.NormalizationForm.FormD))
        {
            if (System.Globalization.CharUnicodeInfo.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.NonSpacingMark)
            {
                continue;
            }

            fallback.Append(c is >= ' ' and <= '~' and not '"' and not '\\' and not '%' ? c : '_');
        }

        var encoded = new System.Text.StringBuilder();
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(name))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '!' or '#' or '$' or '&' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~')
            {
                encoded.Append(c);
            }
            else
            {
                encoded.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return $"{type}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}";
    }

    private static bool Visible(UploadRecord? record, string owner) =>
        record is not null
        && record.Status != UploadStatus.Deleted
        && string.Equals(record.Owner, owner, StringComparison.Ordinal);
}
