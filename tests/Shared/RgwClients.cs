using Amazon.Runtime;
using Amazon.S3;

namespace S3Presign.Tests.Shared;

/// <summary>S3 clients for the test Ceph RGW clusters, to look at buckets directly (not through the library).</summary>
public static class RgwClients
{
    /// <summary>A path-style client that sends checksums only where S3 requires them (RGW 16 rejects the newer defaults).</summary>
    public static AmazonS3Client Create(Uri serviceUrl, string accessKey, string secretKey) => new(
        new BasicAWSCredentials(accessKey, secretKey),
        new AmazonS3Config
        {
            ServiceURL = serviceUrl.ToString().TrimEnd('/'),
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });
}
