using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Amazon.S3;
using Amazon.S3.Model;
using Npgsql;
using S3Presign.ClusterTests.Infrastructure;

namespace S3Presign.ClusterTests;

/// <summary>
/// Issue 6's multi-process proof. Three processes of the real sample (samples/S3Presign.Sample, PostgreSQL store) share
/// one PostgreSQL and one Ceph RGW. Clients run 300 uploads against them in waves: validated, abandoned (with and
/// without the bytes, single PUT and multipart), cancelled while pending, deleted after validation, and validations sent
/// around the deadline to another instance than the one that issued. Meanwhile the gateway is stopped and started again
/// (<c>rgw.sh stop-gateway</c> / <c>start-gateway</c>: objects kept), PostgreSQL is stopped and started again on the
/// same data, and one instance is killed with SIGKILL right after its sweeper claimed expired uploads (that instance
/// reaches S3 through <see cref="SlowDeleteLink"/>, so the kill lands between its claim and its delete). Afterwards the
/// database and the bucket must agree on every upload (I1–I3), the killed instance's claim must have held for its lease
/// and then been taken over by the survivors, and every answer a client got must be a documented one, never a 500 (I7).
/// Real time throughout: real processes cannot share a clock. Logs, a report and one line per upload are written to
/// bin/…/artifacts/cluster-*.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit disposes it through IAsyncLifetime.DisposeAsync.")]
public sealed partial class MultiProcessClusterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int InstanceCount = 3;
    private const int Waves = 6;
    private const int UploadsPerWave = 50;
    private const int SweepBatchSize = 10;
    private const int FileSize = 200;

    /// <summary>The instance that is killed. It talks to S3 through <see cref="SlowDeleteLink"/> (which holds its
    /// multi-object deletes once the kill is armed) and sweeps every <see cref="VictimSweepInterval"/>.</summary>
    private const int Victim = 2;

    // The test gateway runs with a 10-second lifecycle "day" (rgw.sh: rgw_lc_debug_interval). The apps install the
    // bucket's safety-net rule (pending marker, 1 day) at start-up, which would delete pending objects some 9–10 s after
    // their upload; the test removes the rule once the apps are up, so that nothing but the library deletes objects, and
    // keeps the deadline (7 s) below that day as 20 minutes is below a real one.
    private static readonly TimeSpan UrlExpiry = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan PendingTtl = TimeSpan.FromSeconds(7);
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan SweepLease = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan VictimSweepInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan VictimDeleteDelay = TimeSpan.FromSeconds(2.5);
    private static readonly TimeSpan WaveSpacing = TimeSpan.FromSeconds(5);

    // The faults, counted from the start of the traffic. Waves are issued at 0, 5, 10, 15, 20 and 25 s, so their deadlines
    // fall at 7, 12, 17, 22, 27 and 32 s: the gateway is down while wave 0's deadline passes (sweeps and late validations
    // fail) and wave 2 is issued; PostgreSQL is down while wave 2's deadline passes and wave 3 is validated. The kill is
    // armed when PostgreSQL is back, when the expired uploads that piled up meanwhile are being claimed.
    private static readonly TimeSpan GatewayDownAt = TimeSpan.FromSeconds(7);
    private static readonly TimeSpan GatewayDownFor = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan PostgresDownAt = TimeSpan.FromSeconds(16);
    private static readonly TimeSpan PostgresDownFor = TimeSpan.FromSeconds(4);

    private readonly List<SampleProcess> _instances = [];
    private readonly ConcurrentDictionary<string, string> _failedDeletes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Kind> _neverValidated = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<string> _violations = [];
    private readonly int[] _claimedRows = new int[InstanceCount];
    private readonly TaskCompletionSource _killed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ClusterServers _servers = null!;
    private AmazonS3Client _s3 = null!;
    private SlowDeleteLink _link = null!;
    private HttpClient _http = null!;
    private UploadsClient _client = null!;
    private string _bucket = null!;
    private string _database = null!;
    private int _armed;
    private IReadOnlyList<ClaimedRow> _victimClaim = [];
    private int _victimClaimed;
    private int _cleanedBySweepers;
    private int _disposed;
    private DateTimeOffset _t0;
    private DateTimeOffset _killedAt;
    private (DateTimeOffset From, DateTimeOffset To) _gatewayDown;
    private (DateTimeOffset From, DateTimeOffset To) _postgresDown;

    private enum Kind
    {
        Validate,
        ValidateAndGet,
        ValidateThenDelete,
        AbandonedAfterPut,
        AbandonedNoPut,
        AbandonedMultipart,
        DeletePending,
        RaceDeadline,
    }

    public async Task InitializeAsync()
    {
        _servers = await ClusterServers.StartAsync();
        _s3 = _servers.CreateS3Client();
        _bucket = $"cluster-{Guid.NewGuid():N}"[..40];
        await _s3.PutBucketAsync(new PutBucketRequest { BucketName = _bucket });
        _database = await _servers.CreateDatabaseAsync();
        _link = new SlowDeleteLink(_servers.ServiceUrl, VictimDeleteDelay);
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5), PooledConnectionLifetime = TimeSpan.FromSeconds(20) })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };

        for (var i = 0; i < InstanceCount; i++)
        {
            var environment = Environment(i == Victim ? _link.Url : _servers.ServiceUrl);
            if (i == Victim)
            {
                environment["S3Uploads__SweepInterval"] = VictimSweepInterval.ToString("c", CultureInfo.InvariantCulture);
            }

            _instances.Add(SampleProcess.Start($"app{i}", environment, OnLine));
        }

        _client = new UploadsClient(_instances, _http);
        try
        {
            await Task.WhenAll(_instances.Select(i => i.WaitUntilReadyAsync(_http, TimeSpan.FromSeconds(90))));

            // The apps installed the bucket's lifecycle safety net when they started. Take it away: every object removal
            // in this run must be the library's own, so that a leak cannot hide behind the net's 10-second "day".
            await _s3.DeleteLifecycleConfigurationAsync(new DeleteLifecycleConfigurationRequest { BucketName = _bucket });
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        foreach (var instance in _instances)
        {
            instance.Dispose();
        }

        // A failure mid-outage must not leave the servers down for the next run.
        if (_servers is { GatewayStopped: true })
        {
            await _servers.StartGatewayAsync();
        }

        if (_servers is { PostgresStopped: true })
        {
            await _servers.StartPostgresAsync();
        }

        if (_link is not null)
        {
            await _link.DisposeAsync();
        }

        _http?.Dispose();
        _s3?.Dispose();
        if (_database is not null)
        {
            await _servers.DropDatabaseAsync(_database);
        }
    }

    [Fact]
    public async Task ThreeProcesses_ThroughGatewayRestartPostgresRestartAndKill9MidSweep_KeepEveryInvariant()
    {
        var started = DateTimeOffset.UtcNow;
        var uploads = Enumerable.Range(0, Waves * UploadsPerWave).Select(NewUpload).ToList();

        var t0 = _t0 = DateTimeOffset.UtcNow;
        var traffic = Enumerable.Range(0, Waves).Select(async wave =>
        {
            await DelayUntil(t0 + (wave * WaveSpacing));
            var running = new List<Task>();
            foreach (var upload in uploads.Skip(wave * UploadsPerWave).Take(UploadsPerWave))
            {
                running.Add(RunAsync(upload));
                await Task.Delay(20);
            }

            await Task.WhenAll(running);
        }).ToList();
        var faults = InjectFaultsAsync(t0);
        try
        {
            await Task.WhenAll(traffic.Append(faults));
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException($"The run broke off: {e.Message}\n{Tails()}", e);
        }

        var kill = await faults;

        // Every deadline has passed; the survivors' sweepers finish within the lease plus a few intervals, including the
        // removals that transitions ending an upload while RGW was down could not do themselves.
        // Uploads ended while their URL was still valid get one more delete at UploadExpiresAt + 30 s.
        await WaitForSettledAsync(TimeSpan.FromSeconds(75));
        var checkedAt = DateTimeOffset.UtcNow;

        // Recovered by themselves: the survivors serve a full round trip without having been restarted.
        foreach (var survivor in Enumerable.Range(0, InstanceCount).Where(i => i != Victim))
        {
            await RoundTripAsync(survivor);
        }

        var rows = await ReadRowsAsync();
        var keys = await ListKeysAsync();
        await CheckStoreAgainstBucketAsync(rows, keys);
        CheckClientOutcomes(uploads, rows);
        CheckAnswers();
        CheckKill(kill, rows);

        var summary = Summary(uploads, rows, kill, keys, checkedAt - started);
        output.WriteLine(summary);
        await WriteUploadsTableAsync(uploads, rows);
        var report = _violations.IsEmpty ? summary : FailureReport(summary);
        await File.WriteAllTextAsync(Path.Combine(AppContext.BaseDirectory, "artifacts", "cluster-report.txt"), report);
        if (!_violations.IsEmpty)
        {
            Assert.Fail(report);
        }
    }

    // ------------------------------------------------------------------ the clients

    private static Upload NewUpload(int index) => new()
    {
        Index = index,
        Owner = $"user-{index % 7}",
        IssuedBy = index % InstanceCount,
        Kind = (index % 10) switch
        {
            0 or 1 => Kind.Validate,
            2 => Kind.ValidateAndGet,
            3 => Kind.ValidateThenDelete,
            4 => Kind.AbandonedAfterPut,
            5 => index % 20 == 5 ? Kind.AbandonedNoPut : Kind.AbandonedMultipart,
            6 => Kind.DeletePending,
            _ => Kind.RaceDeadline,
        },
        // -400 ms … +400 ms around the deadline.
        RaceOffset = TimeSpan.FromMilliseconds((((index * 7) % 9) - 4) * 100),
    };

    private async Task RunAsync(Upload u)
    {
        var other = u.IssuedBy + 1;
        var third = u.IssuedBy + 2;
        var mode = u.Kind == Kind.AbandonedMultipart ? """, "mode": "multipart" """ : string.Empty;
        var issued = await _client.SendAsync("issue", u.IssuedBy, HttpMethod.Post, "/uploads", u.Owner,
            $$"""{ "filename": "f{{u.Index}}.png", "contentType": "image/png", "size": {{FileSize}}{{mode}} }""",
            DateTimeOffset.UtcNow + TimeSpan.FromSeconds(20));
        u.IssueStatus = issued.Status;
        if (issued.Status != 201)
        {
            return;
        }

        u.Id = issued.Body.GetProperty("id").GetString()!;
        u.Key = issued.Body.GetProperty("fileKey").GetString()!;
        u.ValidateBefore = issued.Body.GetProperty("validateBefore").GetDateTimeOffset();
        if (u.Kind is Kind.AbandonedAfterPut or Kind.AbandonedNoPut or Kind.AbandonedMultipart)
        {
            _neverValidated[u.Id] = u.Kind;
        }

        var expiresAt = issued.Body.GetProperty("expiresAt").GetDateTimeOffset();
        var url = new Uri(issued.Body.GetProperty("uploadUrl").GetString()!);
        var headers = issued.Body.GetProperty("headers").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        var lateEnough = u.ValidateBefore + TimeSpan.FromSeconds(8);

        switch (u.Kind)
        {
            case Kind.Validate or Kind.ValidateAndGet or Kind.ValidateThenDelete:
                u.Put = await PutAsync(u, url, headers, expiresAt);
                await ValidateAsync(u, other, lateEnough);
                if (u.Kind == Kind.ValidateAndGet && u.ValidateStatus == 200)
                {
                    var get = await _client.SendAsync("get", third, HttpMethod.Get, $"/uploads/{u.Id}", u.Owner, null, DateTimeOffset.UtcNow + TimeSpan.FromSeconds(15));
                    if (get.Status != 200 || get.Body.GetProperty("status").GetString() != "validated")
                    {
                        _violations.Add($"{u}: validated, but GET on app{third % InstanceCount} answered {get.Status} {Describe(get.Body)}");
                    }
                }
                else if (u.Kind == Kind.ValidateThenDelete && u.ValidateStatus == 200)
                {
                    await DeleteAsync(u, third);
                }

                break;

            case Kind.AbandonedAfterPut:
                u.Put = await PutAsync(u, url, headers, expiresAt);
                break;

            case Kind.AbandonedMultipart:
                var parts = await _client.SendAsync("parts", other, HttpMethod.Post, $"/uploads/{u.Id}/parts", u.Owner,
                    """{ "partNumbers": [1] }""", expiresAt);
                if (parts.Status == 410 && DateTimeOffset.UtcNow < expiresAt)
                {
                    _violations.Add($"{u}: part URLs refused as expired before the upload's presigned requests expired");
                }

                if (parts.Status == 200)
                {
                    var partUrl = new Uri(parts.Body.GetProperty("parts")[0].GetProperty("url").GetString()!);
                    u.Put = await PutAsync(u, partUrl, new Dictionary<string, string>(), expiresAt);
                }

                break;

            case Kind.DeletePending:
                if (u.Index % 20 == 6)
                {
                    u.Put = await PutAsync(u, url, headers, expiresAt);
                }

                await DeleteAsync(u, other);
                break;

            case Kind.RaceDeadline:
                u.Put = await PutAsync(u, url, headers, expiresAt);
                await DelayUntil(u.ValidateBefore + u.RaceOffset);
                await ValidateAsync(u, other, lateEnough);
                break;

            case Kind.AbandonedNoPut:
                break;
        }
    }

    private async Task<bool> PutAsync(Upload u, Uri url, IReadOnlyDictionary<string, string> headers, DateTimeOffset until)
    {
        u.PutTried = true;
        var status = await _client.PutAsync(url, headers, Png(), until);

        // 412: the URL carries If-None-Match: * and an earlier attempt's bytes arrived after all (its answer was lost).
        return status is 200 or 412;
    }

    private async Task ValidateAsync(Upload u, int instance, DateTimeOffset retryUntil)
    {
        u.ValidateSentAt = DateTimeOffset.UtcNow;
        var result = await _client.SendAsync("validate", instance, HttpMethod.Post, $"/uploads/{u.Id}/validate", u.Owner, null, retryUntil);
        u.ValidateAnsweredAt = DateTimeOffset.UtcNow;
        u.ValidatedBy = result.Instance;
        u.ValidateStatus = result.Status;
        u.ValidateCode = result.Code;
        u.ValidateRetried = result.Retried;
        u.ValidateLost = result.LostAnAnswer;
    }

    private async Task DeleteAsync(Upload u, int instance)
    {
        var result = await _client.SendAsync("delete", instance, HttpMethod.Delete, $"/uploads/{u.Id}", u.Owner, null,
            DateTimeOffset.UtcNow + TimeSpan.FromSeconds(15));
        u.DeleteStatus = result.Status;
        u.DeleteLost = result.LostAnAnswer;
    }

    /// <summary>Issue, PUT, validate on one instance: it works after everything it went through.</summary>
    private async Task RoundTripAsync(int instance)
    {
        var u = NewUpload(10_000 + instance) with { IssuedBy = instance, Owner = "after-faults" };
        var issued = await _client.SendAsync("issue", instance, HttpMethod.Post, "/uploads", u.Owner,
            $$"""{ "filename": "after.png", "contentType": "image/png", "size": {{FileSize}} }""", DateTimeOffset.UtcNow);
        if (issued.Status != 201)
        {
            _violations.Add($"app{instance} after the faults: issue answered {issued.Status} {Describe(issued.Body)}");
            return;
        }

        var headers = issued.Body.GetProperty("headers").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        var put = await _client.PutAsync(new Uri(issued.Body.GetProperty("uploadUrl").GetString()!), headers, Png(), DateTimeOffset.UtcNow);
        var validated = await _client.SendAsync("validate", instance, HttpMethod.Post, $"/uploads/{issued.Body.GetProperty("id").GetString()}/validate",
            u.Owner, null, DateTimeOffset.UtcNow);
        if (put != 200 || validated.Status != 200)
        {
            _violations.Add($"app{instance} after the faults: PUT {put}, validate {validated.Status} {Describe(validated.Body)}");
        }
    }

    // ------------------------------------------------------------------ the faults

    private async Task<KillObservation> InjectFaultsAsync(DateTimeOffset t0)
    {
        await DelayUntil(t0 + GatewayDownAt);
        var from = DateTimeOffset.UtcNow;
        await _servers.StopGatewayAsync();
        await DelayUntil(from + GatewayDownFor);
        await _servers.StartGatewayAsync();
        _gatewayDown = (from, DateTimeOffset.UtcNow);

        await DelayUntil(t0 + PostgresDownAt);
        from = DateTimeOffset.UtcNow;
        await _servers.StopPostgresAsync();
        await DelayUntil(from + PostgresDownFor);
        await _servers.StartPostgresAsync();
        _postgresDown = (from, DateTimeOffset.UtcNow);

        // From now on the victim dies right after it logs a claim that holds an abandoned upload (one no client will
        // validate, so that something is certainly left for the survivors once the lease runs out), while the link holds
        // its multi-object delete. The victim sweeps every 250 ms, so it claims often.
        _link.Holding = true;
        Volatile.Write(ref _armed, 1);
        try
        {
            await _killed.Task.WaitAsync(TimeSpan.FromSeconds(25));
        }
        catch (TimeoutException)
        {
            Assert.Fail("The victim's sweeper never claimed an abandoned upload after the kill was armed.\n" + _instances[Victim].Tail());
        }

        var claims = _victimClaim;
        var until = new DateTimeOffset(claims[0].ClaimedUntil, TimeSpan.Zero);

        // Just before the lease runs out: no sweeper may have touched the rows; those still pending are the survivors' job.
        // An abandoned upload (no client validates it) can only be changed by a sweeper, so it must be exactly as
        // claimed; the others may meet a late validation, which expires them (and holds their removal) but must not
        // find them re-claimed while pending.
        await DelayUntil(until - TimeSpan.FromMilliseconds(300));
        var atLeaseEnd = (await RowsAsync(claims.Select(r => r.Id))).ToDictionary(r => r.Id, StringComparer.Ordinal);
        var touched = claims.Where(r => atLeaseEnd[r.Id] is var now && (_neverValidated.ContainsKey(r.Id)
                ? now != r
                : now.Status == Status.Pending && now.ClaimedUntil != r.ClaimedUntil))
            .Select(r => r.Id).ToList();
        var leftPending = claims.Where(r => atLeaseEnd[r.Id].Status == Status.Pending).ToList();
        return new KillObservation(until, claims, leftPending, touched);
    }

    private void OnLine(SampleProcess instance, string line)
    {
        var index = int.Parse(instance.Name.AsSpan(3), CultureInfo.InvariantCulture);
        if (FailedDeleteLine().Match(line) is { Success: true } failed)
        {
            _failedDeletes[failed.Groups[1].Value] = failed.Groups[2].Value;
        }

        if (SweptLine().Match(line) is { Success: true } swept)
        {
            Interlocked.Add(ref _cleanedBySweepers, int.Parse(swept.Groups[1].Value, CultureInfo.InvariantCulture));
        }

        if (ClaimLine().Match(line) is not { Success: true } claim)
        {
            return;
        }

        var count = int.Parse(claim.Groups[1].Value, CultureInfo.InvariantCulture);
        Interlocked.Add(ref _claimedRows[index], count);

        if (index == Victim && count > 0 && Interlocked.CompareExchange(ref _armed, 0, 1) == 1)
        {
            var until = DateTimeOffset.Parse(claim.Groups[2].Value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
            _ = KillIfHoldingAbandonedAsync(instance, count, until.UtcTicks);
        }
    }

    /// <summary>
    /// Reads the claim the victim just logged from the table (the rows carrying the claimed_until its log line names: a
    /// claim stamps one value on its batch) and kills the victim if the claim holds an abandoned upload; otherwise waits
    /// for its next claim. The link holds the victim's delete for seconds, so it is still mid-sweep when this decides.
    /// Rows a late validation expired meanwhile have left the claim (they carry that validation's own hold).
    /// </summary>
    private async Task KillIfHoldingAbandonedAsync(SampleProcess victim, int count, long claimedUntil)
    {
        try
        {
            var claim = (await ClaimedRowsAsync()).Where(r => r.ClaimedUntil == claimedUntil).ToList();
            if (claim.Any(r => r.Status == Status.Pending && _neverValidated.ContainsKey(r.Id)))
            {
                victim.KillHard();
                _killedAt = DateTimeOffset.UtcNow;
                _victimClaimed = count;
                _victimClaim = claim;
                _killed.TrySetResult();
                return;
            }
        }
        catch (Exception e)
        {
            _killed.TrySetException(e);
            return;
        }

        Volatile.Write(ref _armed, 1);
    }

    [GeneratedRegex(@"Sweeper claimed (\d+) expired uploads or unfinished removals until (\S+)\.")]
    private static partial Regex ClaimLine();

    [GeneratedRegex(@"Could not delete the object of upload (\S+) \(key (\S+), now")]
    private static partial Regex FailedDeleteLine();

    [GeneratedRegex(@"finished deleting the objects of (\d+) ended ones")]
    private static partial Regex SweptLine();

    // ------------------------------------------------------------------ the checks

    /// <summary>
    /// I1, I2, I3 on what is stored: one row per upload, each in a final state that the bucket agrees with. No ended
    /// upload's object may be left, not even one whose own delete failed while RGW was down (a sweeper finishes those),
    /// so nothing here relies on the bucket's lifecycle rule.
    /// </summary>
    private async Task CheckStoreAgainstBucketAsync(IReadOnlyList<Row> rows, HashSet<string> keys)
    {
        foreach (var duplicate in rows.GroupBy(r => r.Id).Where(g => g.Count() > 1))
        {
            _violations.Add($"upload {duplicate.Key} has {duplicate.Count()} rows");
        }

        foreach (var row in rows)
        {
            var present = keys.Contains(row.Key);
            switch (row.Status)
            {
                case Status.Validated when !present:
                    _violations.Add($"I1: validated upload {row.Id} has no object ({row.Key})");
                    break;
                case Status.Validated when await PendingMarkerAsync(row.Key) is not false:
                    _violations.Add($"I1: validated upload {row.Id} still carries the pending marker (or vanished), the lifecycle rule would delete it");
                    break;
                case Status.Validated:
                    break;
                case Status.Expired or Status.Deleted when present:
                    _violations.Add($"I2: {row.Status} upload {row.Id} still has its object {row.Key} (own delete failed: {_failedDeletes.ContainsKey(row.Id)}, pending marker: {await PendingMarkerAsync(row.Key)})");
                    break;
                case Status.Expired or Status.Deleted when row.ClaimedUntil is not null:
                    _violations.Add($"I2: {row.Status} upload {row.Id} still has its object removal outstanding");
                    break;
                case Status.Expired or Status.Deleted:
                    break;
                default:
                    _violations.Add($"upload {row.Id} ended {row.Status} ({row.Reason}); expected validated, expired or deleted");
                    break;
            }
        }

        var rowKeys = rows.Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var stray in keys.Where(k => !rowKeys.Contains(k)))
        {
            _violations.Add($"I2: object {stray} belongs to no upload");
        }

        var multipart = await _s3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = _bucket });
        foreach (var open in multipart.MultipartUploads ?? [])
        {
            _violations.Add($"I2: incomplete multipart upload left for {open.Key}");
        }
    }

    /// <summary>I3 from the clients' side: what each was told is what happened.</summary>
    private void CheckClientOutcomes(IReadOnlyList<Upload> uploads, IReadOnlyList<Row> rows)
    {
        var byId = rows.ToDictionary(r => r.Id, StringComparer.Ordinal);
        var issued = uploads.Where(u => u.Id is not null).ToList();
        foreach (var u in issued)
        {
            if (!byId.TryGetValue(u.Id!, out var row))
            {
                _violations.Add($"{u}: issued (201) but has no row");
                continue;
            }

            Status[] expected = (u.DeleteStatus, u.ValidateStatus) switch
            {
                (204, _) when u.Kind == Kind.ValidateThenDelete => [Status.Deleted],
                // A cancel retried past the deadline can find the sweeper's "expired" and answer 204 all the same.
                (204, _) => [Status.Deleted, Status.Expired],
                (not null, 200) => [Status.Validated, Status.Deleted],        // delete never got an answer
                (not null, _) => [Status.Deleted, Status.Expired],
                (null, 200) => [Status.Validated],
                (null, 410) => [Status.Expired],
                (null, 409) => [Status.Expired],                                 // never uploaded: swept
                (null, null) => [Status.Expired],
                _ => [Status.Validated, Status.Expired],                         // validation never got a final answer
            };
            if (!expected.Contains(row.Status))
            {
                _violations.Add($"I3: {u} ended {row.Status} ({row.Reason}); the client was told validate={u.ValidateStatus} delete={u.DeleteStatus}");
            }

            // Nothing may remove a pending object before its deadline: "not uploaded" after a successful PUT, answered in
            // time, means it vanished. (A validation that starts in time but retries S3 past the deadline may find the object
            // gone: the sweeper, or this cluster's 10-second lifecycle "day", removed it meanwhile.)
            if (u.Put && u.ValidateStatus == 409 && u.ValidateAnsweredAt < u.ValidateBefore)
            {
                _violations.Add($"{u}: uploaded (PUT 200), then validation {(u.ValidateSentAt - u.ValidateBefore)?.TotalMilliseconds:0} ms from the deadline answered 409 not_uploaded");
            }

            // The deadline is a promise too: a validation that only starts after it cannot win.
            if (u.ValidateSentAt >= u.ValidateBefore && u.ValidateStatus == 200 && !u.ValidateLost)
            {
                _violations.Add($"{u}: validation sent {(u.ValidateSentAt - u.ValidateBefore)?.TotalMilliseconds:0} ms after the deadline was accepted");
            }

            if (u.ValidateStatus == 200 && u.DeleteStatus is null && row.Status != Status.Validated)
            {
                _violations.Add($"I1: {u} was validated (200) and is now {row.Status}");
            }
        }

        // Rows nobody was told about (an issue whose answer was lost) must have been swept like any abandoned upload.
        var known = issued.Select(u => u.Id!).ToHashSet(StringComparer.Ordinal);
        foreach (var extra in rows.Where(r => !known.Contains(r.Id) && r.Owner.StartsWith("user-", StringComparison.Ordinal)))
        {
            if (extra.Status != Status.Expired)
            {
                _violations.Add($"upload {extra.Id} (issue answer lost) ended {extra.Status}");
            }
        }
    }

    /// <summary>I7: every answer was a documented one; outages gave 503 service_unavailable with Retry-After.</summary>
    private void CheckAnswers()
    {
        var allowed = new Dictionary<string, int[]>
        {
            ["issue"] = [201, 503],
            // 410: asked in time, but served after the upload's presigned requests expired (retried through the PostgreSQL
            // outage), when no part URL can be signed any more; checked above.
            ["parts"] = [200, 410, 503],
            ["validate"] = [200, 409, 410, 503],
            ["get"] = [200, 503],
            ["delete"] = [204, 404, 503],
        };
        foreach (var a in _client.Answers)
        {
            if (a.Status == 0)
            {
                if (a.Code != "killed")
                {
                    _violations.Add($"{a.Route} to {a.Instance} at {a.At:HH:mm:ss.fff}: connection failed, but that instance was not killed");
                }

                continue;
            }

            if (!allowed[a.Route].Contains(a.Status))
            {
                _violations.Add($"I7: {a.Route} on {a.Instance} at {a.At:HH:mm:ss.fff} answered {a.Status} {a.Code}");
            }

            if (a.Status >= 400 && (a.MediaType != "application/problem+json" || string.IsNullOrEmpty(a.Code)))
            {
                _violations.Add($"I7: {a.Route} on {a.Instance} answered {a.Status} as {a.MediaType} without a code");
            }

            if (a.Status == 503 && (a.Code != "service_unavailable" || !a.RetryAfter))
            {
                _violations.Add($"I7: {a.Route} on {a.Instance} answered 503 with code {a.Code}, Retry-After {(a.RetryAfter ? "set" : "missing")}");
            }
        }

        // The outages were real and answered cleanly: 503s while each lasted, and issuing (signed locally) went on without S3.
        if (!_client.Answers.Any(a => a.Status == 503 && Within(a.At, _gatewayDown)))
        {
            _violations.Add($"no 503 while the gateway was down {_gatewayDown}");
        }

        if (!_client.Answers.Any(a => a.Status == 503 && Within(a.At, _postgresDown)))
        {
            _violations.Add($"no 503 while PostgreSQL was down {_postgresDown}");
        }

        if (!_client.Answers.Any(a => a.Route == "issue" && a.Status == 201 && a.At > _gatewayDown.From && a.At < _gatewayDown.To))
        {
            _violations.Add("no upload was issued while the gateway was down (issuing a PUT needs no S3 round trip)");
        }

        static bool Within(DateTimeOffset at, (DateTimeOffset From, DateTimeOffset To) window) =>
            at >= window.From && at <= window.To + TimeSpan.FromSeconds(3);
    }

    /// <summary>The victim's claimed rows came back after the lease and were swept by the survivors.</summary>
    private void CheckKill(KillObservation kill, IReadOnlyList<Row> rows)
    {
        if (!_instances[Victim].HasExited)
        {
            _violations.Add("the victim is still running after SIGKILL");
        }

        foreach (var survivor in _instances.Where((_, i) => i != Victim).Where(s => s.HasExited))
        {
            _violations.Add($"{survivor.Name} exited on its own");
        }

        if (kill.LeftPending.Count == 0)
        {
            _violations.Add($"all {_victimClaimed} rows the victim claimed were expired by late validations within its lease; nothing was left to take over");
        }

        foreach (var id in kill.TouchedWithinLease)
        {
            _violations.Add($"row {id}, claimed by the killed instance, was swept or claimed again within its lease (until {kill.ClaimedUntil:HH:mm:ss.fff})");
        }

        var byId = rows.ToDictionary(r => r.Id, StringComparer.Ordinal);
        foreach (var row in kill.Rows.Where(r => r.Status == Status.Pending && byId[r.Id].Status != Status.Expired))
        {
            _violations.Add($"row {row.Id}, claimed by the killed instance, ended {byId[row.Id].Status}");
        }

        // Abandoned ones can only have been ended by a sweeper; others may also have met a late validation (also expired).
        var abandoned = kill.LeftPending.Where(r => _neverValidated.ContainsKey(r.Id)).ToList();
        var reswept = abandoned.Count(o => rows.Single(r => r.Id == o.Id).Version >= o.Version + 2);
        if (abandoned.Count == 0 || reswept != abandoned.Count)
        {
            _violations.Add($"{abandoned.Count} abandoned uploads of the killed instance's claim were pending when its lease ran out; survivors claimed and expired {reswept}");
        }
    }

    // ------------------------------------------------------------------ reading the truth

    private enum Status
    {
        Pending = 0,
        Validated = 1,
        Rejected = 2,
        Expired = 3,
        Deleted = 4,
    }

    private sealed record Row(string Id, string Owner, string Key, Status Status, string? Reason, long Version, long? ClaimedUntil);

    private sealed record ClaimedRow(string Id, long Version, Status Status, long ClaimedUntil);

    /// <summary>The victim's last claim as the table showed it right after the kill; the rows still pending when its lease
    /// ran out; rows a sweeper changed within the lease.</summary>
    private sealed record KillObservation(
        DateTimeOffset ClaimedUntil, IReadOnlyList<ClaimedRow> Rows, IReadOnlyList<ClaimedRow> LeftPending, IReadOnlyList<string> TouchedWithinLease)
    {
        /// <summary>Claimed again by a survivor after the lease, then expired (claim + expiry: two versions on).</summary>
        public int Reswept(IReadOnlyList<Row> final) =>
            LeftPending.Count(o => final.Single(r => r.Id == o.Id).Version >= o.Version + 2);
    }

    private async Task<IReadOnlyList<Row>> ReadRowsAsync()
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id, owner, key, status, status_reason, version, claimed_until FROM s3_uploads", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<Row>();
        while (await reader.ReadAsync())
        {
            rows.Add(new Row(reader.GetString(0), reader.GetString(1), reader.GetString(2), (Status)reader.GetInt32(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetInt64(5), reader.IsDBNull(6) ? null : reader.GetInt64(6)));
        }

        return rows;
    }

    /// <summary>The claim columns of the given rows (claimed_until 0 when none).</summary>
    private async Task<List<ClaimedRow>> RowsAsync(IEnumerable<string> ids)
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id, version, status, coalesce(claimed_until, 0) FROM s3_uploads WHERE id = ANY(@ids)", connection);
        command.Parameters.AddWithValue("ids", ids.ToArray());
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<ClaimedRow>();
        while (await reader.ReadAsync())
        {
            rows.Add(new ClaimedRow(reader.GetString(0), reader.GetInt64(1), (Status)reader.GetInt32(2), reader.GetInt64(3)));
        }

        return rows;
    }

    /// <summary>Rows (any status) whose claim still holds.</summary>
    private async Task<List<ClaimedRow>> ClaimedRowsAsync()
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id, version, status, claimed_until FROM s3_uploads WHERE claimed_until > @now", connection);
        command.Parameters.AddWithValue("now", DateTimeOffset.UtcNow.UtcTicks);
        await using var reader = await command.ExecuteReaderAsync();
        var claimed = new List<ClaimedRow>();
        while (await reader.ReadAsync())
        {
            claimed.Add(new ClaimedRow(reader.GetString(0), reader.GetInt64(1), (Status)reader.GetInt32(2), reader.GetInt64(3)));
        }

        return claimed;
    }

    /// <summary>Waits until no upload is pending and no ended upload's object removal is outstanding.</summary>
    private async Task WaitForSettledAsync(TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            var unsettled = (await ReadRowsAsync()).Where(r => r.Status == Status.Pending || r.ClaimedUntil is not null && r.Status != Status.Validated).ToList();
            if (unsettled.Count == 0)
            {
                return;
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                Assert.Fail($"{unsettled.Count} uploads still pending or with their object removal outstanding {timeout.TotalSeconds:0} s after the traffic ended: "
                    + string.Join(", ", unsettled.Take(10).Select(p => $"{p.Id} {p.Status}")) + "\n" + Tails());
            }

            await Task.Delay(500);
        }
    }

    private async Task<HashSet<string>> ListKeysAsync()
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        string? token = null;
        do
        {
            var page = await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _bucket, ContinuationToken = token });
            foreach (var o in page.S3Objects ?? [])
            {
                keys.Add(o.Key);
            }

            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
        return keys;
    }

    /// <summary>Whether the object carries the pending marker; <see langword="null"/> when there is no such object.</summary>
    private async Task<bool?> PendingMarkerAsync(string key)
    {
        try
        {
            var tagging = await _s3.GetObjectTaggingAsync(new GetObjectTaggingRequest { BucketName = _bucket, Key = key });
            return (tagging.Tagging ?? []).Any(t => t.Key == "s3presign-pending");
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    // ------------------------------------------------------------------ reporting

    private string Summary(IReadOnlyList<Upload> uploads, IReadOnlyList<Row> rows, KillObservation kill, HashSet<string> keys, TimeSpan duration)
    {
        var answers = _client.Answers.ToList();
        var races = uploads.Where(u => u.Kind == Kind.RaceDeadline && u.Id is not null).ToList();
        var statusCounts = rows.Where(r => r.Owner.StartsWith("user-", StringComparison.Ordinal)).GroupBy(r => r.Status)
            .OrderBy(g => g.Key).Select(g => $"{g.Key.ToString().ToLowerInvariant()} {g.Count()}");
        var answerCounts = answers.GroupBy(a => a.Status).OrderBy(g => g.Key).Select(g => $"{(g.Key == 0 ? "conn-lost" : g.Key)}×{g.Count()}");
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"cluster: {uploads.Count} uploads over {InstanceCount} processes in {duration.TotalSeconds:0.0} s; ");
        sb.Append(CultureInfo.InvariantCulture, $"kinds: {string.Join(", ", uploads.GroupBy(u => u.Kind).Select(g => $"{g.Key} {g.Count()}"))}; ");
        sb.Append(CultureInfo.InvariantCulture, $"issue refused for good {uploads.Count(u => u.IssueStatus != 201)}; ");
        sb.Append(CultureInfo.InvariantCulture, $"PUT never succeeded before the URL expired (RGW down) {uploads.Count(u => u.PutTried && !u.Put)}; ");
        sb.Append(CultureInfo.InvariantCulture, $"final rows: {string.Join(", ", statusCounts)}; ");
        sb.Append(CultureInfo.InvariantCulture, $"deadline races: {races.Count}, won {races.Count(u => u.ValidateStatus == 200)}, lost {races.Count(u => u.ValidateStatus == 410)} ");
        sb.Append(CultureInfo.InvariantCulture, $"({races.Count(u => u.ValidateRetried)} met an outage first; sent before the deadline ");
        sb.Append(CultureInfo.InvariantCulture, $"{races.Count(u => u.ValidateSentAt < u.ValidateBefore && u.ValidateStatus == 200)} won of {races.Count(u => u.ValidateSentAt < u.ValidateBefore)}; ");
        sb.Append(CultureInfo.InvariantCulture, $"won/sent by offset, uploaded and without outage: {string.Join(" ", races.Where(u => u.Put && !u.ValidateRetried).GroupBy(u => u.RaceOffset.TotalMilliseconds).OrderBy(g => g.Key).Select(g => $"{g.Key:+0;-0;0}ms {g.Count(u => u.ValidateStatus == 200)}/{g.Count()}"))}); ");
        sb.Append(CultureInfo.InvariantCulture, $"validations sent before the deadline answered after it: {uploads.Count(u => u.ValidateSentAt < u.ValidateBefore && u.ValidateAnsweredAt > u.ValidateBefore)} ");
        sb.Append(CultureInfo.InvariantCulture, $"(200 {uploads.Count(u => u.ValidateSentAt < u.ValidateBefore && u.ValidateAnsweredAt > u.ValidateBefore && u.ValidateStatus == 200)}, ");
        sb.Append(CultureInfo.InvariantCulture, $"409 after a successful PUT {uploads.Count(u => u.Put && u.ValidateStatus == 409 && u.ValidateAnsweredAt > u.ValidateBefore)}); ");
        sb.Append(CultureInfo.InvariantCulture, $"answers: {string.Join(" ", answerCounts)} (503 while RGW down {answers.Count(a => a.Status == 503 && a.At <= _gatewayDown.To + TimeSpan.FromSeconds(3) && a.At >= _gatewayDown.From)}, ");
        sb.Append(CultureInfo.InvariantCulture, $"while PostgreSQL down {answers.Count(a => a.Status == 503 && a.At <= _postgresDown.To + TimeSpan.FromSeconds(3) && a.At >= _postgresDown.From)}; 500×{answers.Count(a => a.Status == 500)}); ");
        sb.Append(CultureInfo.InvariantCulture, $"outages: RGW {(_gatewayDown.To - _gatewayDown.From).TotalSeconds:0.0} s, PostgreSQL {(_postgresDown.To - _postgresDown.From).TotalSeconds:0.0} s; ");
        sb.Append(CultureInfo.InvariantCulture, $"kill -9 of {_instances[Victim].Name} at +{(_killedAt - _t0).TotalSeconds:0.0} s right after claiming {_victimClaimed} rows (lease until {kill.ClaimedUntil:HH:mm:ss.fff}): {kill.Rows.Count - kill.LeftPending.Count} expired by late validations meanwhile, {kill.LeftPending.Count} still pending when the lease ran out, {kill.Reswept(rows)} of them then claimed and expired by the survivors; ");
        sb.Append(CultureInfo.InvariantCulture, $"rows claimed per instance: {string.Join("/", _claimedRows)}; ");
        var uploadedIds = uploads.Where(u => u.Put).Select(u => u.Id).ToHashSet(StringComparer.Ordinal);
        sb.Append(CultureInfo.InvariantCulture, $"uploads ended by a cancel, rejection or late validation whose own object delete failed (logged): {_failedDeletes.Count}, ");
        sb.Append(CultureInfo.InvariantCulture, $"{_failedDeletes.Keys.Count(uploadedIds.Contains)} of them uploaded; removals finished by sweepers (logged): {_cleanedBySweepers}; ");
        sb.Append(CultureInfo.InvariantCulture, $"objects left at the end: {keys.Count}, all validated: {keys.Count == rows.Count(r => r.Status == Status.Validated)}");
        return sb.ToString();
    }

    /// <summary>One line per upload (artifacts/cluster-uploads.tsv): what the client did and was told, and how it ended.</summary>
    private static async Task WriteUploadsTableAsync(IReadOnlyList<Upload> uploads, IReadOnlyList<Row> rows)
    {
        var byId = rows.ToDictionary(r => r.Id, StringComparer.Ordinal);
        var lines = uploads.Select(u => string.Join('\t',
            u.Index, u.Kind, u.Id, $"app{u.IssuedBy}", u.IssueStatus, u.PutTried ? u.Put.ToString() : "-",
            u.Kind == Kind.RaceDeadline ? u.RaceOffset.TotalMilliseconds.ToString(CultureInfo.InvariantCulture) : "-",
            u.ValidateSentAt is { } sent ? (sent - u.ValidateBefore).TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) : "-",
            u.ValidateAnsweredAt is { } answered ? (answered - u.ValidateBefore).TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) : "-",
            u.ValidatedBy, u.ValidateStatus, u.ValidateCode, u.ValidateRetried, u.ValidateLost, u.DeleteStatus,
            u.Id is not null && byId.TryGetValue(u.Id, out var row) ? row.Status.ToString() : "-"));
        await File.WriteAllLinesAsync(Path.Combine(AppContext.BaseDirectory, "artifacts", "cluster-uploads.tsv"),
            lines.Prepend("index\tkind\tid\tissued_by\tissue\tput\trace_offset_ms\tvalidate_sent_ms\tvalidate_answered_ms\tvalidated_by\tvalidate\tcode\tmet_503\tlost_answer\tdelete\tfinal"));
    }

    private string FailureReport(string summary)
    {
        // Grouped by invariant, at most 10 of each, so that a flood of one kind does not hide another.
        var groups = _violations.GroupBy(v => v.Length > 3 && v[0] == 'I' && char.IsDigit(v[1]) && v[2] == ':' ? v[..2] : "other")
            .OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"{_violations.Count} violations ({string.Join(", ", groups.Select(g => $"{g.Key}: {g.Count()}"))}):");
        foreach (var v in groups.SelectMany(g => g.Order(StringComparer.Ordinal).Take(10)))
        {
            report.AppendLine("  " + v);
        }

        report.AppendLine(summary);
        report.AppendLine(Tails());
        return report.ToString();
    }

    private string Tails() =>
        string.Join('\n', _instances.Select(i => i.Tail(40)))
        + $"\n(full logs: {Path.Combine(AppContext.BaseDirectory, "artifacts")}/cluster-app*.log)";

    private static string Describe(JsonElement body) => body.ValueKind == JsonValueKind.Undefined ? string.Empty : body.GetRawText();

    // ------------------------------------------------------------------ set-up helpers

    private Dictionary<string, string> Environment(Uri serviceUrl) => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Development",
        ["ConnectionStrings__Uploads"] = _database,
        ["S3Uploads__ServiceUrl"] = serviceUrl.ToString(),
        ["S3Uploads__Bucket"] = _bucket,
        ["S3Uploads__ForcePathStyle"] = "true",
        ["S3Uploads__UploadUrlExpiry"] = UrlExpiry.ToString("c", CultureInfo.InvariantCulture),
        ["S3Uploads__PendingTtl"] = PendingTtl.ToString("c", CultureInfo.InvariantCulture),
        ["S3Uploads__SweepInterval"] = SweepInterval.ToString("c", CultureInfo.InvariantCulture),
        ["S3Uploads__SweepBatchSize"] = SweepBatchSize.ToString(CultureInfo.InvariantCulture),
        ["S3Uploads__SweepLease"] = SweepLease.ToString("c", CultureInfo.InvariantCulture),
        // A hung S3 request (the gateway going down under it) fails within seconds instead of 30.
        ["S3Uploads__S3AttemptTimeout"] = "00:00:03",
        ["AWS_ACCESS_KEY_ID"] = _servers.AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = _servers.SecretKey,
        // One line per log entry, so that the claim line can be read as it comes.
        ["Logging__Console__FormatterName"] = "simple",
        ["Logging__Console__FormatterOptions__SingleLine"] = "true",
        ["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ",
        ["Logging__LogLevel__Microsoft.EntityFrameworkCore"] = "Warning",
    };

    private static byte[] Png()
    {
        var bytes = new byte[FileSize];
        Random.Shared.NextBytes(bytes);
        byte[] signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        signature.CopyTo(bytes, 0);
        return bytes;
    }

    private static async Task DelayUntil(DateTimeOffset when)
    {
        var wait = when - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }
    }

    private sealed record Upload
    {
        public required int Index { get; init; }

        public required string Owner { get; init; }

        public required int IssuedBy { get; init; }

        public required Kind Kind { get; init; }

        public required TimeSpan RaceOffset { get; init; }

        public int IssueStatus { get; set; }

        public string? Id { get; set; }

        public string? Key { get; set; }

        public DateTimeOffset ValidateBefore { get; set; }

        public bool PutTried { get; set; }

        public bool Put { get; set; }

        public DateTimeOffset? ValidateSentAt { get; set; }

        public DateTimeOffset? ValidateAnsweredAt { get; set; }

        public string? ValidatedBy { get; set; }

        public int? ValidateStatus { get; set; }

        public string? ValidateCode { get; set; }

        public bool ValidateRetried { get; set; }

        public bool ValidateLost { get; set; }

        public int? DeleteStatus { get; set; }

        public bool DeleteLost { get; set; }

        public override string ToString() => $"upload #{Index} {Kind} {Id} (issued by app{IssuedBy})";
    }
}
