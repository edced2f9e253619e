using System.Net;
using Amazon.S3;
using Microsoft.Extensions.Options;
using S3Presign.Lifecycle;
using S3Presign.Storage;

namespace S3Presign.Validation;

/// <summary>
/// The default <see cref="IUploadValidator"/>: one HEAD, one ranged GET of the first bytes when sniffing is on, one
/// full read only when the client declared a SHA-256 the server did not verify, and one tagging call to remove the
/// pending marker on success.
/// </summary>
internal sealed class UploadValidator(
    UploadTransitions transitions,
    IOptionsMonitor<S3UploadsOptions> options,
    IEnumerable<IUploadValidationRule> rules) : IUploadValidator
{
    private readonly IUploadValidationRule[] _rules = rules.ToArray();

    public async ValueTask<UploadValidationResult> ValidateAsync(string id, string owner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(owner);

        var store = transitions.Store;
        var record = await store.FindAsync(id, cancellationToken).ConfigureAwait(false);

        // A few rounds at most: each lost compare-and-set means another transition won, and we report that one.
        for (var attempt = 0; attempt < 4; attempt++)
        {
            if (record is null || !string.Equals(record.Owner, owner, StringComparison.Ordinal))
            {
                return NotFound();
            }

            if (record.Status != UploadStatus.Pending)
            {
                return Settled(record);
            }

            var now = transitions.Time.GetUtcNow();
            if (now >= record.ValidateBefore || record.ClaimedUntil is not null)
            {
                // Past the deadline (by our clock, or by a sweeper's that already claimed it).
                var expired = await transitions.EndPendingAsync(record, UploadStatus.Expired, UploadErrorCodes.Expired, cancellationToken)
                    .ConfigureAwait(false);
                if (expired is not null)
                {
                    return Settled(expired);
                }

                record = await store.FindAsync(id, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var s3 = transitions.S3;
            var uploaded = await s3.HeadAsync(record.Bucket, record.Key, cancellationToken).ConfigureAwait(false);
            if (uploaded is null)
            {
                // Nothing there, or no longer: while S3 calls were retried the deadline may have passed and a sweeper
                // deleted the object. Report what the record says now, not a stale "not uploaded".
                record = await store.FindAsync(id, cancellationToken).ConfigureAwait(false);
                if (AwaitsUpload(record))
                {
                    return NotUploaded(record!);
                }

                continue;
            }

            UploadError? error;
            try
            {
                error = await CheckAsync(record, uploaded, cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
            {
                // The object vanished while we looked at it: another transition deleted it. Report that one.
                record = await store.FindAsync(id, cancellationToken).ConfigureAwait(false);
                if (AwaitsUpload(record))
                {
                    return NotUploaded(record!);
                }

                continue;
            }

            UploadRecord? stored;
            if (error is not null)
            {
                stored = await transitions.EndPendingAsync(
                    record, UploadStatus.Rejected, error.Code, cancellationToken,
                    r => r with { Size = uploaded.Size, ETag = uploaded.ETag }).ConfigureAwait(false);
                if (stored is not null)
                {
                    return new UploadValidationResult(UploadValidationOutcome.Rejected, stored, error);
                }
            }
            else
            {
                // Marker first: if we then lose the race, the winner deletes the object anyway; if we won but had not
                // removed the marker, the lifecycle rule would later delete a validated object (I1).
                if (!await s3.RemovePendingMarkerAsync(record.Bucket, record.Key, cancellationToken).ConfigureAwait(false))
                {
                    record = await store.FindAsync(id, cancellationToken).ConfigureAwait(false);
                    if (AwaitsUpload(record))
                    {
                        return NotUploaded(record!);
                    }

                    continue;
                }

                var validatedAt = transitions.Time.GetUtcNow();
                if (validatedAt >= record.ValidateBefore)
                {
                    // The checks outlived the deadline (slow S3, retries): the upload was not validated in time, and the
                    // next round expires it (I2). Its marker is gone, but the expiry deletes the object either way.
                    continue;
                }

                stored = await store.TryUpdateAsync(
                    record with
                    {
                        Status = UploadStatus.Validated,
                        StatusReason = null,
                        ValidatedAt = validatedAt,
                        UpdatedAt = validatedAt,
                        Size = uploaded.Size,
                        ETag = uploaded.ETag,
                    },
                    cancellationToken).ConfigureAwait(false);
                if (stored is not null)
                {
                    return new UploadValidationResult(UploadValidationOutcome.Validated, stored, null);
                }
            }

            // Another transition won after we looked at the object (its winner holds the object's removal, and a
            // sweeper finishes it should the winner fail): report that one.
            record = await store.FindAsync(id, cancellationToken).ConfigureAwait(false);
        }

        // Out of rounds (every compare-and-set lost): report what the record says, and a deadline that has passed as
        // such even though a sweeper has still to record it.
        return record switch
        {
            null => NotFound(),
            { Status: UploadStatus.Pending } when AwaitsUpload(record) => NotUploaded(record),
            { Status: UploadStatus.Pending } => Settled(record with { Status = UploadStatus.Expired }) with { Upload = record },
            _ => Settled(record),
        };
    }

    /// <summary>Whether the upload is still waiting for its object: pending, unclaimed and before its deadline.</summary>
    private bool AwaitsUpload(UploadRecord? record) =>
        record is { Status: UploadStatus.Pending, ClaimedUntil: null } && transitions.Time.GetUtcNow() < record.ValidateBefore;

    private static UploadValidationResult NotUploaded(UploadRecord record) =>
        new(UploadValidationOutcome.NotUploaded, record, new UploadError(UploadErrorCodes.NotUploaded, "The file has not been uploaded yet."));

    private async ValueTask<UploadError?> CheckAsync(UploadRecord record, UploadedObject uploaded, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        if (record.DeclaredSize is { } declared && uploaded.Size != declared)
        {
            return new UploadError(UploadErrorCodes.SizeMismatch,
                $"The file is {uploaded.Size} bytes but {declared} bytes were declared.");
        }

        if (settings.MaxFileSize is { } max && uploaded.Size > max)
        {
            return new UploadError(UploadErrorCodes.TooLarge, $"The file is {uploaded.Size} bytes; at most {max} bytes are allowed.");
        }

        if (!ContentTypes.SameEssence(uploaded.ContentType, record.ContentType))
        {
            return new UploadError(UploadErrorCodes.ContentTypeMismatch,
                $"The file was stored as '{uploaded.ContentType}' but '{record.ContentType}' was declared.");
        }

        if (record.ContentMd5 is { } md5 && uploaded.ETag is { } etag && !etag.Contains('-', StringComparison.Ordinal)
            && !string.Equals(Convert.ToHexStringLower(Convert.FromBase64String(md5)), etag, StringComparison.OrdinalIgnoreCase))
        {
            return new UploadError(UploadErrorCodes.ChecksumMismatch, "The file's MD5 differs from the declared one.");
        }

        var s3 = transitions.S3;
        byte[] head = [];
        if (settings.SniffContent && uploaded.Size > 0)
        {
            head = await s3.ReadPrefixAsync(record.Bucket, record.Key, MagicBytes.PrefixLength, cancellationToken).ConfigureAwait(false);
            if (!MagicBytes.AgreesWith(record.ContentType, head))
            {
                return new UploadError(UploadErrorCodes.MagicBytesMismatch,
                    $"The file's content is not '{record.ContentType}'.");
            }
        }

        if (record.ChecksumSha256 is { } sha256)
        {
            // Real S3 verifies x-amz-checksum-sha256 and reports it; servers that do not (Ceph RGW) get a full read.
            var actual = uploaded.ChecksumSha256 is { } reported && !reported.Contains('-', StringComparison.Ordinal)
                ? reported
                : await s3.ComputeSha256Async(record.Bucket, record.Key, cancellationToken).ConfigureAwait(false);
            if (!string.Equals(actual, sha256, StringComparison.Ordinal))
            {
                return new UploadError(UploadErrorCodes.ChecksumMismatch, "The file's SHA-256 differs from the declared one.");
            }
        }

        if (_rules.Length > 0)
        {
            var context = new UploadValidationContext(record, uploaded, head,
                token => s3.OpenReadAsync(record.Bucket, record.Key, token));
            foreach (var rule in _rules)
            {
                if (await rule.ValidateAsync(context, cancellationToken).ConfigureAwait(false) is { } ruleError)
                {
                    return ruleError;
                }
            }
        }

        return null;
    }

    private static UploadValidationResult NotFound() =>
        new(UploadValidationOutcome.NotFound, null, new UploadError(UploadErrorCodes.NotFound, "No such upload."));

    private static UploadValidationResult Settled(UploadRecord record) => record.Status switch
    {
        UploadStatus.Validated => new UploadValidationResult(UploadValidationOutcome.Validated, record, null),
        UploadStatus.Rejected => new UploadValidationResult(UploadValidationOutcome.Rejected, record,
            new UploadError(record.StatusReason ?? "rejected", "The file was rejected and deleted.")),
        UploadStatus.Expired => new UploadValidationResult(UploadValidationOutcome.Expired, record,
            new UploadError(UploadErrorCodes.Expired, "The upload was not validated in time and has been deleted.")),
        _ => NotFound(),
    };
}
