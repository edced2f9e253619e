using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace S3Presign.Resilience;

/// <summary>
/// Builds the one pipeline every S3 call goes through: a retry with exponential back-off and jitter on
/// 5xx, SlowDown, per-attempt timeouts and connection errors (never on other 4xx), around a timeout per attempt.
/// </summary>
internal static class S3Resilience
{
    public static ResiliencePipeline Create(S3UploadsOptions options, TimeProvider timeProvider)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider };
        if (options.S3MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.S3MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.S3RetryDelay,
                MaxDelay = TimeSpan.FromSeconds(10),
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } e && IsTransient(e, args.Context.CancellationToken)),
            });
        }

        builder.AddTimeout(options.S3AttemptTimeout);
        return builder.Build();
    }

    /// <summary>Returns whether a failed S3 call is worth retrying.</summary>
    public static bool IsTransient(Exception exception, CancellationToken callerToken)
    {
        switch (exception)
        {
            case TimeoutRejectedException:
                return true;
            case OperationCanceledException:
                // The caller's own cancellation is final; an SDK-internal timeout is not.
                return !callerToken.IsCancellationRequested;
            case AmazonServiceException service:
                if (service.ErrorCode is "SlowDown" or "RequestTimeout" or "InternalError" or "ServiceUnavailable"
                    or "RequestTimeTooSkewed")
                {
                    return service.ErrorCode != "RequestTimeTooSkewed";
                }

                if ((int)service.StatusCode >= 500 || service.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    return true;
                }

                // A 4xx from S3 is an answer, not a fault; a missing status means the request never got one.
                return service.StatusCode == 0 && service.InnerException is not null
                    && IsTransient(service.InnerException, callerToken);
            case AmazonClientException client:
                return client.InnerException is { } inner && IsTransient(inner, callerToken);
            case HttpRequestException or IOException or SocketException:
                return true;
            default:
                return exception.InnerException is { } nested && IsTransient(nested, callerToken);
        }
    }
}
