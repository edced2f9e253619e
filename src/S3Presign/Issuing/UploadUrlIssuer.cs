using System.Text;
using Microsoft.Extensions.Options;
using S3Presign.Naming;
using S3Presign.S3;
using S3Presign.Signing;
using S3Presign.Storage;

namespace S3Presign.Issuing;

/// <summary>The default <see cref="IUploadUrlIssuer"/>: presigned PUT, POST-policy form, or multipart upload.</summary>
internal sealed class UploadUrlIssuer(
    IOptionsMonitor<S3UploadsOptions> options,
    IFileNameSanitizer sanitizer,
    IObjectKeyNamingPolicy naming,
    IPendingUploadStore store,
    UploadPresigner presigner,
    PostPolicyPresigner postPresigner,
    MultipartPresigner multipartPresigner,
    S3Gateway s3,
    TimeProvider timeProvider) : IUploadUrlIssuer
{
    /// <summary>S3's limit on an object key.</summary>
    public const int MaxKeyBytes = 1024;

    /// <summary>S3's limit on user metadata (names and values).</summary>
    public const int MaxMetadataBytes = 2048;

    private static readonly IReadOnlyDictionary<string, string> EmptyHeaders =
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase).AsReadOnly();

    // Shared by every issue without metadata (read-only, so nobody can change it).
    private static readonly System.Collections.ObjectModel.ReadOnlyDictionary<string, string> EmptyMetadata =
        new Dictionary<string, string>(StringComparer.Ordinal).AsReadOnly();

    public async ValueTask<UploadIssueResult> IssueAsync(UploadRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var settings = options.CurrentValue;

        if (string.IsNullOrWhiteSpace(request.Owner))
        {
            return UploadIssueResult.Failure(UploadErrorCodes.InvalidOwner, "An owner is required.");
        }

        var mode = request.Mode ?? (request.Size > settings.MultipartThreshold ? UploadMode.Multipart : UploadMode.Put);
        if (!Enum.IsDefined(mode))
        {
            return UploadIssueResult.Failure(UploadErrorCodes.InvalidMode, $"Upload mode '{request.Mode}' is not supported.");
        }

        if (!sanitizer.TrySanitizeFileName(request.FileName, out var fileName))
        {
            return UploadIssueResult.Failure(UploadErrorCodes.InvalidFileName, "The file name is empty or has no usable characters.");
        }

        if (!sanitizer.TrySanitizeDirectory(request.Directory, out var directory))
        {
            return UploadIssueResult.Failure(UploadErrorCodes.InvalidDirectory,
                "The directory must not have empty, '.' or '..' segments, nor more than 8 segments.");
        }

        if (!ContentTypes.IsValid(request.ContentType))
        {
            return UploadIssueResult.Failure(UploadErrorCodes.InvalidContentType, "The content type is not a valid media type.");
        }

        if (!ContentTypes.IsAllowed(request.ContentType, settings.AllowedContentTypes))
        {
            return UploadIssueResult.Failure(UploadErrorCodes.ContentTypeNotAllowed,
                $"Files of type '{request.ContentType}' are not allowed.");
        }

        if (request.Size is { } size)
        {
            if (size < 0)
            {
                return UploadIssueResult.Failure(UploadErrorCodes.InvalidSize, "The size must not be negative.");
            }

            if (settings.MaxFileSize is { } max && size > max)
            {
                return UploadIssueResult.Failure(UploadErrorCodes.TooLarge, $"The file is {size} bytes; at most {max} bytes are allowed.");
            }

            if (mode != UploadMode.Multipart && size > 5L * 1024 * 1024 * 1024)
            {
                return UploadIssueResult.Failure(UploadErrorCodes.TooLarge, "A single PUT or POST takes at most 5 GiB; use multipart.");
            }

            if (mode == UploadMode.Multipart && size is 0 or > MultipartPlan.MaxObjectSize)
            {
                return UploadIssueResult.Failure(size == 0 ? UploadErrorCodes.InvalidSize : UploadErrorCodes.TooLarge,
                    "A multipart upload takes 1 byte to 5 TiB.");
            }
        }
        else if (settings.RequireSize || mode == UploadMode.Multipart)
        {
            return UploadIssueResult.Failure(UploadErrorCodes.InvalidSize, "The size is required.");
        }

        if (request.ChecksumSha256 is not null && !IsBase64OfLength(request.ChecksumSha256, 32))
        {
            return UploadIssueResult.Failure(UploadErrorCodes.InvalidChecksum, "checksumSha256 must be the base64 of a 32-byte SHA-256.");
        }

        if (request.ContentMd5 is not null && !IsBase64OfLength(request.ContentMd5, 16))
        {
            return UploadIssueResult.Failure(UploadErrorCodes.InvalidChecksum, "contentMd5 must be the base64 of a 16-byte MD5.");
        }

        if (request.ContentMd5 is not null && mode == UploadMode.Multipart)
        {
            // A multipart object's ETag is not its MD5, so neither S3 nor validation could check it.
            return UploadIssueResult.Failure(UploadErrorCodes.InvalidChecksum,
                "contentMd5 cannot be checked for a multipart upload; declare checksumSha256 instead.");
        }

        var metadata = NormalizeMetadata(request.Metadata, out var metadataError);
        if (metadata is null)
        {
            return UploadIssueResult.Failure(UploadErrorCodes.InvalidMetadata, metadataError!);
        }

        var id = Guid.NewGuid().ToString("N");
        var key = naming.CreateKey(new ObjectKeyContext(id, settings.KeyPrefix ?? string.Empty, directory, fileName));
        if (key.Length == 0 || key[0] == '/' || Encoding.UTF8.GetByteCount(key) > MaxKeyBytes)
        {
            return UploadIssueResult.Failure(UploadErrorCodes.InvalidFileName, "The resulting object key would exceed 1024 bytes.");
        }

        var now = timeProvider.GetUtcNow();
        var expiresAt = now + settings.UploadUrlExpiry;
        var validateBefore = now + settings.PendingTtl;
        string method = "PUT";
        Uri uploadUrl;
        Uri fileUrl;
        IReadOnlyDictionary<string, string> headers;
        IReadOnlyDictionary<string, string>? fields = null;
        string? multipartUploadId = null;
        (long PartSize, int PartCount)? plan = null;
        switch (mode)
        {
            case UploadMode.Post:
                var maxSize = request.Size ?? settings.MaxFileSize ?? 5L * 1024 * 1024 * 1024;
                var post = postPresigner.PresignPost(settings.Bucket, key, request.ContentType, request.Size ?? 0, maxSize, metadata, expiresAt);
                method = "POST";
                uploadUrl = post.Url;
                fileUrl = multipartPresigner.ObjectUrl(settings.Bucket, key, now);
                headers = EmptyHeaders;
                fields = post.Fields;
                break;

            case UploadMode.Multipart:
                plan = MultipartPlan.For(request.Size!.Value, settings.MultipartPartSize);
                multipartUploadId = await s3.CreateMultipartAsync(settings.Bucket, key, request.ContentType, metadata, cancellationToken)
                    .ConfigureAwait(false);
                fileUrl = multipartPresigner.ObjectUrl(settings.Bucket, key, now);
                uploadUrl = fileUrl;
                headers = EmptyHeaders;
                break;

            default:
                var presigned = presigner.PresignPut(settings.Bucket, key, request.ContentType, request.Size,
                    request.ChecksumSha256, request.ContentMd5, metadata, expiresAt);
                uploadUrl = presigned.Url;
                fileUrl = presigned.ObjectUrl;
                headers = presigned.Headers;
                break;
        }

        var record = new UploadRecord
        {
            Id = id,
            Owner = request.Owner,
            Key = key,
            Bucket = settings.Bucket,
            FileName = request.FileName,
            ContentType = request.ContentType,
            DeclaredSize = request.Size,
            ChecksumSha256 = request.ChecksumSha256,
            ContentMd5 = request.ContentMd5,
            Mode = mode,
            MultipartUploadId = multipartUploadId,
            Metadata = metadata,
            Status = UploadStatus.Pending,
            CreatedAt = now,
            UpdatedAt = now,
            UploadExpiresAt = expiresAt,
            ValidateBefore = validateBefore,
        };

        UploadRecord? stored;
        try
        {
            stored = await store.TryAddAsync(record, cancellationToken).ConfigureAwait(false);
        }
        catch when (multipartUploadId is not null)
        {
            await AbortQuietlyAsync(settings.Bucket, key, multipartUploadId).ConfigureAwait(false);
            throw;
        }

        if (stored is null)
        {
            if (multipartUploadId is not null)
            {
                await AbortQuietlyAsync(settings.Bucket, key, multipartUploadId).ConfigureAwait(false);
            }

            throw new InvalidOperationException($"The store already holds an upload with the fresh id '{id}'.");
        }

        return UploadIssueResult.Success(new IssuedUpload
        {
            Id = id,
            FileKey = key,
            Mode = mode,
            Method = method,
            UploadUrl = uploadUrl,
            Headers = headers,
            Fields = fields,
            PartSize = plan?.PartSize,
            PartCount = plan?.PartCount,
            FileUrl = fileUrl,
            ExpiresAt = expiresAt,
            ValidateBefore = validateBefore,
            Ttl = validateBefore - now,
            Record = stored,
        });
    }

    private async ValueTask AbortQuietlyAsync(string bucket, string key, string uploadId)
    {
        try
        {
            await s3.AbortMultipartAsync(bucket, key, uploadId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The bucket's abort-incomplete-multipart lifecycle rule is the safety net.
        }
    }

    private static bool IsBase64OfLength(string value, int length)
    {
        Span<byte> buffer = stackalloc byte[64];
        return value.Length == ((length + 2) / 3) * 4
            && Convert.TryFromBase64String(value, buffer, out var written) && written == length;
    }

    private static System.Collections.ObjectModel.ReadOnlyDictionary<string, string>? NormalizeMetadata(IReadOnlyDictionary<string, string>? metadata, out string? error)
    {
        error = null;
        if (metadata is null || metadata.Count == 0)
        {
            return EmptyMetadata;
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);

        var total = 0;
        foreach (var (rawName, value) in metadata)
        {
            var name = rawName?.ToLowerInvariant() ?? string.Empty;
            if (name.Length is 0 or > 128 || !name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_'))
            {
                error = $"Metadata name '{rawName}' must be 1 to 128 characters of a-z, 0-9, '-' or '_'.";
                return null;
            }

            if (value is null || !value.All(c => c is >= ' ' and <= '~'))
            {
                error = $"Metadata '{name}' must be printable ASCII.";
                return null;
            }

            if (!result.TryAdd(name, value))
            {
                error = $"Metadata name '{name}' appears twice.";
                return null;
            }

            total += name.Length + value.Length;
        }

        if (total > MaxMetadataBytes)
        {
            error = $"Metadata is {total} bytes; S3 allows at most {MaxMetadataBytes}.";
            return null;
        }

        return result.AsReadOnly();
    }
}
