using System.Net;
using Amazon.S3.Model;
using Microsoft.Extensions.DependencyInjection;
using S3Presign.IntegrationTests.Infrastructure;
using S3Presign.Issuing;
using S3Presign.Lifecycle;
using S3Presign.S3;
using S3Presign.Storage;
using S3Presign.Testing;
using S3Presign.Validation;

namespace S3Presign.IntegrationTests.Lifecycle;

/// <summary>I1, I2 and I3 with a fake clock and a real bucket.</summary>
[Collection(RgwCollection.Name)]
public sealed class SweeperAgainstRgwTests(RgwFixture rgw)
{
    private static UploadRequest Png(int size, string owner = "alice") =>
        new() { Owner = owner, FileName = "p.png", ContentType = "image/png", Size = size };

    private async Task<HashSet<string>> KeysAsync(string bucket)
    {
        using var s3 = rgw.CreateClient();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        string? token = null;
        do
        {
            var page = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, ContinuationToken = token });
            foreach (var o in page.S3Objects ?? []) keys.Add(o.Key);
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
        return keys;
    }

    [Fact]
    public async Task Cancel_ThenAPutWithTheStillValidUrl_TheKeyIsDeletedOnceMoreAfterTheUrlExpires()
    {
        // I2 against the real server: the presigned PUT outlives the cancel, so RGW accepts it again (If-None-Match: *
        // finds no object); the cancelled upload's hold brings a sweeper back once the URL can write no more.
        var bucket = await rgw.CreateBucketAsync("latepu");
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var services = rgw.BuildServices(bucket, time: clock);
        var sweeper = services.GetRequiredService<IUploadSweeper>();
        var bytes = Files.Png(200);
        var upload = (await services.GetRequiredService<IUploadUrlIssuer>().IssueAsync(Png(200))).Upload!;
        (await Http.PutAsync(upload, bytes)).Status.Should().Be(HttpStatusCode.OK);

        (await services.GetRequiredService<IUploadManager>().DeleteAsync(upload.Id, "alice")).Should().BeTrue();
        var afterCancel = await KeysAsync(bucket);
        var latePut = await Http.PutAsync(upload, bytes);
        var afterLatePut = await KeysAsync(bucket);
        clock.Advance(TimeSpan.FromMinutes(15));
        var whileSkewCovered = await sweeper.SweepAsync();
        clock.Advance(TimeSpan.FromSeconds(30));
        var afterGrace = await sweeper.SweepAsync();

        afterCancel.Should().BeEmpty();
        latePut.Status.Should().Be(HttpStatusCode.OK, "the URL is still valid and the key is free again");
        afterLatePut.Should().Equal(upload.FileKey);
        whileSkewCovered.Should().Be(new SweepResult(0, 0, 0));
        afterGrace.Should().Be(new SweepResult(0, 0, 1));
        (await KeysAsync(bucket)).Should().BeEmpty("the late PUT's object is deleted by the sweeper, not left to the lifecycle rule");
        (await services.GetRequiredService<IPendingUploadStore>().FindAsync(upload.Id))!.Should()
            .Match<UploadRecord>(r => r.Status == UploadStatus.Deleted && r.ClaimedUntil == null);
    }

    [Fact]
    public async Task Sweep_AfterDeadline_DeletesUnvalidatedObjectsAndNeverValidatedOnes()
    {
        var bucket = await rgw.CreateBucketAsync("sweep");
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var services = rgw.BuildServices(bucket, time: clock);
        var issuer = services.GetRequiredService<IUploadUrlIssuer>();
        var validator = services.GetRequiredService<IUploadValidator>();
        var sweeper = services.GetRequiredService<IUploadSweeper>();
        var store = services.GetRequiredService<IPendingUploadStore>();
        var bytes = Files.Png(200);

        var validated = (await issuer.IssueAsync(Png(200))).Upload!;
        var abandoned = (await issuer.IssueAsync(Png(200))).Upload!;
        var neverUploaded = (await issuer.IssueAsync(Png(200))).Upload!;
        await Http.PutAsync(validated, bytes);
        await Http.PutAsync(abandoned, bytes);
        (await validator.ValidateAsync(validated.Id, "alice")).Succeeded.Should().BeTrue();
        clock.Advance(TimeSpan.FromMinutes(10));
        var stillInTime = (await issuer.IssueAsync(Png(200))).Upload!;
        await Http.PutAsync(stillInTime, bytes);

        (await sweeper.SweepAsync()).Should().Be(new SweepResult(0, 0), "no deadline has passed yet");
        clock.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        var first = await sweeper.SweepAsync();
        var again = await sweeper.SweepAsync();

        first.Should().Be(new SweepResult(2, 0));
        again.Should().Be(new SweepResult(0, 0), "re-running a sweep is harmless");
        var keys = await KeysAsync(bucket);
        keys.Should().BeEquivalentTo([validated.FileKey, stillInTime.FileKey]);
        (await store.FindAsync(abandoned.Id))!.Status.Should().Be(UploadStatus.Expired);
        (await store.FindAsync(neverUploaded.Id))!.Status.Should().Be(UploadStatus.Expired);
        (await store.FindAsync(validated.Id))!.Status.Should().Be(UploadStatus.Validated);
        (await store.FindAsync(stillInTime.Id))!.Status.Should().Be(UploadStatus.Pending);
        (await validator.ValidateAsync(abandoned.Id, "alice")).Outcome.Should().Be(UploadValidationOutcome.Expired);
    }

    [Fact]
    public async Task Sweep_WithMoreThanOneBatch_DeletesWithOneMultiObjectDeletePerThousand()
    {
        var bucket = await rgw.CreateBucketAsync("batch");
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var services = rgw.BuildServices(bucket, time: clock);
        var issuer = services.GetRequiredService<IUploadUrlIssuer>();
        var uploads = new List<IssuedUpload>();
        for (var i = 0; i < 1500; i++)
        {
            uploads.Add((await issuer.IssueAsync(Png(100))).Upload!);
        }

        // A handful of them really exist in the bucket; the rest were never uploaded.
        foreach (var upload in uploads.Where((_, i) => i % 100 == 0))
        {
            (await Http.PutAsync(upload, Files.Png(100))).Status.Should().Be(HttpStatusCode.OK);
        }

        var gateway = services.GetRequiredService<S3Gateway>();
        clock.Advance(TimeSpan.FromMinutes(21));
        var before = gateway.RequestCount;

        var result = await services.GetRequiredService<IUploadSweeper>().SweepAsync();

        result.Should().Be(new SweepResult(1500, 0));
        (gateway.RequestCount - before).Should().Be(2, "1500 keys take two multi-object deletes of at most 1000 keys");
        (await KeysAsync(bucket)).Should().BeEmpty();
    }

    [Fact]
    public async Task Sweep_AfterCrashBetweenClaimAndUpdate_FinishesOnceLeaseRunsOut()
    {
        var bucket = await rgw.CreateBucketAsync("crash");
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var services = rgw.BuildServices(bucket, time: clock);
        var issuer = services.GetRequiredService<IUploadUrlIssuer>();
        var store = services.GetRequiredService<IPendingUploadStore>();
        var upload = (await issuer.IssueAsync(Png(100))).Upload!;
        await Http.PutAsync(upload, Files.Png(100));
        clock.Advance(TimeSpan.FromMinutes(21));

        // A sweeper claims the upload and dies before deleting anything.
        (await store.ClaimExpiredAsync(clock.GetUtcNow(), 10, TimeSpan.FromMinutes(5))).Should().ContainSingle();
        var sweeper = services.GetRequiredService<IUploadSweeper>();
        (await sweeper.SweepAsync()).Expired.Should().Be(0, "the claim still holds");
        clock.Advance(TimeSpan.FromMinutes(5));
        (await sweeper.SweepAsync()).Expired.Should().Be(1);

        (await KeysAsync(bucket)).Should().BeEmpty();
        (await store.FindAsync(upload.Id))!.Status.Should().Be(UploadStatus.Expired);
    }

    [Fact]
    public async Task ValidateDeleteAndSweep_RacingOnSameUpload_LeaveStoreAndBucketAgreeing()
    {
        // Two "instances" share the store and the bucket; the sweeper's clock runs past the deadline while the
        // validating instance still sees it in time (clock skew), the hardest case for I3.
        var bucket = await rgw.CreateBucketAsync("race");
        var start = DateTimeOffset.UtcNow;
        var appClock = new ManualTimeProvider(start);
        var sweeperClock = new ManualTimeProvider(start);
        var store = new InMemoryPendingUploadStore();
        await using var app = rgw.BuildServices(bucket, time: appClock, store: store);
        await using var other = rgw.BuildServices(bucket, time: sweeperClock, store: store);
        var issuer = app.GetRequiredService<IUploadUrlIssuer>();
        var validator = app.GetRequiredService<IUploadValidator>();
        var manager = app.GetRequiredService<IUploadManager>();
        var sweeper = other.GetRequiredService<IUploadSweeper>();
        using var s3 = rgw.CreateClient();
        var outcomes = new Dictionary<UploadStatus, int>();

        for (var i = 0; i < 40; i++)
        {
            var upload = (await issuer.IssueAsync(Png(100))).Upload!;
            await Http.PutAsync(upload, Files.Png(100));
            sweeperClock.SetUtcNow(upload.ValidateBefore.AddSeconds(1));
            var gate = new TaskCompletionSource();
            var tasks = new List<Task>
            {
                Task.Run(async () => { await gate.Task; await validator.ValidateAsync(upload.Id, "alice"); }),
                Task.Run(async () => { await gate.Task; await sweeper.SweepAsync(); }),
            };
            if (i % 2 == 0)
            {
                tasks.Add(Task.Run(async () => { await gate.Task; await manager.DeleteAsync(upload.Id, "alice"); }));
            }

            gate.SetResult();
            await Task.WhenAll(tasks);

            var record = (await store.FindAsync(upload.Id))!;
            outcomes[record.Status] = outcomes.GetValueOrDefault(record.Status) + 1;
            var exists = (await KeysAsync(bucket)).Contains(upload.FileKey);
            if (record.Status == UploadStatus.Validated)
            {
                exists.Should().BeTrue($"iteration {i}: a validated upload keeps its object (I1)");
                var tags = await s3.GetObjectTaggingAsync(new GetObjectTaggingRequest { BucketName = bucket, Key = upload.FileKey });
                (tags.Tagging ?? []).Should().BeEmpty($"iteration {i}: a validated object carries no pending marker");
            }
            else
            {
                record.Status.Should().BeOneOf(UploadStatus.Expired, UploadStatus.Deleted);
                exists.Should().BeFalse($"iteration {i}: a {record.Status} upload has no object (I2, I3)");
            }
        }

        outcomes.Keys.Should().NotContain(UploadStatus.Pending);
    }
}
