namespace S3Presign.Storage;

/// <summary>
/// How the client sends the bytes to S3.
/// </summary>
public enum UploadMode
{
    /// <summary>A single presigned <c>PUT</c> request.</summary>
    Put = 0,

    /// <summary>A presigned <c>POST</c> form whose policy S3 enforces.</summary>
    Post = 1,

    /// <summary>A multipart upload with one presigned URL per part.</summary>
    Multipart = 2,
}
