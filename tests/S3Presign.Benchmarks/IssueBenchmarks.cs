using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using S3Presign.Issuing;
using S3Presign.Storage;

namespace S3Presign.Benchmarks;

/// <summary>
/// A whole issue through <see cref="IUploadUrlIssuer"/>: validation, naming, presigning, the in-memory store. The
/// baseline is the same pipeline with <see cref="S3UploadsOptions.UseAwsSdkPresigner"/>.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class IssueBenchmarks
{
    private static readonly UploadRequest Request = new()
    {
        Owner = "bench",
        FileName = "holiday photo.png",
        ContentType = "image/png",
        Size = 1_048_576,
    };

    private Amazon.S3.AmazonS3Client _client = null!;
    private ServiceProvider _fast = null!;
    private ServiceProvider _awsSdk = null!;
    private IUploadUrlIssuer _fastIssuer = null!;
    private IUploadUrlIssuer _awsSdkIssuer = null!;

    [GlobalSetup]
    public void Setup()
    {
        _client = BenchmarkClients.CreateClient();
        _fast = BenchmarkClients.BuildServices(_client, useAwsSdkPresigner: false, new RecyclingStore());
        _awsSdk = BenchmarkClients.BuildServices(_client, useAwsSdkPresigner: true, new RecyclingStore());
        _fastIssuer = _fast.GetRequiredService<IUploadUrlIssuer>();
        _awsSdkIssuer = _awsSdk.GetRequiredService<IUploadUrlIssuer>();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _fast.Dispose();
        _awsSdk.Dispose();
        _client.Dispose();
    }

    [Benchmark(Baseline = true, Description = "Issue (AWSSDK presigner)")]
    public ValueTask<UploadIssueResult> IssueWithAwsSdk() => _awsSdkIssuer.IssueAsync(Request);

    [Benchmark(Description = "Issue (S3Presign SigV4)")]
    public ValueTask<UploadIssueResult> IssueFast() => _fastIssuer.IssueAsync(Request);

    /// <summary>
    /// The in-memory store, started afresh every 100,000 uploads so that millions of benchmark invocations do not
    /// fill the heap (the store's cost per add does not depend on its size: a dictionary and a sorted set).
    /// </summary>
    private sealed class RecyclingStore : IPendingUploadStore
    {
        private InMemoryPendingUploadStore _inner = new();
        private int _adds;

        public ValueTask<UploadRecord?> TryAddAsync(UploadRecord record, CancellationToken cancellationToken = default)
        {
            if (++_adds % 100_000 == 0)
            {
                _inner = new InMemoryPendingUploadStore();
            }

            return _inner.TryAddAsync(record, cancellationToken);
        }

        public ValueTask<UploadRecord?> FindAsync(string id, CancellationToken cancellationToken = default) =>
            _inner.FindAsync(id, cancellationToken);

        public ValueTask<UploadRecord?> TryUpdateAsync(UploadRecord record, CancellationToken cancellationToken = default) =>
            _inner.TryUpdateAsync(record, cancellationToken);

        public ValueTask<IReadOnlyList<UploadRecord>> ClaimExpiredAsync(DateTimeOffset now, int maxCount, TimeSpan lease, CancellationToken cancellationToken = default) =>
            _inner.ClaimExpiredAsync(now, maxCount, lease, cancellationToken);

        public IAsyncEnumerable<UploadRecord> ListAsync(UploadQuery query, CancellationToken cancellationToken = default) =>
            _inner.ListAsync(query, cancellationToken);
    }
}
