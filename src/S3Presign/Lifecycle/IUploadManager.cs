using S3Presign.Storage;

namespace S3Presign.Lifecycle;

/// <summary>
/// Reads, lists, deletes and hands out download links for an owner's uploads. Another owner's upload is
/// answered exactly like an id that does not exist.
/// </summary>
public interface IUploadManager
{
    /// <summary>Gets one upload.</summary>
    /// <param name="id">The upload id.</param>
    /// <param name="owner">The caller.</param>
    /// <param name="cancellationToken">The token to cancel the operation.</param>
    /// <returns>The record, or <see langword="null"/> when none is visible to <paramref name="owner"/>.</returns>
    ValueTask<UploadRecord?> GetAsync(string id, string owner, CancellationToken cancellationToken = default);

    /// <summary>Lists the owner's uploads, newest first.</summary>
    /// <param name="query">The filters, including the owner.</param>
    /// <param name="cancellationToken">The token to cancel the enumeration.</param>
    /// <returns>The matching records.</returns>
    IAsyncEnumerable<UploadRecord> ListAsync(UploadQuery query, CancellationToken cancellationToken = default);

    /// <summary>Cancels a pending upload or deletes a validated file, object included.</summary>
    /// <param name="id">The upload id.</param>
    /// <param name="owner">The caller.</param>
    /// <param name="cancellationToken">The token to cancel the operation.</param>
    /// <returns><see langword="true"/> when the upload existed for <paramref name="owner"/> (and is now gone or was
    /// already rejected or expired); <see langword="false"/> when not found.</returns>
    ValueTask<bool> DeleteAsync(string id, string owner, CancellationToken cancellationToken = default);

    /// <summary>Presigns a GET for a validated file.</summary>
    /// <param name="id">The upload id.</param>
    /// <param name="owner">The caller.</param>
    /// <param name="cancellationToken">The token to cancel the operation.</param>
    /// <returns>The URL and when it expires; an error <c>not_found</c> or <c>not_validated</c> otherwise.</returns>
    ValueTask<DownloadUrlResult> GetDownloadUrlAsync(string id, string owner, CancellationToken cancellationToken = default);

    /// <summary>Presigns a GET for a validated file, with its own lifetime and, optionally, a
    /// <c>Content-Disposition</c> that S3 sends with the bytes, naming the original file (RFC 6266, with an RFC 5987
    /// <c>filename*</c> for non-ASCII names).</summary>
    /// <param name="id">The upload id.</param>
    /// <param name="owner">The caller.</param>
    /// <param name="download">The disposition and lifetime; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">The token to cancel the operation.</param>
    /// <returns>The URL and when it expires; an error <c>not_found</c>, <c>not_validated</c> or <c>invalid_expiry</c> otherwise.</returns>
    ValueTask<DownloadUrlResult> GetDownloadUrlAsync(string id, string owner, DownloadOptions? download, CancellationToken cancellationToken = default);
}

/// <summary>How a download link presents the file.</summary>
public enum DownloadDisposition
{
    /// <summary>No <c>Content-Disposition</c>: the browser decides.</summary>
    None = 0,

    /// <summary><c>inline</c> with the original file name: shown in the browser where it can be.</summary>
    Inline = 1,

    /// <summary><c>attachment</c> with the original file name: saved as a file.</summary>
    Attachment = 2,
}

/// <summary>Options of one download link.</summary>
public sealed record DownloadOptions
{
    /// <summary>Gets the disposition S3 answers with.</summary>
    public DownloadDisposition Disposition { get; init; }

    /// <summary>Gets the link's lifetime.</summary>
    /// <value>Defaults to <see langword="null"/>, meaning <see cref="S3UploadsOptions.DownloadUrlExpiry"/>; at most
    /// <see cref="S3UploadsOptions.MaxDownloadUrlExpiry"/>.</value>
    public TimeSpan? ExpiresIn { get; init; }
}

/// <summary>The result of <c>IUploadManager.GetDownloadUrlAsync</c>.</summary>
/// <param name="Url">The presigned GET URL, when issued.</param>
/// <param name="ExpiresAt">When the URL stops working.</param>
/// <param name="Error">Why no URL was issued.</param>
public sealed record DownloadUrlResult(Uri? Url, DateTimeOffset? ExpiresAt, UploadError? Error)
{
    /// <summary>Gets whether a URL was issued.</summary>
    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(true, nameof(Url), nameof(ExpiresAt))]
    public bool Succeeded => Url is not null && ExpiresAt is not null;
}
