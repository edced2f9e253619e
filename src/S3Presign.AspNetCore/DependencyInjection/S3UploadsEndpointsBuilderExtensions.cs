using S3Presign;
using S3Presign.AspNetCore;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Configures the HTTP endpoints of <see cref="IS3UploadsBuilder"/>.</summary>
public static class S3UploadsEndpointsBuilderExtensions
{
    /// <summary>Configures the endpoints mapped by <c>MapS3Uploads</c>: how the owner is found, the body-size cap, the client script.</summary>
    /// <param name="builder">The builder returned by <c>AddS3Uploads</c>.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The builder.</returns>
    public static IS3UploadsBuilder ConfigureEndpoints(this IS3UploadsBuilder builder, Action<S3UploadsEndpointOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure(configure);
        return builder;
    }
}
