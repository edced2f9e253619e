namespace S3Presign;

/// <summary>
/// Returned by <c>AddS3Uploads</c>; features are extension methods on it that replace the defaults.
/// </summary>
public interface IS3UploadsBuilder
{
    /// <summary>Gets the service collection S3Presign is registered in.</summary>
    Microsoft.Extensions.DependencyInjection.IServiceCollection Services { get; }
}

internal sealed class S3UploadsBuilder(Microsoft.Extensions.DependencyInjection.IServiceCollection services) : IS3UploadsBuilder
{
    public Microsoft.Extensions.DependencyInjection.IServiceCollection Services { get; } = services;
}
