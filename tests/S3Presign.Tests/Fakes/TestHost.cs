using Amazon.S3;
using Microsoft.Extensions.DependencyInjection;
using S3Presign.Storage;
using S3Presign.Testing;

namespace S3Presign.Tests.Fakes;

/// <summary>The library wired as an app would, on a fake S3 and a manual clock.</summary>
public sealed class TestHost : IDisposable
{
    public TestHost(
        FakeS3? s3State = null,
        IAmazonS3? s3 = null,
        ManualTimeProvider? clock = null,
        IPendingUploadStore? store = null,
        Action<S3UploadsOptions>? configure = null,
        Action<IS3UploadsBuilder>? build = null)
    {
        if (s3 is null)
        {
            (s3, s3State) = FakeS3.Create();
        }

        S3 = s3State!;
        Clock = clock ?? new ManualTimeProvider();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(Clock);
        services.AddSingleton(s3);
        var builder = services.AddS3Uploads(o =>
        {
            o.Bucket = "test-bucket";
            o.S3RetryDelay = TimeSpan.Zero;
            configure?.Invoke(o);
        });
        if (store is not null)
        {
            builder.UsePendingUploadStore(store);
        }

        build?.Invoke(builder);
        Services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public FakeS3 S3 { get; }

    public ManualTimeProvider Clock { get; }

    public ServiceProvider Services { get; }

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    public void Dispose() => Services.Dispose();
}
