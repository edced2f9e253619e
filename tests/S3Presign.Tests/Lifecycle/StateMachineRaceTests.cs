using S3Presign.Issuing;
using S3Presign.Lifecycle;
using S3Presign.Storage;
using S3Presign.Testing;
using S3Presign.Tests.Fakes;
using S3Presign.Validation;

namespace S3Presign.Tests.Lifecycle;

/// <summary>I3: validate, delete and sweep racing on one upload, 1000 times: one winner, and S3 agrees with it.</summary>
public sealed class StateMachineRaceTests
{
    [Fact]
    public async Task ValidateDeleteAndSweep_Racing1000Times_ExactlyOneWinnerAndS3Agrees()
    {
        // The sweeping instance's clock is past the deadline while the other still sees the upload in time, so every
        // transition really can win.
        using var cluster = new TwoInstances();
        var (s3, store, sweeperClock) = (cluster.S3, cluster.Store, cluster.SweeperClock);
        var issuer = cluster.App.Get<IUploadUrlIssuer>();
        var validator = cluster.App.Get<IUploadValidator>();
        var manager = cluster.App.Get<IUploadManager>();
        var sweeper = cluster.Other.Get<IUploadSweeper>();
        var winners = new Dictionary<UploadStatus, int>();

        for (var i = 0; i < 1000; i++)
        {
            var upload = (await issuer.IssueAsync(new UploadRequest { Owner = "alice", FileName = "a.png", ContentType = "image/png", Size = 8 })).Upload!;
            s3.Put(upload.FileKey, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "image/png");
            sweeperClock.SetUtcNow(upload.ValidateBefore);
            var racers = new List<Func<Task<object>>>
            {
                async () => await validator.ValidateAsync(upload.Id, "alice"),
                async () => await sweeper.SweepAsync(),
            };
            if (i % 3 != 0)
            {
                racers.Add(async () => await manager.DeleteAsync(upload.Id, "alice"));
            }

            using var gate = new ManualResetEventSlim();
            var tasks = racers.Select(r =>
            {
                var head = Random.Shared.Next(0, 40_000); // a random head start, so every order happens
                return Task.Run(async () => { gate.Wait(); Thread.SpinWait(head); return await r(); });
            }).ToArray();
            gate.Set();
            await Task.WhenAll(tasks);

            // A cancel made while the upload URL was still valid leaves one more delete for after it: let it happen.
            await sweeper.SweepAsync();
            var record = (await store.FindAsync(upload.Id))!;
            winners[record.Status] = winners.GetValueOrDefault(record.Status) + 1;
            var exists = s3.Objects.TryGetValue(upload.FileKey, out var stored);
            switch (record.Status)
            {
                case UploadStatus.Validated:
                    exists.Should().BeTrue($"iteration {i}: validated keeps its object");
                    stored!.Pending.Should().BeFalse($"iteration {i}: validated object has no pending marker");
                    break;
                case UploadStatus.Expired or UploadStatus.Deleted:
                    exists.Should().BeFalse($"iteration {i}: {record.Status} has no object");
                    break;
                default:
                    throw new Xunit.Sdk.XunitException($"iteration {i}: ended {record.Status}");
            }

            // Once settled, nothing changes it any more.
            await sweeper.SweepAsync();
            (await store.FindAsync(upload.Id))!.Version.Should().Be(record.Version);
        }

        winners.Keys.Should().Contain(UploadStatus.Validated, "validate must sometimes win, or the race was not a race");
        winners.Keys.Should().Contain(s => s == UploadStatus.Expired || s == UploadStatus.Deleted);
    }

    [Fact]
    public async Task ConcurrentValidations_OfSameUpload_AllReportTheSameSuccess()
    {
        using var host = new TestHost();
        var upload = (await host.Get<IUploadUrlIssuer>().IssueAsync(new UploadRequest { Owner = "a", FileName = "a.txt", ContentType = "text/plain", Size = 2 })).Upload!;
        host.S3.Put(upload.FileKey, "hi"u8.ToArray(), "text/plain");
        var validator = host.Get<IUploadValidator>();

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(async () => await validator.ValidateAsync(upload.Id, "a"))));

        results.Should().AllSatisfy(r => r.Outcome.Should().Be(UploadValidationOutcome.Validated));
        results.Select(r => r.Upload!.Version).Distinct().Should().ContainSingle();
    }
}
