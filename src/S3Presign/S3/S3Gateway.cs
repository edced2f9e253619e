using System.Net;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Options;
using Polly;
using S3Presign.Resilience;
using S3Presign.Validation;

namespace S3Presign.S3;

/// <summary>
/// The S3 calls the lifecycle makes, each through the resilience pipeline, with "not found" as a result.
/// </summary>
internal sealed class S3Gateway
{
    /// <summary>The tag that marks an object as pending; validation removes it, the lifecycle safety net expires on it.</summary>
    public const string PendingTagKey = "s3presign-pending";

    /// <summary>The value of <see cref="PendingTagKey"/>.</summary>
    public const string PendingTagValue = "1";

    /// <summary>The tagging header value signed into issued uploads.</summary>
    public const string PendingTagging = PendingTagKey + "=" + PendingTagValue;

    private readonly S3ClientProvider _clients;
    private readonly ResiliencePipeline _pipeline;

    public S3Gateway(S3ClientProvider clients, IOptions<S3UploadsOptions> options, TimeProvider timeProvider)
    {
        _clients = clients;
        _pipeline = S3Resilience.Create(options.Value, timeProvider);
    }

    public IAmazonS3 Client => _clients.Client;

    /// <summary>Counts S3 requests made through the gateway (for tests and diagnostics).</summary>
    public long RequestCount => Interlocked.Read(ref _requestCount);

    private long _requestCount;

    public ValueTask<T> ExecuteAsync<T>(Func<IAmazonS3, CancellationToken, Task<T>> call, CancellationToken cancellationToken) =>
        _pipeline.ExecuteAsync(
            static async (state, token) =>
            {
                Interlocked.Increment(ref state.Self._requestCount);
                return await state.Call(state.Self.Client, token).ConfigureAwait(false);
            },
            (Self: this, Call: call),
            cancellationToken);

    /// <summary>HEAD; <see langword="null"/> when the object does not exist.</summary>
    public async ValueTask<UploadedObject?> HeadAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        try
        {
            var response = await ExecuteAsync(
                (s3, token) => s3.GetObjectMetadataAsync(
                    new GetObjectMetadataRequest { BucketName = bucket, Key = key, ChecksumMode = ChecksumMode.ENABLED },
                    token),
                cancellationToken).ConfigureAwait(false);

            var metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var name in response.Metadata.Keys)
            {
                var shortName = name.StartsWith("x-amz-meta-", StringComparison.OrdinalIgnoreCase) ? name[11..] : name;
                metadata[shortName] = response.Metadata[name];
            }

            return new UploadedObject
            {
                Size = response.ContentLength,
                ContentType = response.Headers.ContentType,
                ETag = response.ETag?.Trim('"'),
                ChecksumSha256 = string.IsNullOrEmpty(response.ChecksumSHA256) ? null : response.ChecksumSHA256,
                LastModified = response.LastModified is { } modified ? new DateTimeOffset(modified.ToUniversalTime(), TimeSpan.Zero) : null,
                Metadata = metadata,
            };
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Reads up to <paramref name="count"/> bytes from the start of the object.</summary>
    public async ValueTask<byte[]> ReadPrefixAsync(string bucket, string key, int count, CancellationToken cancellationToken)
    {
        try
        {
            return await ExecuteAsync(
                async (s3, token) =>
                {
                    using var response = await s3.GetObjectAsync(
                        new GetObjectRequest { BucketName = bucket, Key = key, ByteRange = new ByteRange(0, count - 1) },
                        token).ConfigureAwait(false);
                    var buffer = new byte[count];
                    var read = 0;
                    while (read < count)
                    {
                        var n = await response.ResponseStream.ReadAsync(buffer.AsMemory(read), token).ConfigureAwait(false);
                        if (n == 0) break;
                        read += n;
                    }

                    return read == count ? buffer : buffer[..read];
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            return [];
        }
    }

    /// <summary>Streams the whole object through SHA-256; a vanished object throws (404).</summary>
    public async ValueTask<string> ComputeSha256Async(string bucket, string key, CancellationToken cancellationToken)
    {
            return await ExecuteAsync(
                async (s3, token) =>
                {
                    using var response = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key }, token)
                        .ConfigureAwait(false);
                    var hash = await SHA256.HashDataAsync(response.ResponseStream, token).ConfigureAwait(false);
                    return Convert.ToBase64String(hash);
                },
                cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Opens the object for reading (for custom validation rules).</summary>
    public async Task<Stream> OpenReadAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        var response = await ExecuteAsync(
            (s3, token) => s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key }, token),
            cancellationToken).ConfigureAwait(false);
        return response.ResponseStream;
    }

    /// <summary>Removes the pending marker (all tags) from a validated object. Returns false when the object is gone.</summary>
    public async ValueTask<bool> RemovePendingMarkerAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        try
        {
            await ExecuteAsync(
                (s3, token) => s3.DeleteObjectTaggingAsync(new DeleteObjectTaggingRequest { BucketName = bucket, Key = key }, token),
                cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>Deletes one object; a missing object counts as deleted.</summary>
    public async ValueTask DeleteAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        try
        {
            await ExecuteAsync(
                (s3, token) => s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = key }, token),
                cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            // Already gone.
        }
    }

    /// <summary>Deletes up to 1000 objects in one request; returns the keys S3 could not delete.</summary>
    public async ValueTask<IReadOnlySet<string>> DeleteManyAsync(string bucket, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        if (keys.Count == 0)
        {
            return new HashSet<string>();
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThan(keys.Count, 1000);
        try
        {
            var response = await ExecuteAsync(
                (s3, token) => s3.DeleteObjectsAsync(
                    new DeleteObjectsRequest
                    {
                        BucketName = bucket,
                        Quiet = true,
                        Objects = keys.Select(k => new KeyVersion { Key = k }).ToList(),
                    },
                    token),
                cancellationToken).ConfigureAwait(false);
            return (response.DeleteErrors ?? []).Where(e => e.Code != "NoSuchKey").Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
        }
        catch (DeleteObjectsException e)
        {
            return (e.Response?.DeleteErrors ?? []).Where(x => x.Code != "NoSuchKey").Select(x => x.Key).ToHashSet(StringComparer.Ordinal);
        }
    }

    /// <summary>Aborts a multipart upload; an unknown upload id counts as aborted.</summary>
    public async ValueTask AbortMultipartAsync(string bucket, string key, string uploadId, CancellationToken cancellationToken)
    {
        try
        {
            await ExecuteAsync(
                (s3, token) => s3.AbortMultipartUploadAsync(
                    new AbortMultipartUploadRequest { BucketName = bucket, Key = key, UploadId = uploadId }, token),
                cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            // NoSuchUpload: already completed or aborted.
        }
    }

    /// <summary>Starts a multipart upload that carries the content type, the metadata and the pending marker.</summary>
    /// <returns>The multipart upload id.</returns>
    public async ValueTask<string> CreateMultipartAsync(
        string bucket, string key, string contentType, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var response = await ExecuteAsync(
            (s3, token) =>
            {
                var request = new InitiateMultipartUploadRequest
                {
                    BucketName = bucket,
                    Key = key,
                    ContentType = contentType,
                    TagSet = [new Tag { Key = PendingTagKey, Value = PendingTagValue }],
                };
                foreach (var (name, value) in metadata)
                {
                    request.Metadata.Add(name, value);
                }

                return s3.InitiateMultipartUploadAsync(request, token);
            },
            cancellationToken).ConfigureAwait(false);
        return response.UploadId;
    }

    /// <summary>Lists the parts uploaded so far; <see langword="null"/> when the multipart upload no longer exists.</summary>
    public async ValueTask<IReadOnlyList<(int PartNumber, long Size, string ETag)>?> ListPartsAsync(
        string bucket, string key, string uploadId, CancellationToken cancellationToken)
    {
        var parts = new List<(int, long, string)>();
        string? marker = null;
        try
        {
            while (true)
            {
                var page = await ExecuteAsync(
                    (s3, token) => s3.ListPartsAsync(
                        new ListPartsRequest { BucketName = bucket, Key = key, UploadId = uploadId, PartNumberMarker = marker },
                        token),
                    cancellationToken).ConfigureAwait(false);
                foreach (var part in page.Parts ?? [])
                {
                    parts.Add((part.PartNumber ?? 0, part.Size ?? 0, part.ETag?.Trim('"') ?? string.Empty));
                }

                if (page.IsTruncated != true || page.NextPartNumberMarker is not { } next)
                {
                    break;
                }

                marker = next.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        return parts;
    }

    /// <summary>Completes a multipart upload. Returns the S3 error code when S3 refuses the parts
    /// (<c>InvalidPart</c>, <c>InvalidPartOrder</c>, <c>EntityTooSmall</c>), <c>NoSuchUpload</c> when the upload no
    /// longer exists (completed or aborted), <see langword="null"/> on success.</summary>
    public async ValueTask<string?> CompleteMultipartAsync(
        string bucket, string key, string uploadId, IEnumerable<(int PartNumber, string ETag)> parts, CancellationToken cancellationToken)
    {
        try
        {
            await ExecuteAsync(
                (s3, token) => s3.CompleteMultipartUploadAsync(
                    new CompleteMultipartUploadRequest
                    {
                        BucketName = bucket,
                        Key = key,
                        UploadId = uploadId,
                        PartETags = parts.Select(p => new PartETag(p.PartNumber, p.ETag)).ToList(),
                    },
                    token),
                cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return "NoSuchUpload";
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.BadRequest)
        {
            return string.IsNullOrEmpty(e.ErrorCode) ? "InvalidPart" : e.ErrorCode;
        }
    }

    /// <summary>Puts the pending marker on an object (replacing its tags). Used after completing a multipart upload,
    /// because some servers (Ceph RGW 16) drop the tagging given at CreateMultipartUpload.</summary>
    public async ValueTask PutPendingMarkerAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        await ExecuteAsync(
            (s3, token) => s3.PutObjectTaggingAsync(
                new PutObjectTaggingRequest
                {
                    BucketName = bucket,
                    Key = key,
                    Tagging = new Tagging { TagSet = [new Tag { Key = PendingTagKey, Value = PendingTagValue }] },
                },
                token),
            cancellationToken).ConfigureAwait(false);
    }
}
