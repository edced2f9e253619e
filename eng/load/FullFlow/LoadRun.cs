using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace FullFlow;

/// <summary>How a flow ended.</summary>
internal enum FlowOutcome
{
    /// <summary>Issue, PUT and validate all answered 2xx and the upload is validated.</summary>
    Validated,

    /// <summary>Issue and PUT answered 2xx; validate was never called on purpose (the sweeper's part).</summary>
    Abandoned,

    /// <summary>A request failed; the flow stopped there (an error).</summary>
    Failed,
}

/// <summary>One flow as the client saw it. <see cref="Id"/> is null when the issue itself failed.</summary>
internal sealed record Flow(string? Id, string? Key, long Size, DateTimeOffset? ValidateBefore, FlowOutcome Outcome);

/// <summary>The issue response members the flow needs.</summary>
internal sealed record Issued(string Id, string FileKey, string Method, Uri UploadUrl, Dictionary<string, string> Headers, DateTimeOffset ValidateBefore);

/// <summary>The validate response members the flow checks.</summary>
internal sealed record ValidatedBody(string Id, string Status, long Size);

/// <summary>The three routes of a flow.</summary>
internal enum Route
{
    Issue,
    Put,
    Validate,
}

/// <summary>The load phase, then the wait for the sweeper, then the checks and the summary.</summary>
internal static class LoadRun
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static async Task<int> RunAsync(Arguments args)
    {
        var targets = args.Required("targets").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => new Uri(t.TrimEnd('/') + "/")).ToArray();
        if (targets.Length < 2)
        {
            throw new ArgumentException("--targets needs at least two instances (validate goes to another one than issue)");
        }

        var config = new RunConfig(
            targets,
            args.Int("concurrency", 16),
            args.Seconds("duration", 60),
            args.Seconds("warmup", 5),
            args.Double("abandon", 0.05),
            args.Int("min-size", 1024),
            args.Int("max-size", 65536),
            args.Seconds("pending-ttl", 30),
            args.Seconds("upload-url-expiry", 20),
            args.Seconds("sweep-interval", 5),
            args.Optional("label") ?? string.Empty);
        if (config.MinSize < PngSignature.Length || config.MaxSize < config.MinSize)
        {
            throw new ArgumentException($"sizes must satisfy {PngSignature.Length} <= --min-size <= --max-size");
        }

        var watch = CpuWatch.FromArguments(args.Optional("watch"), args.Optional("watch-tree"));
        var loadBefore = Machine.LoadAverage();

        using var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            MaxConnectionsPerServer = int.MaxValue,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };

        var state = new LoadState(config);
        var workers = Enumerable.Range(0, config.Concurrency)
            .Select(i => Task.Run(() => WorkerAsync(i, http, state)))
            .ToArray();

        Console.Error.WriteLine($"FullFlow: {config.Concurrency} workers against {targets.Length} instances, warming up for {config.Warmup.TotalSeconds:0} s");
        await Task.Delay(config.Warmup);
        var cpuStart = watch.Snapshot();
        state.StartMeasuring();
        Console.Error.WriteLine($"FullFlow: measuring for {config.Duration.TotalSeconds:0} s");
        await Task.Delay(config.Duration);
        state.Stop();
        var cpuEnd = watch.Snapshot();
        var cpuSeconds = state.SinceMeasureStart();
        await Task.WhenAll(workers);
        var elapsed = state.SinceMeasureStart();
        var loadAfter = Machine.LoadAverage();

        var flows = state.Flows.ToList();
        Console.Error.WriteLine($"FullFlow: load done ({flows.Count} flows); waiting for the sweeper");

        using var s3 = args.S3Client();
        var checker = new Checks(args.Required("pg"), s3, args.Required("bucket"));
        var sweep = await checker.WaitForSweepAsync(flows, config.SweepInterval);
        var verdict = await checker.RunAsync(flows);

        var summary = Summary.Format(config, state, flows, elapsed, loadBefore, loadAfter, CpuWatch.Report(cpuStart, cpuEnd, cpuSeconds), sweep, verdict);
        Console.WriteLine(summary);
        return state.ErrorCount == 0 && verdict.Lost == 0 && verdict.Leaked == 0 && verdict.AbandonedNotExpired == 0 ? 0 : 1;
    }

    private static async Task WorkerAsync(int index, HttpClient http, LoadState state)
    {
        var config = state.Config;
        var random = new Random(1000 + index);
        var user = string.Create(CultureInfo.InvariantCulture, $"load-user-{index:D2}");
        var bytes = new byte[config.MaxSize];
        random.NextBytes(bytes);
        PngSignature.CopyTo(bytes, 0);

        while (!state.Stopping)
        {
            var measured = state.Measuring;
            var n = state.NextFlow();
            var issueAt = (int)(n % config.Targets.Count);
            var validateAt = (issueAt + 1 + random.Next(config.Targets.Count - 1)) % config.Targets.Count;
            var size = random.Next(config.MinSize, config.MaxSize + 1);
            var abandon = random.NextDouble() < config.AbandonRatio;
            var flow = await FlowAsync(http, state, measured, user, n, config.Targets[issueAt], config.Targets[validateAt], bytes, size, abandon);
            state.Record(flow, measured);
        }
    }

    private static async Task<Flow> FlowAsync(
        HttpClient http, LoadState state, bool measured, string user, long n, Uri issueAt, Uri validateAt, byte[] bytes, int size, bool abandon)
    {
        // 1. Issue, on one instance.
        var body = JsonSerializer.SerializeToUtf8Bytes(new { filename = $"load-{n}.png", contentType = "image/png", size }, Json);
        using var issueRequest = new HttpRequestMessage(HttpMethod.Post, new Uri(issueAt, "uploads"));
        issueRequest.Headers.Add("X-Demo-User", user);
        issueRequest.Content = new ByteArrayContent(body);
        issueRequest.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var (issueStatus, issueBody) = await SendAsync(http, issueRequest, state, Route.Issue, measured);
        if (issueStatus != HttpStatusCode.Created)
        {
            state.Error(Route.Issue, issueStatus, issueBody);
            return new Flow(null, null, size, null, FlowOutcome.Failed);
        }

        var issued = JsonSerializer.Deserialize<Issued>(issueBody, Json)!;

        // 2. PUT the bytes straight to S3 with exactly the returned headers.
        using var put = new HttpRequestMessage(new HttpMethod(issued.Method), issued.UploadUrl) { Content = new ByteArrayContent(bytes, 0, size) };
        foreach (var (name, value) in issued.Headers)
        {
            if (string.Equals(name, "Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                put.Content.Headers.ContentLength = long.Parse(value, CultureInfo.InvariantCulture);
            }
            else if (!put.Headers.TryAddWithoutValidation(name, value))
            {
                put.Content.Headers.Remove(name);
                put.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        var (putStatus, putBody) = await SendAsync(http, put, state, Route.Put, measured);
        if (putStatus != HttpStatusCode.OK)
        {
            state.Error(Route.Put, putStatus, putBody);
            return new Flow(issued.Id, issued.FileKey, size, issued.ValidateBefore, FlowOutcome.Failed);
        }

        if (abandon)
        {
            return new Flow(issued.Id, issued.FileKey, size, issued.ValidateBefore, FlowOutcome.Abandoned);
        }

        // 3. Validate, on another instance than the one that issued.
        using var validate = new HttpRequestMessage(HttpMethod.Post, new Uri(validateAt, $"uploads/{Uri.EscapeDataString(issued.Id)}/validate"));
        validate.Headers.Add("X-Demo-User", user);
        var (validateStatus, validateBody) = await SendAsync(http, validate, state, Route.Validate, measured);
        ValidatedBody? validated = null;
        if (validateStatus == HttpStatusCode.OK)
        {
            validated = JsonSerializer.Deserialize<ValidatedBody>(validateBody, Json);
        }

        if (validated is not { Status: "validated" } || validated.Size != size || validated.Id != issued.Id)
        {
            state.Error(Route.Validate, validateStatus, validateBody);
            return new Flow(issued.Id, issued.FileKey, size, issued.ValidateBefore, FlowOutcome.Failed);
        }

        return new Flow(issued.Id, issued.FileKey, size, issued.ValidateBefore, FlowOutcome.Validated);
    }

    private static async Task<(HttpStatusCode Status, byte[] Body)> SendAsync(
        HttpClient http, HttpRequestMessage request, LoadState state, Route route, bool measured)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead);
            var body = await response.Content.ReadAsByteArrayAsync();
            state.Latency(route, Stopwatch.GetElapsedTime(started), measured);
            return (response.StatusCode, body);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            state.Latency(route, Stopwatch.GetElapsedTime(started), measured);
            return (0, Encoding.UTF8.GetBytes($"{e.GetType().Name}: {e.Message}"));
        }
    }
}

/// <summary>What the run was asked to do.</summary>
internal sealed record RunConfig(
    IReadOnlyList<Uri> Targets,
    int Concurrency,
    TimeSpan Duration,
    TimeSpan Warmup,
    double AbandonRatio,
    int MinSize,
    int MaxSize,
    TimeSpan PendingTtl,
    TimeSpan UploadUrlExpiry,
    TimeSpan SweepInterval,
    string Label);

/// <summary>Shared by the workers: phase, flow counter, latencies, errors, flows.</summary>
internal sealed class LoadState(RunConfig config)
{
    private readonly ConcurrentBag<double>[] _latencies = [new(), new(), new()];
    private readonly long[] _requests = new long[3];
    private long _flowCounter;
    private long _measureStart;
    private volatile int _phase; // 0 warm-up, 1 measuring, 2 stopping

    public RunConfig Config { get; } = config;

    public ConcurrentBag<Flow> Flows { get; } = [];

    public ConcurrentDictionary<string, int> Errors { get; } = new(StringComparer.Ordinal);

    public ConcurrentQueue<string> ErrorSamples { get; } = new();

    public int ErrorCount => Errors.Values.Sum();

    public long MeasuredFlows;

    public long MeasuredValidated;

    public long MeasuredAbandoned;

    public bool Measuring => _phase == 1;

    public bool Stopping => _phase == 2;

    public long NextFlow() => Interlocked.Increment(ref _flowCounter);

    public void StartMeasuring()
    {
        _measureStart = Stopwatch.GetTimestamp();
        _phase = 1;
    }

    public void Stop() => _phase = 2;

    public TimeSpan SinceMeasureStart() => Stopwatch.GetElapsedTime(_measureStart);

    public double[] Latencies(Route route) => _latencies[(int)route].OrderBy(x => x).ToArray();

    public long Requests(Route route) => Interlocked.Read(ref _requests[(int)route]);

    public void Latency(Route route, TimeSpan elapsed, bool measured)
    {
        if (measured)
        {
            _latencies[(int)route].Add(elapsed.TotalMilliseconds);
            Interlocked.Increment(ref _requests[(int)route]);
        }
    }

    public void Error(Route route, HttpStatusCode status, byte[] body)
    {
        var text = Encoding.UTF8.GetString(body);
        Errors.AddOrUpdate($"{route.ToString().ToLowerInvariant()} {(int)status}", 1, (_, n) => n + 1);
        if (ErrorSamples.Count < 5)
        {
            ErrorSamples.Enqueue($"{route.ToString().ToLowerInvariant()} {(int)status}: {(text.Length > 300 ? text[..300] : text)}");
        }
    }

    public void Record(Flow flow, bool measured)
    {
        Flows.Add(flow);
        if (measured)
        {
            Interlocked.Increment(ref MeasuredFlows);
            if (flow.Outcome == FlowOutcome.Validated)
            {
                Interlocked.Increment(ref MeasuredValidated);
            }
            else if (flow.Outcome == FlowOutcome.Abandoned)
            {
                Interlocked.Increment(ref MeasuredAbandoned);
            }
        }
    }
}
