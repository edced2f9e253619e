using S3Presign.Storage;

namespace S3Presign.Validation;

/// <summary>
/// A custom check run during validation after the built-in ones (size, type, checksum, magic bytes): the hook where
/// a virus scan or an image-dimension check goes. Register with <c>builder.AddValidationRule&lt;T&gt;()</c>.
/// </summary>
public interface IUploadValidationRule
{
    /// <summary>Checks the object.</summary>
    /// <param name="context">The upload, the object as S3 reports it, and a way to read it.</param>
    /// <param name="cancellationToken">The token to cancel the operation.</param>
    /// <returns><see langword="null"/> to accept; an error with a stable code to reject (the object is then deleted).</returns>
    ValueTask<UploadError?> ValidateAsync(UploadValidationContext context, CancellationToken cancellationToken);
}

/// <summary>What a <see cref="IUploadValidationRule"/> gets to look at.</summary>
public sealed class UploadValidationContext
{
    private readonly Func<CancellationToken, Task<Stream>> _openRead;

    internal UploadValidationContext(
        UploadRecord upload,
        UploadedObject uploadedObject,
        ReadOnlyMemory<byte> firstBytes,
        Func<CancellationToken, Task<Stream>> openRead)
    {
        Upload = upload;
        StoredObject = uploadedObject;
        FirstBytes = firstBytes;
        _openRead = openRead;
    }

    /// <summary>Gets the upload as issued.</summary>
    public UploadRecord Upload { get; }

    /// <summary>Gets the object as S3 reports it.</summary>
    public UploadedObject StoredObject { get; }

    /// <summary>Gets the object's first bytes when content sniffing is on; empty otherwise.</summary>
    public ReadOnlyMemory<byte> FirstBytes { get; }

    /// <summary>Opens the whole object for reading (one more S3 request). Dispose the stream.</summary>
    /// <param name="cancellationToken">The token to cancel the operation.</param>
    /// <returns>The object's content.</returns>
    public Task<Stream> OpenReadAsync(CancellationToken cancellationToken = default) => _openRead(cancellationToken);
}

/// <summary>An uploaded object as S3 reports it.</summary>
public sealed record UploadedObject
{
    /// <summary>Gets the size in bytes.</summary>
    public long Size { get; init; }

    /// <summary>Gets the stored content type.</summary>
    public string? ContentType { get; init; }

    /// <summary>Gets the ETag, without quotes.</summary>
    public string? ETag { get; init; }

    /// <summary>Gets the SHA-256 S3 verified and stored, if the server keeps checksums.</summary>
    public string? ChecksumSha256 { get; init; }

    /// <summary>Gets when the object was written.</summary>
    public DateTimeOffset? LastModified { get; init; }

    /// <summary>Gets the user metadata, names without <c>x-amz-meta-</c>.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
}
