using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.Extensions.DependencyInjection;
using S3Presign.Signing;

namespace S3Presign.Benchmarks;

/// <summary>
/// One presigned URL, AWSSDK's <c>GetPreSignedURL</c> (baseline) against the fast SigV4 path, for the PUT the issuer
/// signs (content-type, content-length, x-amz-tagging) and a plain GET. Both return the URL string.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class PresignBenchmarks
{
    private static readonly PresignSpec Put = new()
    {
        Method = "PUT",
        Key = "uploads/2025/06/3f2c9a7e4b1d4c0fa1e2b3c4d5e6f708/holiday photo.png",
        ContentType = "image/png",
        ContentLength = 1_048_576,
        Tagging = "s3presign-pending=1",
    };

    private static readonly PresignSpec Get = new()
    {
        Method = "GET",
        Key = "uploads/2025/06/3f2c9a7e4b1d4c0fa1e2b3c4d5e6f708/holiday photo.png",
    };

    private Amazon.S3.AmazonS3Client _client = null!;
    private ServiceProvider _services = null!;
    private UploadPresigner _presigner = null!;
    private DateTimeOffset _expiresAt;

    [GlobalSetup]
    public void Setup()
    {
        _client = BenchmarkClients.CreateClient();
        _services = BenchmarkClients.BuildServices(_client, useAwsSdkPresigner: false);
        _presigner = _services.GetRequiredService<UploadPresigner>();
        _expiresAt = DateTimeOffset.UtcNow.AddHours(1);
        if (_presigner.ExplainFallback(BenchmarkClients.Bucket, Put, _expiresAt) != PresignFallbackReason.None)
        {
            throw new InvalidOperationException("The fast path is not taken; the benchmark would measure AWSSDK twice.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _services.Dispose();
        _client.Dispose();
    }

    [Benchmark(Baseline = true, Description = "AWSSDK GetPreSignedURL")]
    [BenchmarkCategory("PUT")]
    public string AwsSdkPut() => AwsSdkPresigner.Presign(_client, true, BenchmarkClients.Bucket, Put, _expiresAt);

    [Benchmark(Description = "S3Presign SigV4")]
    [BenchmarkCategory("PUT")]
    public string FastPut() => _presigner.PresignUrl(BenchmarkClients.Bucket, Put, _expiresAt);

    [Benchmark(Baseline = true, Description = "AWSSDK GetPreSignedURL")]
    [BenchmarkCategory("GET")]
    public string AwsSdkGet() => AwsSdkPresigner.Presign(_client, true, BenchmarkClients.Bucket, Get, _expiresAt);

    [Benchmark(Description = "S3Presign SigV4")]
    [BenchmarkCategory("GET")]
    public string FastGet() => _presigner.PresignUrl(BenchmarkClients.Bucket, Get, _expiresAt);
}
