using System.Data.Common;
using System.Net.Sockets;
using Amazon.Runtime;
using Polly.Timeout;

namespace S3Presign.AspNetCore.Endpoints;

/// <summary>Tells an outage of S3 or the store (answered with 503) from a bug (left to the app's error handling).</summary>
internal static class InfrastructureFailure
{
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
