using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using S3Presign.Storage;

namespace S3Presign.EntityFrameworkCore.Tests.Infrastructure;

/// <summary>Builds stores the way an application does: through <c>AddS3Uploads().UseEntityFrameworkCoreStore(…)</c>.</summary>
public static class StoreFactory
{
    public static ServiceProvider BuildServices(Action<IS3UploadsBuilder> configure, Action<IServiceCollection>? services = null)
    {
        var collection = new ServiceCollection();
        services?.Invoke(collection);
        configure(collection.AddS3Uploads(o => o.Bucket = "bucket"));
        return collection.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public static ServiceProvider Npgsql(string connectionString) =>
        BuildServices(b => b.UseEntityFrameworkCoreStore(o => o.UseNpgsql(connectionString)));

    public static ServiceProvider Sqlite(string path) =>
        BuildServices(b => b.UseEntityFrameworkCoreStore(o => o.UseSqlite($"Data Source={path};Pooling=True;Default Timeout=60")));

    public static IPendingUploadStore Store(this IServiceProvider services) => services.GetRequiredService<IPendingUploadStore>();
}
