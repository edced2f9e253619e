using System.Collections.Concurrent;
using System.Diagnostics;
using Amazon.S3;
using Amazon.S3.Model;
using Npgsql;

namespace FullFlow;

/// <summary>How the wait for the sweeper went.</summary>
internal sealed record SweepWait(int ToSweep, DateTimeOffset? LastDeadline, TimeSpan? DrainedAfterDeadline, long PendingLeft, TimeSpan Waited);

/// <summary>What the checks found. Lost and leaked as defined in eng/load/full-flow.sh.</summary>
internal sealed record Verdict(
    int ValidatedFlows,
    int RowNotValidated,
    int ObjectMissingOrWrongSize,
    int ValidatedStillTagged,
    int Lost,
    int Objects,
    int ObjectsNotValidated,
    int ObjectsNotValidatedTagged,
    int PendingRowsOverdue,
    int PendingRowsInTime,
    int MultipartUploads,
    int Leaked,
    int Abandoned,
    int AbandonedExpired,
    int AbandonedNotExpired,
    int FailedFlowsExpired,
    int Rows,
    int RowsUnknown,
    int RowsRejected,
    TimeSpan Took);

/// <summary>The after-run checks against the bucket and the s3_uploads table.</summary>
internal sealed class Checks(string connectionString, AmazonS3Client s3, string bucket)
{
    private const int Pending = 0, Validated = 1, Rejected = 2, Expired = 3;

    /// <summary>
    /// Waits until no row is pending any more, or until the last deadline of a never-validated upload plus three sweep
    /// intervals (and 10 s for slow sweeps) has passed.
    /// </summary>
    public async Task<SweepWait> WaitForSweepAsync(IReadOnlyCollection<Flow> flows, TimeSpan sweepInterval)
    {
        var waiting = Stopwatch.StartNew();
        var toSweep = flows.Where(f => f.Id is not null && f.Outcome != FlowOutcome.Validated).ToList();
        DateTimeOffset? lastDeadline = toSweep.Count > 0 ? toSweep.Max(f => f.ValidateBefore!.Value) : null;
        var limit = (lastDeadline ?? DateTimeOffset.UtcNow) + (3 * sweepInterval) + TimeSpan.FromSeconds(10);
        long pending;
        while (true)
        {
            pending = await ScalarAsync("SELECT count(*) FROM s3_uploads WHERE status = 0");
            var now = DateTimeOffset.UtcNow;
            if (pending == 0)
            {
                var after = lastDeadline is { } d ? now - d : (TimeSpan?)null;
                return new SweepWait(toSweep.Count, lastDeadline, after, 0, waiting.Elapsed);
            }

            if (now > limit)
            {
                return new SweepWait(toSweep.Count, lastDeadline, null, pending, waiting.Elapsed);
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    public async Task<Verdict> RunAsync(IReadOnlyCollection<Flow> flows)
    {
        var took = Stopwatch.StartNew();
        var nowTicks = DateTime.UtcNow.Ticks;

        // The table.
        var rows = new Dictionary<string, (string Key, int Status, long ValidateBefore)>(StringComparer.Ordinal);
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT id, key, status, validate_before FROM s3_uploads", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows[reader.GetString(0)] = (reader.GetString(1), reader.GetInt32(2), reader.GetInt64(3));
            }
        }

        // The bucket: every object, its size and whether it still carries the pending marker.
        var objects = new Dictionary<string, long>(StringComparer.Ordinal);
        string? token = null;
        do
        {
            var page = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, ContinuationToken = token });
            foreach (var o in page.S3Objects ?? [])
            {
                objects[o.Key] = o.Size ?? -1;
            }

            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);

        var tagged = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(objects.Keys, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (key, ct) =>
        {
            var tagging = await s3.GetObjectTaggingAsync(new GetObjectTaggingRequest { BucketName = bucket, Key = key }, ct);
            if ((tagging.Tagging ?? []).Any(t => t.Key == "s3presign-pending"))
            {
                tagged[key] = true;
            }
        });

        var multipart = await ListMultipartAsync(s3, bucket);

        // Lost: a validated upload whose row is not Validated, whose object is gone or short, or whose object still
        // carries the pending marker (the lifecycle safety net would delete it).
        var validated = flows.Where(f => f.Outcome == FlowOutcome.Validated).ToList();
        var validatedKeys = validated.Select(f => f.Key!).ToHashSet(StringComparer.Ordinal);
        int rowNotValidated = 0, objectBad = 0, stillTagged = 0;
        var lost = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in validated)
        {
            if (!rows.TryGetValue(f.Id!, out var row) || row.Status != Validated)
            {
                rowNotValidated++;
                lost.Add(f.Id!);
            }

            if (!objects.TryGetValue(f.Key!, out var size) || size != f.Size)
            {
                objectBad++;
                lost.Add(f.Id!);
            }

            if (tagged.ContainsKey(f.Key!))
            {
                stillTagged++;
                lost.Add(f.Id!);
            }
        }

        // Leaked: objects that are not validated ones, pending rows past their deadline, incomplete multipart uploads.
        var notValidated = objects.Keys.Where(k => !validatedKeys.Contains(k)).ToList();
        var notValidatedTagged = notValidated.Count(tagged.ContainsKey);
        var overdue = rows.Values.Count(r => r.Status == Pending && r.ValidateBefore <= nowTicks);
        var inTime = rows.Values.Count(r => r.Status == Pending && r.ValidateBefore > nowTicks);
        var leaked = notValidated.Count + overdue + multipart.Count;

        // The sweeper's part: every abandoned upload (and every failed flow that got an id) must have ended Expired.
        var abandoned = flows.Where(f => f.Outcome == FlowOutcome.Abandoned).ToList();
        var abandonedExpired = abandoned.Count(f => rows.TryGetValue(f.Id!, out var r) && r.Status == Expired);
        var failedExpired = flows.Count(f => f.Outcome == FlowOutcome.Failed && f.Id is not null
            && rows.TryGetValue(f.Id, out var r) && r.Status == Expired);

        var known = flows.Where(f => f.Id is not null).Select(f => f.Id!).ToHashSet(StringComparer.Ordinal);
        return new Verdict(
            validated.Count, rowNotValidated, objectBad, stillTagged, lost.Count,
            objects.Count, notValidated.Count, notValidatedTagged, overdue, inTime, multipart.Count, leaked,
            abandoned.Count, abandonedExpired, abandoned.Count - abandonedExpired, failedExpired,
            rows.Count, rows.Keys.Count(k => !known.Contains(k)), rows.Values.Count(r => r.Status == Rejected),
            took.Elapsed);
    }

    public static async Task<List<MultipartUpload>> ListMultipartAsync(AmazonS3Client s3, string bucket)
    {
        var all = new List<MultipartUpload>();
        string? keyMarker = null, uploadIdMarker = null;
        do
        {
            var page = await s3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest
            {
                BucketName = bucket, KeyMarker = keyMarker, UploadIdMarker = uploadIdMarker,
            });
            all.AddRange(page.MultipartUploads ?? []);
            keyMarker = page.IsTruncated == true ? page.NextKeyMarker : null;
            uploadIdMarker = page.IsTruncated == true ? page.NextUploadIdMarker : null;
        }
        while (keyMarker is not null);

        return all;
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
