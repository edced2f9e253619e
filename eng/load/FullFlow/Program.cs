using System.Globalization;
using FullFlow;

// eng/load/full-flow.sh drives this tool; see that script for the whole picture.
//
//   FullFlow reset --pg CS --s3-url URL --bucket B
//       Drops the s3_uploads table and empties the bucket (objects and incomplete multipart uploads), before the
//       sample instances start, so that every check afterwards sees this run's uploads only.
//   FullFlow run --targets URL,URL,URL --pg CS --s3-url URL --bucket B --pending-ttl 30 --sweep-interval 5
//                [--concurrency 16] [--duration 60] [--warmup 5] [--abandon 0.05] [--min-size 1024] [--max-size 65536]
//                [--watch name:pid,...] [--watch-tree name:pid,...]
//       Warm-up, then DURATION seconds of full flows from CONCURRENCY workers; then waits for the sweeper and checks
//       that nothing was lost or leaked; prints the summary; exit code 1 when errors, lost or leaked > 0.
// AWS credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (eng/ceph/rgw.sh prints them).
if (args.Length == 0 || args[0] is not ("reset" or "run"))
{
    await Console.Error.WriteLineAsync("usage: FullFlow reset|run --name value ... (see eng/load/full-flow.sh)");
    return 2;
}

var options = Arguments.Parse(args.AsSpan(1));
try
{
    return args[0] switch
    {
        "reset" => await Reset.RunAsync(options),
        _ => await LoadRun.RunAsync(options),
    };
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"FullFlow: {e.Message}"));
    return 2;
}
