using System.Net;
using Amazon.S3;
using S3Presign.Issuing;
using S3Presign.Lifecycle;
using S3Presign.Storage;
using S3Presign.Testing;
using S3Presign.Tests.Fakes;
using S3Presign.Validation;

namespace S3Presign.Tests.Lifecycle;

/// <summary>
/// I2 when the delete that ends an upload fails: a cancel, a rejection or a late validation decides the upload's fate
/// in the store first; if S3 then refuses the delete, the record keeps its object removal outstanding and a sweeper
/// finishes it once the hold has run out, whether or not the object still carries its pending marker.
/// </summary>
public sealed class OutstandingRemovalTests
{
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static Func<string, Exception?> DeletesFail => method => method is "DeleteObjectAsync" or "DeleteObjectsAsync" or "AbortMultipartUploadAsync"
        ? new AmazonS3Exception("SlowDown") { StatusCode = HttpStatusCode.ServiceUnavailable, ErrorCode = "SlowDown" }
        : null;

    private static async Task<IssuedUpload> IssueAsync(TestHost host, string contentType = "image/png") =>
        (await host.Get<IUploadUrlIssuer>().IssueAsync(new UploadRequest { Owner = "a", FileName = "a.png", ContentType = contentType, Size = 8 })).Upload!;

    [Fact]
    public async Task Cancel_WhileTheUploadUrlIsValid_DeletesNowAndOnceMoreAfterTheUrlHasExpired()
    {
        // A PUT still in flight when the user cancelled (or a client retrying) can put the object back after the
        // cancel's delete, for as long as the presigned URL is valid.
        using var host = new TestHost();
        var upload = await IssueAsync(host);
        host.S3.Put(upload.FileKey, Png, "image/png");
        var sweeper = host.Get<IUploadSweeper>();
        var store = host.Get<IPendingUploadStore>();

        (await host.Get<IUploadManager>().DeleteAsync(upload.Id, "a")).Should().BeTrue();
        var afterCancel = (await store.FindAsync(upload.Id))!;
        host.S3.Objects.Should().BeEmpty();
        host.S3.Put(upload.FileKey, Png, "image/png");
        host.Clock.Advance(TimeSpan.FromMinutes(15));
        var urlJustExpired = await sweeper.SweepAsync();
        host.Clock.Advance(TimeSpan.FromSeconds(30));
        var afterGrace = await sweeper.SweepAsync();

        afterCancel.Status.Should().Be(UploadStatus.Deleted);
        afterCancel.ClaimedUntil.Should().Be(upload.ExpiresAt + TimeSpan.FromSeconds(30), "one more delete is due once the URL cannot write any more");
        urlJustExpired.Should().Be(new SweepResult(0, 0, 0), "S3's clock may be a little behind ours");
        afterGrace.Should().Be(new SweepResult(0, 0, 1));
        host.S3.Objects.Should().BeEmpty("the late PUT's object is gone too");
        (await store.FindAsync(upload.Id))!.ClaimedUntil.Should().BeNull();
        host.Clock.Advance(TimeSpan.FromDays(1));
        (await sweeper.SweepAsync()).Should().Be(new SweepResult(0, 0, 0));
    }

    [Fact]
    public async Task Cancel_AfterTheUploadUrlHasExpired_LeavesNothingOutstanding()
    {
        using var host = new TestHost();
        var upload = await IssueAsync(host);
        host.S3.Put(upload.FileKey, Png, "image/png");
        host.Clock.Advance(TimeSpan.FromMinutes(16));

        (await host.Get<IUploadManager>().DeleteAsync(upload.Id, "a")).Should().BeTrue();

        host.S3.Objects.Should().BeEmpty();
        var record = (await host.Get<IPendingUploadStore>().FindAsync(upload.Id))!;
        record.Status.Should().Be(UploadStatus.Deleted);
        record.ClaimedUntil.Should().BeNull("the object is gone and nothing can write the key any more");
        host.Clock.Advance(TimeSpan.FromDays(1));
        (await host.Get<IUploadSweeper>().SweepAsync()).Should().Be(new SweepResult(0, 0, 0));
    }

    [Fact]
    public async Task Cancel_OfAnObjectWithoutItsMarker_WhileS3RefusesDeletes_IsFinishedByTheSweeperAfterTheHold()
    {
        // The double fault of the multi-process test: an earlier validation removed the marker and then lost its
        // compare-and-set, so the bucket lifecycle rule would never remove this object.
        using var host = new TestHost(configure: o => o.S3MaxRetries = 1);
        var upload = await IssueAsync(host);
        host.S3.Put(upload.FileKey, Png, "image/png", pending: false);
        var sweeper = host.Get<IUploadSweeper>();
        var store = host.Get<IPendingUploadStore>();

        host.S3.Fault = DeletesFail;
        var cancelled = await host.Get<IUploadManager>().DeleteAsync(upload.Id, "a");
        var held = (await store.FindAsync(upload.Id))!;
        host.S3.Fault = null;
        var duringHold = await sweeper.SweepAsync();
        host.Clock.Advance(TimeSpan.FromMinutes(5));
        var afterHold = await sweeper.SweepAsync();

        cancelled.Should().BeTrue("the cancel is decided in the store; only its clean-up is late");
        held.Status.Should().Be(UploadStatus.Deleted);
        held.ClaimedUntil.Should().Be(host.Clock.GetUtcNow(), "the hold is one sweep lease (5 minutes) from the cancel");
        duringHold.Should().Be(new SweepResult(0, 0, 0), "the canceller holds the removal until its lease runs out");
        afterHold.Should().Be(new SweepResult(0, 0, 1));
        host.S3.Objects.Should().BeEmpty();
        var final = (await store.FindAsync(upload.Id))!;
        final.Status.Should().Be(UploadStatus.Deleted, "finishing the removal does not change the outcome");
        final.ClaimedUntil.Should().Be(upload.ExpiresAt + TimeSpan.FromSeconds(30), "the URL is still valid: one more delete after it");
    }

    [Fact]
    public async Task Rejection_WhileS3RefusesDeletes_IsReportedAndTheObjectRemovedLater()
    {
        using var host = new TestHost(configure: o => o.S3MaxRetries = 0);
        var upload = await IssueAsync(host);
        host.S3.Put(upload.FileKey, "not a png"u8.ToArray()[..8], "image/png");

        host.S3.Fault = DeletesFail;
        var result = await host.Get<IUploadValidator>().ValidateAsync(upload.Id, "a");
        host.S3.Fault = null;
        host.Clock.Advance(TimeSpan.FromMinutes(5));
        var swept = await host.Get<IUploadSweeper>().SweepAsync();

        result.Outcome.Should().Be(UploadValidationOutcome.Rejected);
        result.Error!.Code.Should().Be(UploadErrorCodes.MagicBytesMismatch);
        swept.Should().Be(new SweepResult(0, 0, 1));
        host.S3.Objects.Should().BeEmpty();
        (await host.Get<IPendingUploadStore>().FindAsync(upload.Id))!.Status.Should().Be(UploadStatus.Rejected);
    }

    [Fact]
    public async Task LateValidation_WhileS3RefusesDeletes_AnswersExpiredAndTheSweeperRemovesTheObject()
    {
        using var host = new TestHost(configure: o => o.S3MaxRetries = 0);
        var upload = await IssueAsync(host);
        host.S3.Put(upload.FileKey, Png, "image/png");
        host.Clock.Advance(TimeSpan.FromMinutes(20));

        host.S3.Fault = DeletesFail;
        var result = await host.Get<IUploadValidator>().ValidateAsync(upload.Id, "a");
        var failedSweep = await host.Get<IUploadSweeper>().SweepAsync();
        host.Clock.Advance(TimeSpan.FromMinutes(5));
        var stillDown = await host.Get<IUploadSweeper>().SweepAsync();
        host.S3.Fault = null;
        host.Clock.Advance(TimeSpan.FromMinutes(5));
        var recovered = await host.Get<IUploadSweeper>().SweepAsync();

        result.Outcome.Should().Be(UploadValidationOutcome.Expired);
        failedSweep.Should().Be(new SweepResult(0, 0, 0), "the validation holds the removal");
        stillDown.Should().Be(new SweepResult(0, 1, 0), "S3 still refuses: the sweeper's claim runs out and is retried");
        recovered.Should().Be(new SweepResult(0, 0, 1));
        host.S3.Objects.Should().BeEmpty();
    }

    [Fact]
    public async Task Validation_WhoseObjectIsGoneAfterTheDeadline_AnswersExpiredNotNotUploaded()
    {
        // A validation whose S3 calls were retried past the deadline while a sweeper deleted the object: HEAD finds
        // nothing, but the upload is no longer waiting for its file.
        using var host = new TestHost();
        var upload = await IssueAsync(host);
        host.S3.Fault = method =>
        {
            if (method == "GetObjectMetadataAsync")
            {
                host.Clock.Advance(TimeSpan.FromMinutes(21));
            }

            return null;
        };

        var result = await host.Get<IUploadValidator>().ValidateAsync(upload.Id, "a");

        result.Outcome.Should().Be(UploadValidationOutcome.Expired);
        result.Error!.Code.Should().Be(UploadErrorCodes.Expired);
    }

    [Fact]
    public async Task Validation_WhoseChecksOutliveTheDeadline_ExpiresTheUploadInsteadOfValidatingIt()
    {
        // Everything checked out, but by the time the record would be written the deadline has passed: "validated by
        // its deadline" is decided when the state changes, not when the request arrived.
        using var host = new TestHost();
        var upload = await IssueAsync(host);
        host.S3.Put(upload.FileKey, Png, "image/png");
        host.S3.Fault = method =>
        {
            if (method == "DeleteObjectTaggingAsync")
            {
                host.Clock.Advance(TimeSpan.FromMinutes(21));
            }

            return null;
        };

        var result = await host.Get<IUploadValidator>().ValidateAsync(upload.Id, "a");

        result.Outcome.Should().Be(UploadValidationOutcome.Expired);
        host.S3.Objects.Should().BeEmpty("the expired upload's object is deleted even though its marker was already removed");
        var record = (await host.Get<IPendingUploadStore>().FindAsync(upload.Id))!;
        record.Status.Should().Be(UploadStatus.Expired);
        record.ClaimedUntil.Should().BeNull();
    }

    [Fact]
    public async Task Validation_WhoseChecksOutliveTheDeadline_WhileS3RefusesDeletes_LeavesTheUnmarkedObjectToTheSweeper()
    {
        // The marker is gone (validation removed it just before finding the deadline passed) and the expiry's own
        // delete fails: only the held removal stands between this object and a leak.
        using var host = new TestHost(configure: o => o.S3MaxRetries = 0);
        var upload = await IssueAsync(host);
        host.S3.Put(upload.FileKey, Png, "image/png");
        var down = true;
        host.S3.Fault = method =>
        {
            if (method == "DeleteObjectTaggingAsync")
            {
                host.Clock.Advance(TimeSpan.FromMinutes(21));
            }

            return down ? DeletesFail(method) : null;
        };

        var result = await host.Get<IUploadValidator>().ValidateAsync(upload.Id, "a");
        var left = host.S3.Objects[upload.FileKey];
        down = false;
        host.Clock.Advance(TimeSpan.FromMinutes(5));
        var swept = await host.Get<IUploadSweeper>().SweepAsync();

        result.Outcome.Should().Be(UploadValidationOutcome.Expired);
        left.Pending.Should().BeFalse("the lifecycle rule would never remove this object");
        swept.Should().Be(new SweepResult(0, 0, 1));
        host.S3.Objects.Should().BeEmpty();
        (await host.Get<IPendingUploadStore>().FindAsync(upload.Id))!.ClaimedUntil.Should().BeNull();
    }

    [Fact]
    public async Task Validation_PastTheDeadline_ThatLosesEveryCompareAndSet_AnswersExpired()
    {
        // Every write loses (other transitions keep winning, or the store refuses them): the validator runs out of
        // rounds with the record still pending, and must report the deadline, not "not uploaded".
        var store = new LosingStore();
        using var host = new TestHost(store: store);
        var upload = await IssueAsync(host);
        host.S3.Put(upload.FileKey, Png, "image/png");
        host.Clock.Advance(TimeSpan.FromMinutes(21));
        store.Losing = true;

        var result = await host.Get<IUploadValidator>().ValidateAsync(upload.Id, "a");

        result.Outcome.Should().Be(UploadValidationOutcome.Expired);
        result.Error!.Code.Should().Be(UploadErrorCodes.Expired);
        store.LostWrites.Should().BeGreaterThan(1, "the validator tried more than one round");
    }

    /// <summary>An in-memory store whose compare-and-set writes can be made to lose.</summary>
    private sealed class LosingStore : IPendingUploadStore
    {
        private readonly InMemoryPendingUploadStore _inner = new();

        public bool Losing { get; set; }

        public int LostWrites { get; private set; }

        public ValueTask<UploadRecord?> TryAddAsync(UploadRecord record, CancellationToken cancellationToken = default) =>
            _inner.TryAddAsync(record, cancellationToken);

        public ValueTask<UploadRecord?> FindAsync(string id, CancellationToken cancellationToken = default) =>
            _inner.FindAsync(id, cancellationToken);

        public ValueTask<UploadRecord?> TryUpdateAsync(UploadRecord record, CancellationToken cancellationToken = default)
        {
            if (Losing)
            {
                LostWrites++;
                return ValueTask.FromResult<UploadRecord?>(null);
            }

            return _inner.TryUpdateAsync(record, cancellationToken);
        }

        public ValueTask<IReadOnlyList<UploadRecord>> ClaimExpiredAsync(
            DateTimeOffset now, int maxCount, TimeSpan lease, CancellationToken cancellationToken = default) =>
            _inner.ClaimExpiredAsync(now, maxCount, lease, cancellationToken);

        public IAsyncEnumerable<UploadRecord> ListAsync(UploadQuery query, CancellationToken cancellationToken = default) =>
            _inner.ListAsync(query, cancellationToken);
    }

    [Fact]
    public async Task Validation_BeforeTheUpload_StillAnswersNotUploaded()
    {
        using var host = new TestHost();
        var upload = await IssueAsync(host);

        var result = await host.Get<IUploadValidator>().ValidateAsync(upload.Id, "a");

        result.Outcome.Should().Be(UploadValidationOutcome.NotUploaded);
        result.Error!.Code.Should().Be(UploadErrorCodes.NotUploaded);
        (await host.Get<IPendingUploadStore>().FindAsync(upload.Id))!.Status.Should().Be(UploadStatus.Pending);
    }

    [Fact]
    public async Task ValidateCancelAndSweep_RacingWhileHalfTheDeletesFail_S3AgreesWithEveryOutcomeOnceItRecovers()
    {
        // The sweeping instance's clock at the deadline; half of all deletes fail.
        using var cluster = new TwoInstances(o => o.S3MaxRetries = 0);
        var (s3, store, sweeperClock) = (cluster.S3, cluster.Store, cluster.SweeperClock);
        var issuer = cluster.App.Get<IUploadUrlIssuer>();
        var validator = cluster.App.Get<IUploadValidator>();
        var manager = cluster.App.Get<IUploadManager>();
        var sweeper = cluster.Other.Get<IUploadSweeper>();
        var uploads = new List<IssuedUpload>();
        s3.Fault = method => method is "DeleteObjectAsync" or "DeleteObjectsAsync" && Random.Shared.Next(2) == 0
            ? new AmazonS3Exception("SlowDown") { StatusCode = HttpStatusCode.ServiceUnavailable }
            : null;

        for (var i = 0; i < 300; i++)
        {
            var upload = (await issuer.IssueAsync(new UploadRequest { Owner = "alice", FileName = "a.png", ContentType = "image/png", Size = 8 })).Upload!;
            uploads.Add(upload);
            s3.Put(upload.FileKey, Png, "image/png");
            sweeperClock.SetUtcNow(upload.ValidateBefore);
            using var gate = new ManualResetEventSlim();
            var racers = new Func<Task>[]
            {
                async () => await validator.ValidateAsync(upload.Id, "alice"),
                async () => await sweeper.SweepAsync(),
                async () => await manager.DeleteAsync(upload.Id, "alice"),
            };
            var tasks = racers.Select(r =>
            {
                var head = Random.Shared.Next(0, 40_000);
                return Task.Run(async () =>
                {
                    gate.Wait();
                    Thread.SpinWait(head);
                    try
                    {
                        await r();
                    }
                    catch (AmazonS3Exception)
                    {
                        // Deleting a validated upload deletes its object first; when S3 refuses, the caller gets the error.
                    }
                });
            }).ToArray();
            gate.Set();
            await Task.WhenAll(tasks);
        }

        s3.Fault = null;
        var later = uploads[^1].ValidateBefore + TimeSpan.FromMinutes(10);
        sweeperClock.SetUtcNow(later);
        var recovery = await sweeper.SweepAsync();

        var outcomes = new Dictionary<UploadStatus, int>();
        foreach (var upload in uploads)
        {
            var record = (await store.FindAsync(upload.Id))!;
            outcomes[record.Status] = outcomes.GetValueOrDefault(record.Status) + 1;
            var exists = s3.Objects.TryGetValue(upload.FileKey, out var stored);
            if (record.Status == UploadStatus.Validated)
            {
                exists.Should().BeTrue($"{upload.Id}: validated keeps its object (I1)");
                stored!.Pending.Should().BeFalse();
            }
            else
            {
                record.Status.Should().BeOneOf(UploadStatus.Expired, UploadStatus.Deleted);
                exists.Should().BeFalse($"{upload.Id} ended {record.Status}: its object must be gone (I2)");
                record.ClaimedUntil.Should().BeNull();
            }
        }

        recovery.Cleaned.Should().BePositive("some ended uploads' own deletes failed, so the sweeper had removals to finish");
        outcomes.Keys.Should().Contain(UploadStatus.Validated);
        outcomes.Keys.Should().Contain(UploadStatus.Deleted);
    }
}
