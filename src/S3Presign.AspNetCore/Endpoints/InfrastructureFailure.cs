using System.Data.Common;
using System.Net.Sockets;
using Amazon.Runtime;
using Microsoft.AspNetCore.Http;
using Polly.Timeout;

namespace S3Presign.AspNetCore.Endpoints;

/// <summary>Tells an outage of S3 or the store (answered with 503) from a bug (left to the app's error handling).</summary>
internal static class InfrastructureFailure
{
    /// <summary>An endpoint filter: S3 or the store down after the core's retries becomes a 503 the client may retry,
    /// never a bare 500.</summary>
    public static async ValueTask<object?> FilterAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (Exception e) when (IsOutage(e) && !context.HttpContext.RequestAborted.IsCancellationRequested)
        {
            context.HttpContext.Response.Headers.RetryAfter = "5";
            return S3UploadsEndpoints.Problem(StatusCodes.Status503ServiceUnavailable, S3UploadsHttpErrorCodes.ServiceUnavailable,
                "The storage service is unavailable; please retry shortly.");
        }
    }

    public static bool IsOutage(Exception exception) => exception switch
    {
        AmazonServiceException service => (int)service.StatusCode >= 500 || (int)service.StatusCode == 429
            || service.ErrorCode is "SlowDown" or "RequestTimeout" || service.StatusCode == 0,
        AmazonClientException => true,
        TimeoutRejectedException or HttpRequestException or SocketException or IOException or TimeoutException => true,
        DbException => true,
        OperationCanceledException => true, // an S3 or database timeout; the caller's own abort is excluded by the filter
        _ => exception.InnerException is { } inner && IsOutage(inner),
    };
}
