namespace S3Presign.Signing;

/// <summary>
/// What one presigned request binds: the method, the key, the headers S3 checks against the signature and the extra
/// query parameters. Every member maps to what <see cref="AwsSdkPresigner"/> puts on a <c>GetPreSignedUrlRequest</c>.
/// </summary>
internal readonly struct PresignSpec
{
    public required string Method { get; init; }

    public required string Key { get; init; }

    public string? ContentType { get; init; }

    public long? ContentLength { get; init; }

    public string? ContentMd5 { get; init; }

    public string? ChecksumSha256 { get; init; }

    public string? Tagging { get; init; }

    /// <summary>The signed <c>If-None-Match</c> header: <c>*</c> makes S3 refuse the PUT when the key already exists.</summary>
    public string? IfNoneMatch { get; init; }

    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    public string? UploadId { get; init; }

    public int? PartNumber { get; init; }

    public string? ResponseContentDisposition { get; init; }
}
