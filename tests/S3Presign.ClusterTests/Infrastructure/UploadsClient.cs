using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;

namespace S3Presign.ClusterTests.Infrastructure;

/// <summary>One answer the clients got from an instance (status 0: the connection failed).</summary>
internal sealed record Answer(string Route, string Instance, int Status, string? Code, bool RetryAfter, string? MediaType, DateTimeOffset At);

/// <summary>The final answer of a call after retries; whether a 503 came first; whether an earlier attempt's answer was
/// lost on the way (its instance was killed), so that the call may have had an effect the final answer does not show.</summary>
internal sealed record CallResult(int Status, string? Code, JsonElement Body, bool Retried, bool LostAnAnswer, string Instance);

/// <summary>
/// A client of the instances' <c>/uploads</c> routes the way a browser behind a load balancer is: every call names the
/// instance to send it to; a 503 is retried (on the next instance) until a given time, a connection that fails because the
/// test killed the instance is retried on a live one. Every answer is recorded.
/// </summary>
internal sealed class UploadsClient(IReadOnlyList<SampleProcess> instances, HttpClient http)
{
    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(400);

    public ConcurrentQueue<Answer> Answers { get; } = new();

    public async Task<CallResult> SendAsync(string route, int instance, HttpMethod method, string path, string owner, string? json, DateTimeOffset retryUntil)
    {
        var lost = false;
        var retried = false;
        for (var attempt = 0; ; attempt++)
        {
            var target = Pick(instance + attempt);
            using var request = new HttpRequestMessage(method, new Uri(target.Url, path));
            request.Headers.Add("X-Demo-User", owner);
            if (json is not null)
            {
                request.Content = new StringContent(json, Encoding.UTF8, "application/json");
            }

            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request);
            }
            catch (HttpRequestException)
            {
                // Killed under us (allowed), or an instance that died by itself (the assertions flag it).
                Answers.Enqueue(new Answer(route, target.Name, 0, target.Killed ? "killed" : "connection_failed", false, null, DateTimeOffset.UtcNow));
                lost = true;
                if (DateTimeOffset.UtcNow > retryUntil)
                {
                    return new CallResult(0, "connection_failed", default, retried, lost, target.Name);
                }

                continue;
            }

            using (response)
            {
                var text = await response.Content.ReadAsStringAsync();
                var body = default(JsonElement);
                string? code = null;
                if (text.Length > 0 && response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.Ordinal) == true)
                {
                    body = JsonDocument.Parse(text).RootElement.Clone();
                    code = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("code", out var c) ? c.GetString() : null;
                }

                var status = (int)response.StatusCode;
                Answers.Enqueue(new Answer(route, target.Name, status, code, response.Headers.RetryAfter is not null,
                    response.Content.Headers.ContentType?.MediaType, DateTimeOffset.UtcNow));
                if (status == 503 && DateTimeOffset.UtcNow < retryUntil)
                {
                    retried = true;
                    await Task.Delay(RetryPause);
                    continue;
                }

                return new CallResult(status, code, body, retried, lost, target.Name);
            }
        }
    }

    /// <summary>PUTs to a presigned URL with the headers the issue answer listed; retries while S3 is unreachable.</summary>
    public async Task<int> PutAsync(Uri url, IReadOnlyDictionary<string, string> headers, byte[] content, DateTimeOffset retryUntil)
    {
        while (true)
        {
            using var request = PresignedRequests.Put(url, headers, content);

            int status;
            try
            {
                using var response = await http.SendAsync(request);
                status = (int)response.StatusCode;
            }
            catch (HttpRequestException)
            {
                status = 0;
            }

            // Connection refused or a 5xx: the gateway is down or coming back; anything else is its answer.
            if (status is > 0 and < 500 || DateTimeOffset.UtcNow > retryUntil)
            {
                return status;
            }

            await Task.Delay(RetryPause);
        }
    }

    private SampleProcess Pick(int preferred)
    {
        for (var i = 0; i < instances.Count; i++)
        {
            var candidate = instances[(preferred + i) % instances.Count];
            if (!candidate.Killed)
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("No instance is left.");
    }
}
