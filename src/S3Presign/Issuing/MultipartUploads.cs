using Microsoft.Extensions.Options;
using S3Presign.Lifecycle;
using S3Presign.Signing;
using S3Presign.Storage;
using S3Presign.Validation;

namespace S3Presign.Issuing;

/// <summary>The default <see cref="IMultipartUploads"/>.</summary>
internal sealed class MultipartUploads(
    UploadTransitions transitions,
    MultipartPresigner presigner,
    IUploadValidator validator,
    IOptionsMonitor<S3UploadsOptions> options) : IMultipartUploads
{
    /// <summary>The most part URLs one call signs.</summary>
    public const int MaxPartsPerBatch = 1000;

    public async ValueTask<PartUrlsResult> SignPartsAsync(
        string id, string owner, IReadOnlyCollection<int> partNumbers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(partNumbers);

        var (record, error) = await FindPendingAsync(id, owner, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            return new PartUrlsResult(null, null, error);
        }

        var now = transitions.Time.GetUtcNow();
        if (now >= record!.UploadExpiresAt)
        {
            return new PartUrlsResult(null, null, new UploadError(UploadErrorCodes.Expired,
                "The upload's presigned requests have expired; cancel it and issue a new one."));
        }

        var partCount = PartCount(record);
        if (partNumbers.Count is 0 or > MaxPartsPerBatch)
        {
            return new PartUrlsResult(null, null, new UploadError(UploadErrorCodes.InvalidPartNumber,
                $"Ask for 1 to {MaxPartsPerBatch} part numbers at a time."));
        }

        var seen = new HashSet<int>();
        foreach (var number in partNumbers)
        {
            if (number < 1 || number > partCount || !seen.Add(number))
            {
                return new PartUrlsResult(null, null, new UploadError(UploadErrorCodes.InvalidPartNumber,
                    $"Part numbers must be distinct and from 1 to {partCount}; {number} is not."));
            }
        }

        var expiresAt = record.UploadExpiresAt;
        var urls = partNumbers
            .Select(n => new PartUrl(n, presigner.PresignPart(record.Bucket, record.Key, record.MultipartUploadId!, n, expiresAt)))
            .ToList();
        return new PartUrlsResult(urls, expiresAt, null);
    }

    public async ValueTask<UploadedPartsResult> ListPartsAsync(string id, string owner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(owner);

        var (record, error) = await FindPendingAsync(id, owner, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            return new UploadedPartsResult(null, error);
        }

        var parts = await transitions.S3.ListPartsAsync(record!.Bucket, record.Key, record.MultipartUploadId!, cancellationToken)
            .ConfigureAwait(false);
        if (parts is null)
        {
            return new UploadedPartsResult(null, new UploadError(UploadErrorCodes.NotPending,
                "The multipart upload was already completed or aborted; validate it or issue a new one."));
        }

        return new UploadedPartsResult(parts.OrderBy(p => p.PartNumber).Select(p => new UploadedPart(p.PartNumber, p.Size, p.ETag)).ToList(), null);
    }

    public async ValueTask<UploadValidationResult> CompleteAsync(
        string id, string owner, IReadOnlyCollection<CompletedPart> parts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(parts);

        var record = await transitions.Store.FindAsync(id, cancellationToken).ConfigureAwait(false);
        if (record is null || record.Status == UploadStatus.Deleted || !string.Equals(record.Owner, owner, StringComparison.Ordinal))
        {
            return new UploadValidationResult(UploadValidationOutcome.NotFound, null,
                new UploadError(UploadErrorCodes.NotFound, "No such upload."));
        }

        if (record.Mode != UploadMode.Multipart || record.MultipartUploadId is null)
        {
            return new UploadValidationResult(UploadValidationOutcome.NotUploaded, record,
                new UploadError(UploadErrorCodes.NotMultipart, "This upload is not a multipart upload."));
        }

        if (record.Status == UploadStatus.Pending && transitions.Time.GetUtcNow() < record.ValidateBefore)
        {
            var partCount = PartCount(record);
            var invalid = CheckParts(parts, partCount);
            if (invalid is not null)
            {
                return new UploadValidationResult(UploadValidationOutcome.NotUploaded, record, invalid);
            }

            var refusal = await transitions.S3.CompleteMultipartAsync(
                record.Bucket, record.Key, record.MultipartUploadId,
                parts.OrderBy(p => p.PartNumber).Select(p => (p.PartNumber, Quote(p.ETag))),
                cancellationToken).ConfigureAwait(false);
            if (refusal is not null and not "NoSuchUpload")
            {
                return new UploadValidationResult(UploadValidationOutcome.NotUploaded, record,
                    new UploadError(UploadErrorCodes.InvalidParts, $"S3 refused the parts ({refusal}); the upload stays pending."));
            }

            if (refusal is null)
            {
                // The object is whole but not yet validated: make sure it carries the pending marker, so the lifecycle
                // safety net removes it should validation never happen (Ceph RGW drops CreateMultipartUpload's tags).
                await transitions.S3.PutPendingMarkerAsync(record.Bucket, record.Key, cancellationToken).ConfigureAwait(false);
            }

            // NoSuchUpload: completed by an earlier call (validate it) or aborted by a transition that won (report it).
        }

        // Settled uploads and expired deadlines are reported by the validator, which also makes S3 agree with them.
        return await validator.ValidateAsync(id, owner, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<(UploadRecord? Record, UploadError? Error)> FindPendingAsync(string id, string owner, CancellationToken cancellationToken)
    {
        var record = await transitions.Store.FindAsync(id, cancellationToken).ConfigureAwait(false);
        if (record is null || record.Status == UploadStatus.Deleted || !string.Equals(record.Owner, owner, StringComparison.Ordinal))
        {
            return (null, new UploadError(UploadErrorCodes.NotFound, "No such upload."));
        }

        if (record.Mode != UploadMode.Multipart || record.MultipartUploadId is null)
        {
            return (null, new UploadError(UploadErrorCodes.NotMultipart, "This upload is not a multipart upload."));
        }

        if (record.Status == UploadStatus.Expired || (record.Status == UploadStatus.Pending && transitions.Time.GetUtcNow() >= record.ValidateBefore))
        {
            return (null, new UploadError(UploadErrorCodes.Expired, "The upload was not completed in time."));
        }

        if (record.Status != UploadStatus.Pending)
        {
            return (null, new UploadError(UploadErrorCodes.NotPending, $"The upload is already {record.Status.ToString().ToLowerInvariant()}."));
        }

        return (record, null);
    }

    private int PartCount(UploadRecord record) =>
        MultipartPlan.For(record.DeclaredSize ?? 0, options.CurrentValue.MultipartPartSize).PartCount;

    private static UploadError? CheckParts(IReadOnlyCollection<CompletedPart> parts, int partCount)
    {
        if (parts.Count == 0 || parts.Count > partCount)
        {
            return new UploadError(UploadErrorCodes.InvalidParts, $"Give 1 to {partCount} parts.");
        }

        var seen = new HashSet<int>();
        foreach (var part in parts)
        {
            if (part is null || part.PartNumber < 1 || part.PartNumber > partCount || !seen.Add(part.PartNumber))
            {
                return new UploadError(UploadErrorCodes.InvalidParts, $"Part numbers must be distinct and from 1 to {partCount}.");
            }

            var etag = part.ETag?.Trim('"');
            if (string.IsNullOrEmpty(etag) || etag.Length > 128 || !etag.All(c => c is > ' ' and <= '~' and not '"'))
            {
                return new UploadError(UploadErrorCodes.InvalidParts, $"Part {part.PartNumber} has no valid ETag.");
            }
        }

        return null;
    }

    private static string Quote(string etag) => "\"" + etag.Trim('"') + "\"";
}
