using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using S3Presign;
using S3Presign.EntityFrameworkCore;
using S3Presign.EntityFrameworkCore.DependencyInjection;
using S3Presign.EntityFrameworkCore.Storage;
using S3Presign.Storage;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Stores S3Presign's upload records with Entity Framework Core.</summary>
public static class EntityFrameworkCoreStoreBuilderExtensions
{
    /// <summary>
    /// Stores upload records in a database through the library's own <see cref="S3UploadsDbContext"/>, whose provider
    /// <paramref name="configureDbContext"/> sets, e.g. <c>o =&gt; o.UseNpgsql(connectionString)</c> or
    /// <c>o =&gt; o.UseSqlite("Data Source=uploads.db")</c>. The table is created at start-up when missing.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configureDbContext">Configures the context's provider and connection.</param>
    /// <param name="configure">Configures the store.</param>
    /// <returns>The builder.</returns>
    public static IS3UploadsBuilder UseEntityFrameworkCoreStore(
        this IS3UploadsBuilder builder,
        Action<DbContextOptionsBuilder> configureDbContext,
        Action<EntityFrameworkCoreStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configureDbContext);
        builder.Services.AddPooledDbContextFactory<S3UploadsDbContext>(configureDbContext);
        return builder.UseEntityFrameworkCoreStore<S3UploadsDbContext>(configure);
    }

    /// <summary>
    /// Stores upload records through the application's own <typeparamref name="TContext"/>, whose
    /// <c>OnModelCreating</c> calls <c>modelBuilder.AddS3Uploads()</c>. The context comes from the application's
    /// <see cref="IDbContextFactory{TContext}"/> when registered (<c>AddDbContextFactory</c>,
    /// <c>AddPooledDbContextFactory</c>), else from a fresh scope per operation (<c>AddDbContext</c>).
    /// </summary>
    /// <typeparam name="TContext">The application's context.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Configures the store.</param>
    /// <returns>The builder.</returns>
    public static IS3UploadsBuilder UseEntityFrameworkCoreStore<TContext>(
        this IS3UploadsBuilder builder,
        Action<EntityFrameworkCoreStoreOptions>? configure = null)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<EntityFrameworkCoreStoreOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.Replace(ServiceDescriptor.Singleton<EntityFrameworkCorePendingUploadStore>(sp =>
            new EntityFrameworkCorePendingUploadStore(
                new UploadsContextSource<TContext>(sp),
                sp.GetRequiredService<Options.IOptions<EntityFrameworkCoreStoreOptions>>(),
                sp.GetService<Logging.ILoggerFactory>())));
        services.Replace(ServiceDescriptor.Singleton<IPendingUploadStore>(sp => sp.GetRequiredService<EntityFrameworkCorePendingUploadStore>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, StoreSchemaInitializer>());
        return builder;
    }
}
