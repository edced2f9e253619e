using System.Globalization;
using System.Text;

namespace FullFlow;

/// <summary>
/// CPU time of named processes over the measured window, from /proc/PID/stat (utime + stime, all threads), and of the
/// whole machine from /proc/stat, so that "other" shows what the rest of the machine (other jobs) took.
/// <c>--watch name:pid,...</c> counts one process; <c>--watch-tree name:pid,...</c> that process and all its
/// descendants (PostgreSQL's backends). Ticks are USER_HZ, 100 per second on Linux.
/// </summary>
internal sealed class CpuWatch
{
    private const double TicksPerSecond = 100;
    private readonly List<(string Name, int Pid, bool Tree)> _groups = [];

    public static CpuWatch FromArguments(string? single, string? tree)
    {
        var watch = new CpuWatch();
        watch._groups.Add(("generator", Environment.ProcessId, false));
        Add(watch, single, false);
        Add(watch, tree, true);
        return watch;
    }

    private static void Add(CpuWatch watch, string? list, bool tree)
    {
        foreach (var item in (list ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = item.LastIndexOf(':');
            if (colon > 0 && int.TryParse(item[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                watch._groups.Add((item[..colon], pid, tree));
            }
        }
    }

    public sealed record Sample(Dictionary<string, long> Ticks, long MachineBusy, long MachineTotal);

    public Sample Snapshot()
    {
        var stats = ReadAllStats();
        var children = stats.Values.GroupBy(s => s.Ppid).ToDictionary(g => g.Key, g => g.Select(s => s.Pid).ToList());
        var ticks = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (name, pid, tree) in _groups)
        {
            long sum = 0;
            var queue = new Queue<int>([pid]);
            while (queue.TryDequeue(out var p))
            {
                if (stats.TryGetValue(p, out var s))
                {
                    sum += s.Ticks;
                }

                if (tree && children.TryGetValue(p, out var kids))
                {
                    kids.ForEach(queue.Enqueue);
                }
            }

            ticks[name] = ticks.GetValueOrDefault(name) + sum;
        }

        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal (guest time is already in user)
        var busy = cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6] + cpu[7];
        var total = busy + cpu[3] + cpu[4];
        return new Sample(ticks, busy, total);
    }

    public static string Report(Sample start, Sample end, TimeSpan window)
    {
        var cores = Environment.ProcessorCount;
        var capacity = window.TotalSeconds * cores;
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"cpu over the measured {window.TotalSeconds:0.0} s ({cores} cores = {capacity:0.0} core-seconds; core-s and % of the machine):");
        long ours = 0;
        foreach (var name in end.Ticks.Keys)
        {
            var used = end.Ticks[name] - start.Ticks.GetValueOrDefault(name);
            ours += used;
            sb.Append(CultureInfo.InvariantCulture, $"\n  {name,-10} {used / TicksPerSecond,7:0.0} core-s {100 * used / TicksPerSecond / capacity,5:0.0} %");
        }

        var busy = end.MachineBusy - start.MachineBusy;
        var total = end.MachineTotal - start.MachineTotal;
        var other = Math.Max(0, busy - ours);
        sb.Append(CultureInfo.InvariantCulture, $"\n  {"other",-10} {other / TicksPerSecond,7:0.0} core-s {100 * other / TicksPerSecond / capacity,5:0.0} %   (everything else on the machine)");
        sb.Append(CultureInfo.InvariantCulture, $"\n  {"idle",-10} {(total - busy) / TicksPerSecond,7:0.0} core-s {100.0 * (total - busy) / Math.Max(1, total),5:0.0} %");
        return sb.ToString();
    }

    private sealed record Stat(int Pid, int Ppid, long Ticks);

    private static Dictionary<int, Stat> ReadAllStats()
    {
        var all = new Dictionary<int, Stat>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            string text;
            try
            {
                text = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (IOException)
            {
                continue; // the process is gone
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            // "pid (comm) state ppid ... utime stime": comm may hold spaces and parentheses, so split after the last ')'.
            var rest = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            all[pid] = new Stat(pid, int.Parse(rest[1], CultureInfo.InvariantCulture),
                long.Parse(rest[11], CultureInfo.InvariantCulture) + long.Parse(rest[12], CultureInfo.InvariantCulture));
        }

        return all;
    }
}

/// <summary>The machine, for the summary.</summary>
internal static class Machine
{
    public static string LoadAverage() =>
        string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    public static string Cpu() =>
        File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
        ?? "unknown cpu";
}
