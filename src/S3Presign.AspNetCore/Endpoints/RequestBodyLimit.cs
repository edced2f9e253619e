using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace S3Presign.AspNetCore.Endpoints;

/// <summary>The cap on request bodies shared by every S3Presign endpoint group.</summary>
internal static class RequestBodyLimit
{
    /// <summary>An endpoint filter: a declared body over <see cref="S3UploadsEndpointOptions.MaxRequestBodySize"/> is
    /// refused with 413 <c>body_too_large</c>; an undeclared one is capped by the server feature while it is read.</summary>
    public static async ValueTask<object?> FilterAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var max = http.RequestServices.GetService<IOptions<S3UploadsEndpointOptions>>()?.Value.MaxRequestBodySize
            ?? S3UploadsEndpointOptions.DefaultMaxRequestBodySize;
        if (http.Request.ContentLength > max)
        {
            return S3UploadsEndpoints.Problem(StatusCodes.Status413PayloadTooLarge, S3UploadsHttpErrorCodes.BodyTooLarge,
                $"The request body is larger than {max} bytes.");
        }

        var sizeFeature = http.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false } && (sizeFeature.MaxRequestBodySize is null || sizeFeature.MaxRequestBodySize > max))
        {
            sizeFeature.MaxRequestBodySize = max;
        }

        return await next(context).ConfigureAwait(false);
    }
}
