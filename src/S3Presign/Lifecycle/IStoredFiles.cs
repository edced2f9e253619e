namespace S3Presign.Lifecycle;

/// <summary>
/// Lists the objects in the bucket under the configured key prefix, straight from S3, for back-office views and
/// reconciliation. Deleting goes through <see cref="IUploadManager.DeleteAsync"/>, so the store and S3 stay in step.
/// </summary>
public interface IStoredFiles
{
    /// <summary>Lists objects under <c>{KeyPrefix}/{prefix}</c> in key order, paging through S3 as the caller enumerates.</summary>
    /// <param name="prefix">A prefix below the configured key prefix (e.g. a directory, <c>avatars/</c>); <see langword="null"/> for all.</param>
    /// <param name="includeDownloadUrls">Whether to presign a GET URL for each object (no S3 request; signed locally).</param>
    /// <param name="cancellationToken">The token to cancel the enumeration.</param>
    /// <returns>The objects.</returns>
    IAsyncEnumerable<StoredFile> ListAsync(string? prefix = null, bool includeDownloadUrls = false, CancellationToken cancellationToken = default);
}

/// <summary>An object in the bucket.</summary>
/// <param name="Key">The object key.</param>
/// <param name="Name">The key's last segment.</param>
/// <param name="Size">The size in bytes.</param>
/// <param name="LastModified">When it was written.</param>
/// <param name="ETag">The ETag, without quotes.</param>
/// <param name="DownloadUrl">A presigned GET URL, when asked for.</param>
/// <param name="DownloadUrlExpiresAt">When <paramref name="DownloadUrl"/> stops working.</param>
public sealed record StoredFile(
    string Key,
    string Name,
    long Size,
    DateTimeOffset? LastModified,
    string? ETag,
    Uri? DownloadUrl,
    DateTimeOffset? DownloadUrlExpiresAt);
