using Microsoft.Extensions.DependencyInjection.Extensions;
using S3Presign;
using S3Presign.Naming;
using S3Presign.Storage;
using S3Presign.Validation;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Features of <see cref="IS3UploadsBuilder"/>.</summary>
public static class S3UploadsBuilderExtensions
{
    /// <summary>Replaces the pending-upload store.</summary>
    /// <typeparam name="TStore">The store type, registered as a singleton.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IS3UploadsBuilder UsePendingUploadStore<TStore>(this IS3UploadsBuilder builder)
        where TStore : class, IPendingUploadStore
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Replace(ServiceDescriptor.Singleton<IPendingUploadStore, TStore>());
        return builder;
    }

    /// <summary>Replaces the pending-upload store with an instance.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="store">The store.</param>
    /// <returns>The builder.</returns>
    public static IS3UploadsBuilder UsePendingUploadStore(this IS3UploadsBuilder builder, IPendingUploadStore store)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(store);
        builder.Services.Replace(ServiceDescriptor.Singleton(store));
        return builder;
    }

    /// <summary>Replaces the file-name sanitizer.</summary>
    /// <typeparam name="TSanitizer">The sanitizer type, registered as a singleton.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IS3UploadsBuilder UseFileNameSanitizer<TSanitizer>(this IS3UploadsBuilder builder)
        where TSanitizer : class, IFileNameSanitizer
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Replace(ServiceDescriptor.Singleton<IFileNameSanitizer, TSanitizer>());
        return builder;
    }

    /// <summary>Replaces the key naming policy, e.g. with <see cref="SuffixKeyNamingPolicy"/>.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="policy">The policy.</param>
    /// <returns>The builder.</returns>
    public static IS3UploadsBuilder UseKeyNamingPolicy(this IS3UploadsBuilder builder, IObjectKeyNamingPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(policy);
        builder.Services.Replace(ServiceDescriptor.Singleton(policy));
        return builder;
    }

    /// <summary>Adds a custom validation rule, run after the built-in checks in registration order.</summary>
    /// <typeparam name="TRule">The rule type, registered as a singleton.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IS3UploadsBuilder AddValidationRule<TRule>(this IS3UploadsBuilder builder)
        where TRule : class, IUploadValidationRule
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IUploadValidationRule, TRule>());
        return builder;
    }

    /// <summary>Adds a custom validation rule instance.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="rule">The rule.</param>
    /// <returns>The builder.</returns>
    public static IS3UploadsBuilder AddValidationRule(this IS3UploadsBuilder builder, IUploadValidationRule rule)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(rule);
        builder.Services.AddSingleton(rule);
        return builder;
    }
}
