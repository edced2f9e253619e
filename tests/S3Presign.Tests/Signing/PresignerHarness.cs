using Amazon.S3;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using S3Presign.S3;
using S3Presign.Signing;

namespace S3Presign.Tests.Signing;

/// <summary>An <see cref="UploadPresigner"/> over a given client, as DI would build it.</summary>
internal sealed class PresignerHarness : IDisposable
{
    private readonly ServiceProvider _services;

    public PresignerHarness(IAmazonS3 client, TimeProvider time, Action<S3UploadsOptions>? configure = null, ILoggerProvider? logs = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton(client);
        services.AddSingleton<TimeProvider>(time);
        services.AddLogging(b =>
        {
            b.SetMinimumLevel(LogLevel.Debug);
            if (logs is not null)
            {
                b.AddProvider(logs);
            }
        });
        services.AddS3Uploads(o =>
        {
            o.Bucket = "bucket";
            configure?.Invoke(o);
        });
        _services = services.BuildServiceProvider();
        Clients = _services.GetRequiredService<S3ClientProvider>();
        Presigner = new UploadPresigner(Clients, time, _services.GetRequiredService<IOptionsMonitor<S3UploadsOptions>>(),
            _services.GetRequiredService<ILoggerFactory>());
    }

    public S3ClientProvider Clients { get; }

    public UploadPresigner Presigner { get; }

    public string AwsSdk(string bucket, in PresignSpec spec, DateTimeOffset expiresAt) =>
        AwsSdkPresigner.Presign(Clients.Client, Clients.UsesHttp, bucket, spec, expiresAt);

    public void Dispose() => _services.Dispose();
}

/// <summary>A clock the test sets to any instant, backwards too.</summary>
internal sealed class SettableTimeProvider(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
