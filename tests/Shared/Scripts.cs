using System.Diagnostics;

namespace S3Presign.Tests.Shared;

/// <summary>Runs the repository's eng/ scripts and reads the <c>export NAME="value"</c> lines they print.</summary>
public static class Scripts
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>Runs <c>bash eng/…</c>; throws with the script's output when it fails, so nothing is silently skipped.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> RunForExportsAsync(string script, string arguments)
    {
        var (exitCode, stdout, stderr) = await RunAsync("bash", $"\"{Path.Combine(RepositoryRoot, script)}\" {arguments}");
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"{script} {arguments} failed (exit {exitCode}).\n{stdout}\n{stderr}");
        }

        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l.StartsWith("export ", StringComparison.Ordinal))
            .Select(l => l["export ".Length..].Split('=', 2))
            .ToDictionary(p => p[0], p => p[1].Trim('"', '\''));
    }

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string file, string arguments)
    {
        var info = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "S3Presign.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("S3Presign.sln not found above " + AppContext.BaseDirectory);
    }
}
