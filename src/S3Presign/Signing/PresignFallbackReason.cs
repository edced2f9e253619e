namespace S3Presign.Signing;

/// <summary>Why a presigned URL came from AWSSDK's presigner instead of the fast SigV4 path.</summary>
internal enum PresignFallbackReason
{
    /// <summary>The fast path signs.</summary>
    None,

    /// <summary><see cref="S3UploadsOptions.UseAwsSdkPresigner"/> is set.</summary>
    ForcedByOptions,

    /// <summary>The <c>IAmazonS3</c> is not an <c>AmazonS3Client</c> (a decorator, a fake): only it knows how to sign.</summary>
    NotAmazonS3Client,

    /// <summary>S3 Transfer Acceleration is on.</summary>
    AccelerateEndpoint,

    /// <summary>Dual-stack (IPv6) endpoints are on.</summary>
    DualStackEndpoint,

    /// <summary>FIPS endpoints are on.</summary>
    FipsEndpoint,

    /// <summary>The bucket is an S3 Express One Zone directory bucket (session credentials).</summary>
    S3ExpressBucket,

    /// <summary>The bucket is an ARN (access point, Outposts, multi-region access point).</summary>
    ArnBucket,

    /// <summary>The client's credentials could not be read, or are anonymous.</summary>
    NoCredentials,

    /// <summary>AWSSDK's URL for this bucket is not a plain SigV4 query URL the fast path reproduces byte for byte.</summary>
    UnrecognisedEndpoint,

    /// <summary>This request has input the fast path leaves to AWSSDK (a dot segment in the key, a lone surrogate,
    /// a header value that is not printable ASCII, an expiry beyond SigV4's seven days).</summary>
    UnsupportedRequest,
}
