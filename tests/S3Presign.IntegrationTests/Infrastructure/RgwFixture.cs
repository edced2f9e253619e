using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.DependencyInjection;
using S3Presign.Storage;
using S3Presign.Tests.Shared;

namespace S3Presign.IntegrationTests.Infrastructure;

/// <summary>
/// A real Ceph RADOS Gateway for the tests: started by <c>eng/ceph/rgw.sh</c> (which installs Ceph when missing).
/// If it cannot start, every test fails with the script's output; nothing is skipped.
/// </summary>
public sealed class RgwFixture : IAsyncLifetime
{
    /// <summary>The port of this test project's own cluster (the sample uses 7480, the ASP.NET tests 7482).</summary>
    public const int Port = 7481;

    public Uri ServiceUrl { get; private set; } = null!;

    public string AccessKey { get; private set; } = null!;

    public string SecretKey { get; private set; } = null!;

    public string ClusterDirectory { get; } = $"/tmp/s3presign-ceph-{Port}";

    public async Task InitializeAsync()
    {
        var exports = await Scripts.RunForExportsAsync("eng/ceph/rgw.sh", $"start --port {Port}");
        ServiceUrl = new Uri(exports["S3Uploads__ServiceUrl"]);
        AccessKey = exports["AWS_ACCESS_KEY_ID"];
        SecretKey = exports["AWS_SECRET_ACCESS_KEY"];
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>An S3 client for inspecting the bucket directly (not through the library).</summary>
    public AmazonS3Client CreateClient() => RgwClients.Create(ServiceUrl, AccessKey, SecretKey);

    /// <summary>Creates a fresh bucket with a unique name.</summary>
    public async Task<string> CreateBucketAsync(string prefix = "it")
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(63, prefix.Length + 33)];
        using var client = CreateClient();
        await client.PutBucketAsync(new PutBucketRequest { BucketName = name });
        return name;
    }

    /// <summary>Builds the library as an app would, against this server.</summary>
    public ServiceProvider BuildServices(
        string bucket,
        Action<S3UploadsOptions>? configure = null,
        TimeProvider? time = null,
        IPendingUploadStore? store = null,
        Action<IS3UploadsBuilder>? build = null)
    {
        var services = new ServiceCollection();
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        services.AddSingleton<IAmazonS3>(CreateClient());
        var builder = services.AddS3Uploads(o =>
        {
            o.Bucket = bucket;
            o.ServiceUrl = ServiceUrl;
            o.ForcePathStyle = true;
            o.S3RetryDelay = TimeSpan.FromMilliseconds(20);
            configure?.Invoke(o);
        });
        if (store is not null)
        {
            builder.UsePendingUploadStore(store);
        }

        build?.Invoke(builder);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    /// <summary>Runs <c>radosgw-admin lc process</c> on this cluster, so lifecycle rules are applied now.</summary>
    public Task<(int ExitCode, string Stdout, string Stderr)> ProcessLifecycleAsync() =>
        Scripts.RunAsync("radosgw-admin", $"-c {ClusterDirectory}/ceph.conf -n client.admin lc process");
}

[CollectionDefinition(Name)]
public sealed class RgwCollection : ICollectionFixture<RgwFixture>
{
    public const string Name = "rgw";
}
