using S3Presign.Storage;
using Xunit;

namespace S3Presign.Testing;

/// <summary>
/// The behaviour every <see cref="IPendingUploadStore"/> must have. Inherit it in a test project and return a fresh,
/// empty store from <see cref="CreateStoreAsync"/>; every test here then runs against your store.
/// </summary>
public abstract class PendingUploadStoreContractTests
{
    private static readonly DateTimeOffset T0 = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Creates a fresh, empty store for one test.</summary>
    /// <returns>The store under test.</returns>
    protected abstract ValueTask<IPendingUploadStore> CreateStoreAsync();

    /// <summary>A pending record with the given id, owner and deadline.</summary>
    /// <param name="id">The id; a fresh one when <see langword="null"/>.</param>
    /// <param name="owner">The owner.</param>
    /// <param name="deadline">The validation deadline; T0 + 20 minutes when <see langword="null"/>.</param>
    /// <returns>A version-0 record ready for <see cref="IPendingUploadStore.TryAddAsync"/>.</returns>
    protected static UploadRecord NewRecord(string? id = null, string owner = "alice", DateTimeOffset? deadline = null)
    {
        id ??= Guid.NewGuid().ToString("N");
        return new UploadRecord
        {
            Id = id,
            Owner = owner,
            Key = $"uploads/{id}-photo.png",
            Bucket = "bucket",
            FileName = "photo.png",
            ContentType = "image/png",
            DeclaredSize = 100,
            Status = UploadStatus.Pending,
            CreatedAt = T0,
            UpdatedAt = T0,
            UploadExpiresAt = T0.AddMinutes(15),
            ValidateBefore = deadline ?? T0.AddMinutes(20),
        };
    }

    /// <summary>Adding then finding returns the record with version 1 and every field intact.</summary>
    [Fact]
    public async Task TryAdd_ThenFind_ReturnsEveryFieldWithVersionOne()
    {
        var store = await CreateStoreAsync();
        var record = NewRecord() with
        {
            ChecksumSha256 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
            ContentMd5 = "1B2M2Y8AsgTpgAmY7PhCfg==",
            Mode = UploadMode.Multipart,
            MultipartUploadId = "upload-1",
            Metadata = new Dictionary<string, string> { ["album"] = "summer", ["n"] = "1" },
            FileName = "Résumé (final) 🎉.pdf",
        };

        var added = await store.TryAddAsync(record);
        var found = await store.FindAsync(record.Id);

        Assert.NotNull(added);
        Assert.Equal(1, added!.Version);
        Assert.NotNull(found);
        Assert.Equal(1, found!.Version);
        Assert.Equal(record.FileName, found.FileName);
        Assert.Equal(record.ChecksumSha256, found.ChecksumSha256);
        Assert.Equal(record.ContentMd5, found.ContentMd5);
        Assert.Equal(UploadMode.Multipart, found.Mode);
        Assert.Equal("upload-1", found.MultipartUploadId);
        Assert.Equal(record.ValidateBefore, found.ValidateBefore);
        Assert.Equal(record.CreatedAt, found.CreatedAt);
        Assert.Equal(100, found.DeclaredSize);
        Assert.Equal(UploadStatus.Pending, found.Status);
        Assert.Equal(2, found.Metadata.Count);
        Assert.Equal("summer", found.Metadata["album"]);
    }

    /// <summary>A second record with the same id is refused and the first one kept.</summary>
    [Fact]
    public async Task TryAdd_WithExistingId_ReturnsNullAndKeepsFirst()
    {
        var store = await CreateStoreAsync();
        var record = NewRecord();
        await store.TryAddAsync(record);

        var second = await store.TryAddAsync(record with { Owner = "mallory" });

        Assert.Null(second);
        Assert.Equal("alice", (await store.FindAsync(record.Id))!.Owner);
    }

    /// <summary>An unknown id finds nothing.</summary>
    [Fact]
    public async Task Find_UnknownId_ReturnsNull()
    {
        var store = await CreateStoreAsync();
        Assert.Null(await store.FindAsync("0123456789abcdef0123456789abcdef"));
    }

    /// <summary>An update carrying the current version wins and increments the version.</summary>
    [Fact]
    public async Task TryUpdate_WithCurrentVersion_StoresAndIncrementsVersion()
    {
        var store = await CreateStoreAsync();
        var added = (await store.TryAddAsync(NewRecord()))!;

        var updated = await store.TryUpdateAsync(added with { Status = UploadStatus.Validated, Size = 100, ETag = "abc", ValidatedAt = T0 });

        Assert.NotNull(updated);
        Assert.Equal(2, updated!.Version);
        var found = (await store.FindAsync(added.Id))!;
        Assert.Equal(UploadStatus.Validated, found.Status);
        Assert.Equal("abc", found.ETag);
        Assert.Equal(100, found.Size);
        Assert.Equal(T0, found.ValidatedAt);
        Assert.Equal(2, found.Version);
    }

    /// <summary>An update derived from a stale version loses and changes nothing (compare-and-set).</summary>
    [Fact]
    public async Task TryUpdate_WithStaleVersion_ReturnsNullAndChangesNothing()
    {
        var store = await CreateStoreAsync();
        var added = (await store.TryAddAsync(NewRecord()))!;
        await store.TryUpdateAsync(added with { Status = UploadStatus.Validated });

        var stale = await store.TryUpdateAsync(added with { Status = UploadStatus.Expired });

        Assert.Null(stale);
        Assert.Equal(UploadStatus.Validated, (await store.FindAsync(added.Id))!.Status);
    }

    /// <summary>Updating a record that does not exist does not create it.</summary>
    [Fact]
    public async Task TryUpdate_UnknownId_ReturnsNullAndCreatesNothing()
    {
        var store = await CreateStoreAsync();
        var record = NewRecord() with { Version = 1 };

        Assert.Null(await store.TryUpdateAsync(record));
        Assert.Null(await store.FindAsync(record.Id));
    }

    /// <summary>Many writers racing from the same version: exactly one wins.</summary>
    [Fact]
    public async Task TryUpdate_ConcurrentWritersFromSameVersion_ExactlyOneWins()
    {
        var store = await CreateStoreAsync();
        var added = (await store.TryAddAsync(NewRecord()))!;
        var statuses = new[] { UploadStatus.Validated, UploadStatus.Expired, UploadStatus.Deleted, UploadStatus.Rejected };

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
            await store.TryUpdateAsync(added with { Status = statuses[i % statuses.Length], StatusReason = i.ToString(System.Globalization.CultureInfo.InvariantCulture) }))));

        var winners = results.Where(r => r is not null).ToList();
        Assert.Single(winners);
        var stored = (await store.FindAsync(added.Id))!;
        Assert.Equal(winners[0]!.Status, stored.Status);
        Assert.Equal(winners[0]!.StatusReason, stored.StatusReason);
        Assert.Equal(2, stored.Version);
    }

    /// <summary>Only pending records past their deadline are claimed, oldest deadline first, with a lease and a new version.</summary>
    [Fact]
    public async Task ClaimExpired_ReturnsOnlyPendingPastDeadline_OldestFirst()
    {
        var store = await CreateStoreAsync();
        var late = (await store.TryAddAsync(NewRecord(deadline: T0.AddMinutes(-1))))!;
        var oldest = (await store.TryAddAsync(NewRecord(deadline: T0.AddMinutes(-10))))!;
        var exactlyNow = (await store.TryAddAsync(NewRecord(deadline: T0)))!;
        await store.TryAddAsync(NewRecord(deadline: T0.AddSeconds(1)));
        var validated = (await store.TryAddAsync(NewRecord(deadline: T0.AddMinutes(-5))))!;
        await store.TryUpdateAsync(validated with { Status = UploadStatus.Validated });

        var claimed = await store.ClaimExpiredAsync(T0, 100, TimeSpan.FromMinutes(5));

        Assert.Equal(new[] { oldest.Id, late.Id, exactlyNow.Id }, claimed.Select(r => r.Id).ToArray());
        Assert.All(claimed, r => Assert.Equal(T0.AddMinutes(5), r.ClaimedUntil));
        Assert.All(claimed, r => Assert.Equal(2, r.Version));
        Assert.All(claimed, r => Assert.Equal(UploadStatus.Pending, r.Status));
    }

    /// <summary>A batch never exceeds the requested size; the rest stays for the next claim.</summary>
    [Fact]
    public async Task ClaimExpired_RespectsBatchSize()
    {
        var store = await CreateStoreAsync();
        for (var i = 0; i < 7; i++)
        {
            await store.TryAddAsync(NewRecord(deadline: T0.AddMinutes(-i - 1)));
        }

        var first = await store.ClaimExpiredAsync(T0, 5, TimeSpan.FromMinutes(5));
        var second = await store.ClaimExpiredAsync(T0, 5, TimeSpan.FromMinutes(5));

        Assert.Equal(5, first.Count);
        Assert.Equal(2, second.Count);
        Assert.Empty(first.Select(r => r.Id).Intersect(second.Select(r => r.Id)));
    }

    /// <summary>A claimed record is not claimed again while its lease holds, and comes back once it has run out.</summary>
    [Fact]
    public async Task ClaimExpired_ClaimComesBackOnlyAfterLeaseRunsOut()
    {
        var store = await CreateStoreAsync();
        var record = (await store.TryAddAsync(NewRecord(deadline: T0.AddMinutes(-1))))!;

        var first = await store.ClaimExpiredAsync(T0, 10, TimeSpan.FromMinutes(5));
        var duringLease = await store.ClaimExpiredAsync(T0.AddMinutes(4), 10, TimeSpan.FromMinutes(5));
        var afterLease = await store.ClaimExpiredAsync(T0.AddMinutes(5), 10, TimeSpan.FromMinutes(5));

        Assert.Single(first);
        Assert.Empty(duringLease);
        Assert.Single(afterLease);
        Assert.Equal(record.Id, afterLease[0].Id);
        Assert.Equal(3, afterLease[0].Version);
    }

    /// <summary>A claim bumps the version, so a writer that read the record before the claim loses.</summary>
    [Fact]
    public async Task ClaimExpired_MakesEarlierReadsStale()
    {
        var store = await CreateStoreAsync();
        var before = (await store.TryAddAsync(NewRecord(deadline: T0.AddMinutes(-1))))!;

        var claimed = await store.ClaimExpiredAsync(T0, 10, TimeSpan.FromMinutes(5));
        var validate = await store.TryUpdateAsync(before with { Status = UploadStatus.Validated });
        var expire = await store.TryUpdateAsync(claimed[0] with { Status = UploadStatus.Expired, ClaimedUntil = null });

        Assert.Null(validate);
        Assert.NotNull(expire);
        Assert.Equal(UploadStatus.Expired, (await store.FindAsync(before.Id))!.Status);
        Assert.Empty(await store.ClaimExpiredAsync(T0.AddHours(1), 10, TimeSpan.FromMinutes(5)));
    }

    /// <summary>
    /// An ended record whose object removal is outstanding (<see cref="UploadRecord.ClaimedUntil"/> set) is claimed once
    /// its hold has run out, keeping its status; ended records without a hold and validated records never are.
    /// </summary>
    [Fact]
    public async Task ClaimExpired_EndedRecordWithOutstandingRemoval_IsClaimedWhenItsHoldRunsOut()
    {
        var store = await CreateStoreAsync();
        async Task<UploadRecord> EndAsync(UploadStatus status, DateTimeOffset? hold)
        {
            var added = (await store.TryAddAsync(NewRecord()))!;
            return (await store.TryUpdateAsync(added with { Status = status, StatusReason = "why", ClaimedUntil = hold }))!;
        }

        var deleted = await EndAsync(UploadStatus.Deleted, T0.AddMinutes(1));
        var rejected = await EndAsync(UploadStatus.Rejected, T0.AddMinutes(2));
        await EndAsync(UploadStatus.Expired, null);
        await EndAsync(UploadStatus.Validated, T0.AddMinutes(-1));

        var beforeHolds = await store.ClaimExpiredAsync(T0, 10, TimeSpan.FromMinutes(5));
        var first = await store.ClaimExpiredAsync(T0.AddMinutes(1), 10, TimeSpan.FromMinutes(5));
        var second = await store.ClaimExpiredAsync(T0.AddMinutes(3), 10, TimeSpan.FromMinutes(5));

        Assert.Empty(beforeHolds);
        var claimed = Assert.Single(first);
        Assert.Equal(deleted.Id, claimed.Id);
        Assert.Equal(UploadStatus.Deleted, claimed.Status);
        Assert.Equal("why", claimed.StatusReason);
        Assert.Equal(T0.AddMinutes(6), claimed.ClaimedUntil);
        Assert.Equal(deleted.Version + 1, claimed.Version);
        Assert.Equal(rejected.Id, Assert.Single(second).Id);

        Assert.NotNull(await store.TryUpdateAsync(claimed with { ClaimedUntil = null }));
        Assert.NotNull(await store.TryUpdateAsync(second[0] with { ClaimedUntil = null }));
        Assert.Empty(await store.ClaimExpiredAsync(T0.AddDays(1), 10, TimeSpan.FromMinutes(5)));
        Assert.Equal(UploadStatus.Deleted, (await store.FindAsync(deleted.Id))!.Status);
    }

    /// <summary>Expired pending records and ended records with an outstanding removal share one batch limit.</summary>
    [Fact]
    public async Task ClaimExpired_PendingAndEndedRecords_ShareTheBatchSize()
    {
        var store = await CreateStoreAsync();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await store.TryAddAsync(NewRecord(deadline: T0.AddMinutes(-i - 1))))!.Id);
            var ended = (await store.TryAddAsync(NewRecord()))!;
            await store.TryUpdateAsync(ended with { Status = UploadStatus.Deleted, ClaimedUntil = T0.AddMinutes(-i - 1) });
            ids.Add(ended.Id);
        }

        var first = await store.ClaimExpiredAsync(T0, 4, TimeSpan.FromMinutes(5));
        var second = await store.ClaimExpiredAsync(T0, 4, TimeSpan.FromMinutes(5));
        var third = await store.ClaimExpiredAsync(T0, 4, TimeSpan.FromMinutes(5));

        Assert.Equal(4, first.Count);
        Assert.Equal(2, second.Count);
        Assert.Empty(third);
        Assert.Equal(ids.Order(StringComparer.Ordinal), first.Concat(second).Select(r => r.Id).Order(StringComparer.Ordinal));
    }

    /// <summary>Concurrent claimers split the expired records: none is handed to two of them.</summary>
    [Fact]
    public async Task ClaimExpired_ConcurrentClaimers_NeverShareARecord()
    {
        var store = await CreateStoreAsync();
        for (var i = 0; i < 200; i++)
        {
            await store.TryAddAsync(NewRecord(deadline: T0.AddSeconds(-i - 1)));
        }

        var batches = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            var mine = new List<string>();
            while (true)
            {
                var batch = await store.ClaimExpiredAsync(T0, 7, TimeSpan.FromMinutes(5));
                if (batch.Count == 0) return mine;
                mine.AddRange(batch.Select(r => r.Id));
            }
        })));

        var all = batches.SelectMany(b => b).ToList();
        Assert.Equal(200, all.Count);
        Assert.Equal(200, all.Distinct().Count());
    }

    /// <summary>Listing is per owner, filtered, newest first and limited.</summary>
    [Fact]
    public async Task List_FiltersByOwnerStatusNameSizeAndCreated_NewestFirst()
    {
        var store = await CreateStoreAsync();
        var a1 = (await store.TryAddAsync(NewRecord() with { FileName = "cat.png", DeclaredSize = 10, CreatedAt = T0 }))!;
        var a2 = (await store.TryAddAsync(NewRecord() with { FileName = "Dog.PNG", DeclaredSize = 20, CreatedAt = T0.AddMinutes(1) }))!;
        var a3 = (await store.TryAddAsync(NewRecord() with { FileName = "report.pdf", DeclaredSize = 30, CreatedAt = T0.AddMinutes(2) }))!;
        await store.TryAddAsync(NewRecord(owner: "bob") with { FileName = "cat.png", CreatedAt = T0.AddMinutes(3) });
        await store.TryUpdateAsync(a3 with { Status = UploadStatus.Validated, Size = 31 });
        var deleted = (await store.TryAddAsync(NewRecord() with { FileName = "gone.png", CreatedAt = T0.AddMinutes(4) }))!;
        await store.TryUpdateAsync(deleted with { Status = UploadStatus.Deleted });

        async Task<string[]> List(UploadQuery query)
        {
            var ids = new List<string>();
            await foreach (var r in store.ListAsync(query)) ids.Add(r.Id);
            return ids.ToArray();
        }

        Assert.Equal(new[] { a3.Id, a2.Id, a1.Id }, await List(new UploadQuery { Owner = "alice" }));
        Assert.Equal(new[] { a3.Id }, await List(new UploadQuery { Owner = "alice", Status = UploadStatus.Validated }));
        Assert.Equal(new[] { a2.Id, a1.Id }, await List(new UploadQuery { Owner = "alice", FileNameContains = ".png" }));
        Assert.Equal(new[] { a2.Id }, await List(new UploadQuery { Owner = "alice", MinSize = 15, MaxSize = 25 }));
        Assert.Equal(new[] { a3.Id }, await List(new UploadQuery { Owner = "alice", MinSize = 31 }));
        Assert.Equal(new[] { a2.Id }, await List(new UploadQuery { Owner = "alice", CreatedFrom = T0.AddMinutes(1), CreatedTo = T0.AddMinutes(2) }));
        Assert.Equal(new[] { a3.Id, a2.Id }, await List(new UploadQuery { Owner = "alice", Limit = 2 }));
        Assert.Empty(await List(new UploadQuery { Owner = "carol" }));
        Assert.Equal(new[] { deleted.Id }, await List(new UploadQuery { Owner = "alice", Status = UploadStatus.Deleted }));
        Assert.Equal(new[] { deleted.Id, a3.Id }, await List(new UploadQuery { Owner = "alice", IncludeDeleted = true, Limit = 2 }));
    }
}
