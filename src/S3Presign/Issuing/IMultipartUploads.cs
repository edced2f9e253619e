using S3Presign.Validation;

namespace S3Presign.Issuing;

/// <summary>
/// The steps of a multipart upload after it was issued (<see cref="IUploadUrlIssuer.IssueAsync"/> with
/// <see cref="Storage.UploadMode.Multipart"/>, or automatically above <see cref="S3UploadsOptions.MultipartThreshold"/>):
/// sign part URLs in batches, list the parts S3 holds (to resume), and complete. Cancelling is
/// <see cref="Lifecycle.IUploadManager.DeleteAsync"/>, which aborts the multipart upload; the sweeper aborts those not
/// validated by their deadline. Another owner's upload is answered like an id that does not exist.
/// </summary>
public interface IMultipartUploads
{
    /// <summary>Presigns one <c>PUT</c> per part number. Each part but the last must be exactly
    /// <see cref="IssuedUpload.PartSize"/> bytes (S3 refuses parts under 5 MiB other than the last at completion).</summary>
    /// <param name="id">The upload id.</param>
    /// <param name="owner">The caller.</param>
    /// <param name="partNumbers">Part numbers from 1 to <see cref="IssuedUpload.PartCount"/>; at most 1000 per call.</param>
    /// <param name="cancellationToken">The token to cancel the operation.</param>
    /// <returns>The URLs, which expire with the upload's presigned requests (<see cref="IssuedUpload.ExpiresAt"/>); or
    /// <c>not_found</c>, <c>not_multipart</c>, <c>invalid_part_number</c>, <c>not_pending</c>, <c>expired</c>.</returns>
    ValueTask<PartUrlsResult> SignPartsAsync(string id, string owner, IReadOnlyCollection<int> partNumbers, CancellationToken cancellationToken = default);

    /// <summary>Lists the parts S3 holds for a pending multipart upload, in part-number order, so a client can resume.</summary>
    /// <param name="id">The upload id.</param>
    /// <param name="owner">The caller.</param>
    /// <param name="cancellationToken">The token to cancel the operation.</param>
    /// <returns>The parts; or <c>not_found</c>, <c>not_multipart</c>, <c>not_pending</c>, <c>expired</c>.</returns>
    ValueTask<UploadedPartsResult> ListPartsAsync(string id, string owner, CancellationToken cancellationToken = default);

    /// <summary>Completes the multipart upload with the client's part ETags, then validates it exactly as
    /// <see cref="IUploadValidator.ValidateAsync"/> does and returns that result. Idempotent: completing an upload S3
    /// already completed just validates it.</summary>
    /// <param name="id">The upload id.</param>
    /// <param name="owner">The caller.</param>
    /// <param name="parts">Every part, with the ETag S3 answered to its <c>PUT</c>.</param>
    /// <param name="cancellationToken">The token to cancel the operation.</param>
    /// <returns>The validation result; <c>invalid_parts</c> (outcome <see cref="UploadValidationOutcome.NotUploaded"/>,
    /// the upload stays pending) when the list is malformed or S3 refuses it, <c>not_multipart</c> for other uploads.</returns>
    ValueTask<UploadValidationResult> CompleteAsync(string id, string owner, IReadOnlyCollection<CompletedPart> parts, CancellationToken cancellationToken = default);
}

/// <summary>A presigned URL for one part.</summary>
/// <param name="PartNumber">The part number (1-based).</param>
/// <param name="Url">The presigned <c>PUT</c> URL.</param>
public sealed record PartUrl(int PartNumber, Uri Url);

/// <summary>A part S3 holds.</summary>
/// <param name="PartNumber">The part number.</param>
/// <param name="Size">The part's size in bytes.</param>
/// <param name="ETag">The part's ETag, without quotes.</param>
public sealed record UploadedPart(int PartNumber, long Size, string ETag);

/// <summary>A part as the client reports it when completing.</summary>
/// <param name="PartNumber">The part number.</param>
/// <param name="ETag">The ETag S3 answered to the part's <c>PUT</c> (quotes optional).</param>
public sealed record CompletedPart(int PartNumber, string ETag);

/// <summary>The result of <see cref="IMultipartUploads.SignPartsAsync"/>.</summary>
/// <param name="Parts">The URLs, in the order asked for, when signed.</param>
/// <param name="ExpiresAt">When the URLs stop working.</param>
/// <param name="Error">Why nothing was signed.</param>
public sealed record PartUrlsResult(IReadOnlyList<PartUrl>? Parts, DateTimeOffset? ExpiresAt, UploadError? Error)
{
    /// <summary>Gets whether URLs were signed.</summary>
    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(true, nameof(Parts), nameof(ExpiresAt))]
    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(false, nameof(Error))]
    public bool Succeeded => Error is null;
}

/// <summary>The result of <see cref="IMultipartUploads.ListPartsAsync"/>.</summary>
/// <param name="Parts">The parts, when listed.</param>
/// <param name="Error">Why nothing was listed.</param>
public sealed record UploadedPartsResult(IReadOnlyList<UploadedPart>? Parts, UploadError? Error)
{
    /// <summary>Gets whether the parts were listed.</summary>
    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(true, nameof(Parts))]
    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(false, nameof(Error))]
    public bool Succeeded => Error is null;
}
