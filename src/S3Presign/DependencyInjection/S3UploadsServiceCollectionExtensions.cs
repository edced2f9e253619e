using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using S3Presign;
using S3Presign.Issuing;
using S3Presign.Lifecycle;
using S3Presign.Naming;
using S3Presign.S3;
using S3Presign.Signing;
using S3Presign.Storage;
using S3Presign.Validation;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers S3Presign.</summary>
public static class S3UploadsServiceCollectionExtensions
{
    /// <summary>
    /// Adds S3Presign: options bound from the <c>S3Uploads</c> configuration section (when an
    /// <see cref="IConfiguration"/> is registered) and then <paramref name="configure"/>, validated at start-up; the
    /// issuer, validator, manager and sweeper (a hosted service); the in-memory store and default naming. Uses the
    /// application's <c>IAmazonS3</c> when one is registered, else builds one from the options. Calling it twice is
    /// harmless.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures the options after binding.</param>
    /// <returns>A builder to replace the store, naming and rules.</returns>
    public static IS3UploadsBuilder AddS3Uploads(this IServiceCollection services, Action<S3UploadsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);

        if (!services.Any(d => d.ServiceType == typeof(BindS3UploadsConfiguration)))
        {
            services.AddSingleton<BindS3UploadsConfiguration>();
            services.AddSingleton<IConfigureOptions<S3UploadsOptions>>(sp => sp.GetRequiredService<BindS3UploadsConfiguration>());
        }

        var optionsBuilder = services.AddOptionsWithValidateOnStart<S3UploadsOptions>();
        if (configure is not null)
        {
            optionsBuilder.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<S3UploadsOptions>, S3UploadsOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        services.TryAddSingleton<S3ClientProvider>();
        services.TryAddSingleton<S3Gateway>();
        services.TryAddSingleton<UploadPresigner>();
        services.TryAddSingleton<PostPolicyPresigner>();
        services.TryAddSingleton<MultipartPresigner>();
        services.TryAddSingleton<UploadTransitions>();

        services.TryAddSingleton<IPendingUploadStore, InMemoryPendingUploadStore>();
        services.TryAddSingleton<IFileNameSanitizer>(_ => new DefaultFileNameSanitizer());
        services.TryAddSingleton<IObjectKeyNamingPolicy, UuidKeyNamingPolicy>();

        services.TryAddSingleton<IUploadUrlIssuer, UploadUrlIssuer>();
        services.TryAddSingleton<IUploadValidator, UploadValidator>();
        services.TryAddSingleton<IUploadManager, UploadManager>();
        services.TryAddSingleton<IMultipartUploads, MultipartUploads>();
        services.TryAddSingleton<IUploadSweeper, UploadSweeper>();
        services.TryAddSingleton<IStoredFiles, StoredFiles>();
        services.TryAddSingleton(sp => new S3BucketSetup(
            sp.GetRequiredService<S3Gateway>(), sp.GetRequiredService<IOptionsMonitor<S3UploadsOptions>>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SweeperHostedService>());

        return new S3UploadsBuilder(services);
    }

    /// <summary>Binds the <c>S3Uploads</c> section when the app has configuration; runs before user actions.</summary>
    private sealed class BindS3UploadsConfiguration(IServiceProvider services) : IConfigureOptions<S3UploadsOptions>
    {
        public void Configure(S3UploadsOptions options)
        {
            var configuration = services.GetService<IConfiguration>();
            configuration?.GetSection(S3UploadsOptions.SectionName).Bind(options);
        }
    }
}
