using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;

namespace S3Presign.ClusterTests.Infrastructure;

/// <summary>
/// One instance of samples/S3Presign.Sample as its own OS process (<c>dotnet S3Presign.Sample.dll --urls …</c>), its
/// stdout and stderr captured line by line: the last lines are kept for failure messages, every line goes to a log
/// file under bin/…/artifacts and to <see cref="LineReceived"/>.
/// </summary>
internal sealed class SampleProcess : IDisposable
{
    private const int TailLines = 300;
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _tail = new();
    private readonly StreamWriter _log;
    private readonly Lock _logGate = new();
    private int _killed;

    private SampleProcess(string name, int port, Process process, StreamWriter log)
    {
        Name = name;
        Url = new Uri($"http://127.0.0.1:{port}");
        _process = process;
        _log = log;
    }

    /// <summary>Called for every line the process writes (on a thread-pool thread, as soon as it is read).</summary>
    public event Action<SampleProcess, string>? LineReceived;

    public string Name { get; }

    public Uri Url { get; }

    public int Pid => _process.Id;

    /// <summary>Gets whether the test killed it (requests to it may then fail with a connection error).</summary>
    public bool Killed => Volatile.Read(ref _killed) == 1;

    /// <summary>The sample's dll in its own build output (this project references it, so it is built alongside).</summary>
    public static string SampleDll { get; } = FindSampleDll();

    public static SampleProcess Start(string name, IReadOnlyDictionary<string, string> environment, Action<SampleProcess, string>? onLine = null)
    {
        var port = FreePort();
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(SampleDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(SampleDll);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add($"http://127.0.0.1:{port}");

        // Nothing of the test runner's own S3, database or ASP.NET settings may leak into the app.
        foreach (var key in info.Environment.Keys.Where(k =>
                     k.StartsWith("S3Uploads__", StringComparison.OrdinalIgnoreCase) || k.StartsWith("ConnectionStrings__", StringComparison.OrdinalIgnoreCase)
                     || k.StartsWith("AWS_", StringComparison.OrdinalIgnoreCase) || k.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)
                     || k.StartsWith("Logging__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(key);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var artifacts = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "artifacts")).FullName;
        var log = new StreamWriter(Path.Combine(artifacts, $"cluster-{name}.log"), append: false) { AutoFlush = true };
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var instance = new SampleProcess(name, port, process, log);
        if (onLine is not null)
        {
            instance.LineReceived += onLine;
        }

        process.OutputDataReceived += (_, e) => instance.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => instance.OnLine(e.Data is null ? null : "[stderr] " + e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {name}: dotnet {SampleDll}");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return instance;
    }

    /// <summary>Waits until the app answers its routes (an unknown id gives 404), failing early if it exits.</summary>
    public async Task WaitUntilReadyAsync(HttpClient http, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} while starting.\n{Tail()}");
            }

            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Url, "/uploads/not-an-upload"));
                request.Headers.Add("X-Demo-User", "ready-check");
                using var response = await http.SendAsync(request);
                if (response.StatusCode == HttpStatusCode.NotFound)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Name} did not answer within {timeout}.\n{Tail()}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary><c>kill -9</c>: SIGKILL to the process (and anything it started); no shutdown code runs.</summary>
    public void KillHard()
    {
        if (Interlocked.Exchange(ref _killed, 1) == 0)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The last lines, cut to 300 characters, without EF Core's own error lines (which repeat what S3Presign
    /// logs during a database outage; the log file has them).</summary>
    public string Tail(int lines = 40) =>
        $"----- last lines of {Name} (pid {_process.Id}, {Url}; EF Core lines left out) -----\n"
        + string.Join('\n', _tail.Where(l => !l.Contains("Microsoft.EntityFrameworkCore", StringComparison.Ordinal)).TakeLast(lines)
            .Select(l => l.Length > 300 ? l[..300] + " …" : l));

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already gone.
        }

        _process.Dispose();
        lock (_logGate)
        {
            _log.Dispose();
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        _tail.Enqueue(line);
        while (_tail.Count > TailLines && _tail.TryDequeue(out _))
        {
        }

        lock (_logGate)
        {
            try
            {
                _log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
            }
        }

        LineReceived?.Invoke(this, line);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindSampleDll()
    {
        var path = typeof(SampleProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == "SampleAppPath")?.Value;
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            throw new InvalidOperationException(
                $"The sample's dll was not found at '{path}' (recorded at build time from the ProjectReference to samples/S3Presign.Sample). Build the test project.");
        }

        return path;
    }
}
