using System.Globalization;
using System.Text;

namespace FullFlow;

/// <summary>The printed summary (README and docs/performance.md quote it).</summary>
internal static class Summary
{
    public static string Format(
        RunConfig config, LoadState state, List<Flow> flows, TimeSpan elapsed, string loadBefore, string loadAfter,
        string cpu, SweepWait sweep, Verdict v)
    {
        var sb = new StringBuilder();
        var secs = elapsed.TotalSeconds;
        void Line(FormattableString s) => sb.AppendLine(s.ToString(CultureInfo.InvariantCulture));

        Line($"== full flows (issue → PUT → validate) against {config.Targets.Count} instances{(config.Label.Length > 0 ? " (" + config.Label + ")" : string.Empty)}");
        Line($"machine: {Environment.ProcessorCount} cores, {Machine.Cpu()}, load average {loadBefore} before, {loadAfter} after the load");
        Line($"config: {config.Concurrency} workers, {config.Duration.TotalSeconds:0} s measured after {config.Warmup.TotalSeconds:0} s warm-up, files {config.MinSize}–{config.MaxSize} B (PNG), {100 * config.AbandonRatio:0.#} % abandoned after PUT; round-robin issue, validate on another instance");
        Line($"        PendingTtl {config.PendingTtl:c}, UploadUrlExpiry {config.UploadUrlExpiry:c}, SweepInterval {config.SweepInterval:c}; targets {string.Join(' ', config.Targets)}");
        Line($"flows (measured): {state.MeasuredFlows:N0} in {secs:0.0} s = {state.MeasuredFlows / secs:0.0} flows/s; {state.MeasuredValidated:N0} validated ({state.MeasuredValidated / secs:0.0}/s), {state.MeasuredAbandoned:N0} abandoned; all runs incl. warm-up: {flows.Count:N0} flows");
        Line($"{"route",-9} {"requests",9} {"req/s",8} {"p50 ms",8} {"p90 ms",8} {"p99 ms",8} {"max ms",8}");
        foreach (var route in Enum.GetValues<Route>())
        {
            var l = state.Latencies(route);
            Line($"{route.ToString().ToLowerInvariant(),-9} {l.Length,9:N0} {l.Length / secs,8:0.0} {P(l, 50),8:0.0} {P(l, 90),8:0.0} {P(l, 99),8:0.0} {(l.Length > 0 ? l[^1] : 0),8:0.0}");
        }

        Line($"errors: {state.ErrorCount}{(state.ErrorCount > 0 ? " — " + string.Join(", ", state.Errors.Select(e => $"{e.Key} ×{e.Value}")) : string.Empty)}");
        foreach (var sample in state.ErrorSamples)
        {
            Line($"  e.g. {sample}");
        }

        var drained = sweep.DrainedAfterDeadline is { } d
            ? $"no pending row left {d.TotalSeconds:0.0} s after the last deadline ({sweep.LastDeadline:HH:mm:ss})"
            : sweep.ToSweep == 0 ? "nothing to sweep" : $"{sweep.PendingLeft} rows still pending when the wait ran out";
        Line($"sweep: {sweep.ToSweep} never-validated uploads (abandoned {v.Abandoned}, failed flows {sweep.ToSweep - v.Abandoned}); {drained}; waited {sweep.Waited.TotalSeconds:0} s");
        Line($"        abandoned uploads Expired by the sweeper: {v.AbandonedExpired}/{v.Abandoned}; failed flows Expired: {v.FailedFlowsExpired}");
        Line($"lost: {v.Lost} (of {v.ValidatedFlows:N0} validated uploads: row not Validated {v.RowNotValidated}, object missing or wrong size {v.ObjectMissingOrWrongSize}, still tagged pending {v.ValidatedStillTagged})");
        Line($"leaked: {v.Leaked} (objects not validated {v.ObjectsNotValidated} of {v.Objects:N0} in the bucket, {v.ObjectsNotValidatedTagged} of them tagged pending; pending rows past deadline {v.PendingRowsOverdue}; incomplete multipart uploads {v.MultipartUploads})");
        Line($"table: {v.Rows:N0} rows, {v.RowsUnknown} not issued by this run, {v.RowsRejected} rejected, {v.PendingRowsInTime} pending in time; checks took {v.Took.TotalSeconds:0.0} s");
        sb.AppendLine(cpu);
        var pass = state.ErrorCount == 0 && v.Lost == 0 && v.Leaked == 0 && v.AbandonedNotExpired == 0;
        Line($"result: {(pass ? "PASS" : "FAIL")}");
        return sb.ToString().TrimEnd();
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    private static double P(double[] sorted, double percentile)
    {
        if (sorted.Length == 0)
        {
            return 0;
        }

        var rank = (int)Math.Ceiling(percentile / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
