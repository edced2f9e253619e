using Amazon.Runtime;
using Amazon.S3;
using Microsoft.Extensions.DependencyInjection;
using S3Presign.Storage;

namespace S3Presign.Benchmarks;

/// <summary>The configuration every benchmark signs for: the sample's, a path-style S3-compatible endpoint.</summary>
internal static class BenchmarkClients
{
    public const string Bucket = "s3presign-bench";

    public static AmazonS3Client CreateClient() => new(
        new BasicAWSCredentials("s3presign-access", "s3presign-secret-key-for-tests"),
        new AmazonS3Config
        {
            ServiceURL = "http://127.0.0.1:7480",
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
        });

    /// <summary>S3Presign as an app registers it: naming, in-memory store, the presigner under test.</summary>
    public static ServiceProvider BuildServices(IAmazonS3 client, bool useAwsSdkPresigner, IPendingUploadStore? store = null, TimeProvider? time = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton(client);
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        var builder = services.AddS3Uploads(o =>
        {
            o.Bucket = Bucket;
            o.ServiceUrl = new Uri("http://127.0.0.1:7480");
            o.ForcePathStyle = true;
            o.EnableSweeper = false;
            o.UseAwsSdkPresigner = useAwsSdkPresigner;
        });
        if (store is not null)
        {
            builder.UsePendingUploadStore(store);
        }

        return services.BuildServiceProvider();
    }
}
