using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using S3Presign.EntityFrameworkCore.Tests.Infrastructure;
using S3Presign.Issuing;
using S3Presign.Lifecycle;
using S3Presign.Storage;
using S3Presign.Testing;
using S3Presign.Validation;

namespace S3Presign.EntityFrameworkCore.Tests.Lifecycle;

/// <summary>I2 and I3 across restarts and instances: one PostgreSQL, one real bucket, fake clocks.</summary>
[Collection(RgwCollection.Name)]
public sealed class DurableSweepAgainstRgwTests(RgwFixture rgw) : IAsyncLifetime
{
    private PostgresServer _server = null!;
    private string _database = null!;

    public async Task InitializeAsync()
    {
        _server = await PostgresServer.GetAsync();
        _database = await _server.CreateDatabaseAsync();
    }

    public Task DisposeAsync() => _server.DropDatabaseAsync(_database);

    private static UploadRequest Png(int size = 200) =>
        new() { Owner = "alice", FileName = "p.png", ContentType = "image/png", Size = size };

    private static async Task<IssuedUpload> IssueAndPutAsync(IServiceProvider services, bool put = true)
    {
        var upload = (await services.GetRequiredService<IUploadUrlIssuer>().IssueAsync(Png())).Upload!;
        if (put)
        {
            (await Http.PutAsync(upload, Http.Png(200))).Should().Be(HttpStatusCode.OK);
        }

        return upload;
    }

    [Fact]
    public async Task Sweep_AfterRestartPastTheDeadline_DeletesAbandonedUploadsAndKeepsValidatedOnes()
    {
        var bucket = await rgw.CreateBucketAsync("efrestart");
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        IssuedUpload validated, abandoned, neverUploaded;
        await using (var before = rgw.BuildInstance(bucket, _database, clock))
        {
            validated = await IssueAndPutAsync(before);
            abandoned = await IssueAndPutAsync(before);
            neverUploaded = await IssueAndPutAsync(before, put: false);
            (await before.GetRequiredService<IUploadValidator>().ValidateAsync(validated.Id, "alice")).Succeeded.Should().BeTrue();
        }

        // The app is down past every deadline; a new process (new provider, new pools) starts against the same database.
        clock.Advance(TimeSpan.FromMinutes(21));
        await using var after = rgw.BuildInstance(bucket, _database, clock);
        var result = await after.GetRequiredService<IUploadSweeper>().SweepAsync();

        result.Should().Be(new SweepResult(2, 0));
        (await rgw.KeysAsync(bucket)).Should().BeEquivalentTo([validated.FileKey]);
        var store = after.GetRequiredService<IPendingUploadStore>();
        (await store.FindAsync(validated.Id))!.Status.Should().Be(UploadStatus.Validated);
        (await store.FindAsync(abandoned.Id))!.Status.Should().Be(UploadStatus.Expired);
        (await store.FindAsync(neverUploaded.Id))!.Status.Should().Be(UploadStatus.Expired);
    }

    [Fact]
    public async Task Sweep_ThreeInstancesWhileValidationsRaceTheDeadline_EndsWithOneStatePerUploadMatchingTheBucket()
    {
        const int uploadsCount = 90;
        var bucket = await rgw.CreateBucketAsync("efrace");
        var start = DateTimeOffset.UtcNow;
        var clocks = Enumerable.Range(0, 3).Select(_ => new ManualTimeProvider(start)).ToArray();
        var instances = clocks.Select(c => rgw.BuildInstance(bucket, _database, c, o => o.SweepBatchSize = 4)).ToArray();
        try
        {
            var uploads = new List<IssuedUpload>();
            for (var i = 0; i < uploadsCount; i++)
            {
                uploads.Add(await IssueAndPutAsync(instances[i % 3]));
            }

            // Instance 0's clock is a second before the deadline: it validates every other upload. Instances 1 and 2
            // are a second past it and sweep in small batches at the same moment; they also try some validations late.
            clocks[0].Advance(TimeSpan.FromMinutes(20) - TimeSpan.FromSeconds(1));
            clocks[1].Advance(TimeSpan.FromMinutes(20) + TimeSpan.FromSeconds(1));
            clocks[2].Advance(TimeSpan.FromMinutes(20) + TimeSpan.FromSeconds(1));
            var toValidate = uploads.Where((_, i) => i % 2 == 0).ToList();
            var outcomes = new ConcurrentDictionary<string, UploadValidationOutcome>();

            // A few validations finish before any sweeper starts, so that "validated" is one of the outcomes however
            // the machine schedules the race below (under heavy load every raced validation can lose).
            const int headStart = 3;
            foreach (var upload in toValidate.Take(headStart))
            {
                outcomes[upload.Id] = (await instances[0].GetRequiredService<IUploadValidator>().ValidateAsync(upload.Id, "alice")).Outcome;
            }

            var validators = toValidate.Skip(headStart).Select(u => Task.Run(async () =>
            {
                var result = await instances[0].GetRequiredService<IUploadValidator>().ValidateAsync(u.Id, "alice");
                outcomes[u.Id] = result.Outcome;
            }));
            var lateValidators = uploads.Where((_, i) => i % 5 == 1).Select(u => Task.Run(async () =>
                await instances[1].GetRequiredService<IUploadValidator>().ValidateAsync(u.Id, "alice")));
            var sweeps = instances.Skip(1).SelectMany(s => Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
                await s.GetRequiredService<IUploadSweeper>().SweepAsync())));
            await Task.WhenAll(validators.Concat(lateValidators).Concat(sweeps));

            // Everything left over is swept by whoever runs next.
            var final = await instances[2].GetRequiredService<IUploadSweeper>().SweepAsync();
            final.Failed.Should().Be(0);

            var keys = await rgw.KeysAsync(bucket);
            var store = instances[0].GetRequiredService<IPendingUploadStore>();
            var validatedCount = 0;
            foreach (var upload in uploads)
            {
                var record = (await store.FindAsync(upload.Id))!;
                record.Status.Should().BeOneOf(UploadStatus.Validated, UploadStatus.Expired);
                if (record.Status == UploadStatus.Validated)
                {
                    validatedCount++;
                    keys.Should().Contain(upload.FileKey, "I1: a validated object is never deleted");
                    outcomes.GetValueOrDefault(upload.Id).Should().Be(UploadValidationOutcome.Validated, "the validation that won reported success");
                }
                else
                {
                    keys.Should().NotContain(upload.FileKey, "I2: an expired upload's object is gone");
                    outcomes.TryGetValue(upload.Id, out var outcome).Should().Be(toValidate.Contains(upload));
                    if (toValidate.Contains(upload))
                    {
                        outcome.Should().NotBe(UploadValidationOutcome.Validated, "I3: no upload is both validated and expired");
                    }
                }
            }

            keys.Should().HaveCount(validatedCount, "nothing but validated objects is left");
            validatedCount.Should().BeGreaterThanOrEqualTo(headStart).And.BeLessThanOrEqualTo(toValidate.Count);
        }
        finally
        {
            foreach (var instance in instances) await instance.DisposeAsync();
        }
    }
}
