using System.Reflection;
using Amazon.S3;
using Amazon.S3.Model;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.Extensions.DependencyInjection;
using S3Presign.Lifecycle;
using S3Presign.Storage;

namespace S3Presign.Benchmarks;

/// <summary>
/// One sweep that expires <see cref="Expired"/> uploads while <see cref="Pending"/> others wait in the in-memory store.
/// S3 is a <see cref="DispatchProxy"/> fake answering at once, so the store and the sweeper are what is measured; the
/// time must follow <see cref="Expired"/>, not <see cref="Pending"/>.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 2, iterationCount: 8, invocationCount: 1)]
public class SweeperBenchmarks
{
    private ServiceProvider _services = null!;
    private InMemoryPendingUploadStore _store = null!;
    private IUploadSweeper _sweeper = null!;
    private int _next;

    [Params(10_000, 100_000)]
    public int Pending { get; set; }

    [Params(1_000, 10_000)]
    public int Expired { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _store = new InMemoryPendingUploadStore();
        _services = BenchmarkClients.BuildServices(DispatchProxy.Create<IAmazonS3, InstantS3>(), useAwsSdkPresigner: false, _store);
        _sweeper = _services.GetRequiredService<IUploadSweeper>();
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < Pending; i++)
        {
            Add(now, now.AddDays(1));
        }
    }

    [IterationSetup]
    public void AddExpired()
    {
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < Expired; i++)
        {
            Add(now.AddMinutes(-30), now.AddMinutes(-1));
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    [Benchmark(Description = "Sweep")]
    public async Task<int> Sweep()
    {
        var result = await _sweeper.SweepAsync();
        return result.Expired == Expired ? result.Expired : throw new InvalidOperationException($"Swept {result.Expired}, expected {Expired}.");
    }

    private void Add(DateTimeOffset created, DateTimeOffset validateBefore)
    {
        var id = (++_next).ToString("x32", System.Globalization.CultureInfo.InvariantCulture);
        _store.TryAddAsync(new UploadRecord
        {
            Id = id,
            Owner = "bench",
            Key = "uploads/" + id + "/a.png",
            Bucket = BenchmarkClients.Bucket,
            FileName = "a.png",
            ContentType = "image/png",
            DeclaredSize = 1000,
            Mode = UploadMode.Put,
            Metadata = new Dictionary<string, string>(),
            Status = UploadStatus.Pending,
            CreatedAt = created,
            UpdatedAt = created,
            UploadExpiresAt = validateBefore.AddMinutes(-5),
            ValidateBefore = validateBefore,
        }).AsTask().GetAwaiter().GetResult();
    }

    /// <summary>An S3 that deletes whatever it is asked to, at once (like tests/S3Presign.Tests/Fakes/FakeS3.cs).</summary>
    public class InstantS3 : DispatchProxy
    {
        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => targetMethod?.Name switch
        {
            "get_Config" => new AmazonS3Config { ServiceURL = "http://127.0.0.1:7480", ForcePathStyle = true },
            "Dispose" => null,
            "DeleteObjectsAsync" => Task.FromResult(new DeleteObjectsResponse()),
            "AbortMultipartUploadAsync" => Task.FromResult(new AbortMultipartUploadResponse()),
            _ => throw new NotSupportedException($"InstantS3 does not implement {targetMethod?.Name}."),
        };
    }
}
