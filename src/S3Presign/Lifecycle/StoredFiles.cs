using System.Runtime.CompilerServices;
using Amazon.S3.Model;
using Microsoft.Extensions.Options;
using S3Presign.S3;
using S3Presign.Signing;

namespace S3Presign.Lifecycle;

/// <summary>The default <see cref="IStoredFiles"/>: ListObjectsV2 pages of 1000 through the resilience pipeline.</summary>
internal sealed class StoredFiles(
    S3Gateway s3,
    UploadPresigner presigner,
    IOptionsMonitor<S3UploadsOptions> options,
    TimeProvider timeProvider) : IStoredFiles
{
    public async IAsyncEnumerable<StoredFile> ListAsync(
        string? prefix = null,
        bool includeDownloadUrls = false,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var settings = options.CurrentValue;
        var root = string.IsNullOrEmpty(settings.KeyPrefix) ? string.Empty : settings.KeyPrefix + "/";
        var fullPrefix = root + (prefix ?? string.Empty).TrimStart('/');
        string? token = null;
        do
        {
            var page = await s3.ExecuteAsync(
                (client, t) => client.ListObjectsV2Async(
                    new ListObjectsV2Request { BucketName = settings.Bucket, Prefix = fullPrefix, ContinuationToken = token, MaxKeys = 1000 },
                    t),
                cancellationToken).ConfigureAwait(false);

            var expiresAt = timeProvider.GetUtcNow() + settings.DownloadUrlExpiry;
            foreach (var item in page.S3Objects ?? [])
            {
                var slash = item.Key.LastIndexOf('/');
                yield return new StoredFile(
                    item.Key,
                    slash < 0 ? item.Key : item.Key[(slash + 1)..],
                    item.Size ?? 0,
                    item.LastModified is { } modified ? new DateTimeOffset(modified.ToUniversalTime(), TimeSpan.Zero) : null,
                    item.ETag?.Trim('"'),
                    includeDownloadUrls ? presigner.PresignGet(settings.Bucket, item.Key, expiresAt) : null,
                    includeDownloadUrls ? expiresAt : null);
            }

            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
    }
}
