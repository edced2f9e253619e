using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace S3Presign.EntityFrameworkCore.Tests.Infrastructure;

/// <summary>
/// A real Ceph RADOS Gateway (started by <c>eng/ceph/rgw.sh</c>, which installs Ceph when missing) plus the
/// PostgreSQL cluster. If either cannot start, every test using it fails with the script's output.
/// Adapted from tests/S3Presign.IntegrationTests/Infrastructure/RgwFixture.cs.
/// </summary>
public sealed class RgwFixture : IAsyncLifetime
{
    /// <summary>This project's own gateway (the sample uses 7480, the integration tests 7481, the ASP.NET tests 7482).</summary>
    public const int Port = 7483;

    public Uri ServiceUrl { get; private set; } = null!;

    public string AccessKey { get; private set; } = null!;

    public string SecretKey { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var exports = await Scripts.RunForExportsAsync("eng/ceph/rgw.sh", $"start --port {Port}");
        ServiceUrl = new Uri(exports["S3Uploads__ServiceUrl"]);
        AccessKey = exports["AWS_ACCESS_KEY_ID"];
        SecretKey = exports["AWS_SECRET_ACCESS_KEY"];
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public AmazonS3Client CreateClient() => RgwClients.Create(ServiceUrl, AccessKey, SecretKey);

    public async Task<string> CreateBucketAsync(string prefix)
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(63, prefix.Length + 33)];
        using var client = CreateClient();
        await client.PutBucketAsync(new PutBucketRequest { BucketName = name });
        return name;
    }

    public async Task<HashSet<string>> KeysAsync(string bucket)
    {
        using var s3 = CreateClient();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        string? token = null;
        do
        {
            var page = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, ContinuationToken = token });
            foreach (var o in page.S3Objects ?? []) keys.Add(o.Key);
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
        return keys;
    }

    /// <summary>One application instance: the library as an app wires it, with the PostgreSQL store.</summary>
    public ServiceProvider BuildInstance(string bucket, string connectionString, TimeProvider time, Action<S3UploadsOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton(time);
        services.AddSingleton<IAmazonS3>(CreateClient());
        services.AddS3Uploads(o =>
            {
                o.Bucket = bucket;
                o.ServiceUrl = ServiceUrl;
                o.ForcePathStyle = true;
                o.S3RetryDelay = TimeSpan.FromMilliseconds(20);
                configure?.Invoke(o);
            })
            .UseEntityFrameworkCoreStore(o => o.UseNpgsql(connectionString));
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }
}

[CollectionDefinition(Name)]
public sealed class RgwCollection : ICollectionFixture<RgwFixture>
{
    public const string Name = "rgw";
}
