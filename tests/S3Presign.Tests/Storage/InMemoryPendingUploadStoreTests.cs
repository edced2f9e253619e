using S3Presign.Storage;
using S3Presign.Testing;

namespace S3Presign.Tests.Storage;

public sealed class InMemoryPendingUploadStoreTests : PendingUploadStoreContractTests
{
    private static readonly DateTimeOffset T0 = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    protected override ValueTask<IPendingUploadStore> CreateStoreAsync() =>
        ValueTask.FromResult<IPendingUploadStore>(new InMemoryPendingUploadStore());

    // The deadline index keeps stale entries until they reach the top (it never searches the heap to remove one);
    // these pin down that a stale entry is never claimed and never claims a record twice.

    [Fact]
    public async Task ClaimExpired_WhenUploadsChangedWhilePending_ClaimsEachLivePendingUploadOnce()
    {
        var store = new InMemoryPendingUploadStore();
        var records = new List<UploadRecord>();
        for (var i = 0; i < 30; i++)
        {
            records.Add((await store.TryAddAsync(NewRecord($"u{i:00}", deadline: T0.AddSeconds(-i))))!);
        }

        // Ten are validated, ten are updated but stay pending (several times), ten are left alone.
        for (var i = 0; i < 10; i++)
        {
            (await store.TryUpdateAsync(records[i] with { Status = UploadStatus.Validated })).Should().NotBeNull();
        }

        for (var i = 10; i < 20; i++)
        {
            var current = records[i];
            for (var n = 0; n < 3; n++)
            {
                current = (await store.TryUpdateAsync(current with { Size = n }))!;
            }
        }

        var claimed = await store.ClaimExpiredAsync(T0, 100, Lease);

        claimed.Select(r => r.Id).Should().OnlyHaveUniqueItems().And.BeEquivalentTo(records.Skip(10).Select(r => r.Id));
        claimed.Select(r => r.ValidateBefore).Should().BeInAscendingOrder();
        (await store.ClaimExpiredAsync(T0, 100, Lease)).Should().BeEmpty("every claim's lease is running");
    }

    [Fact]
    public async Task ClaimExpired_WhenDeadlineIsMovedLater_WaitsForTheNewDeadline()
    {
        var store = new InMemoryPendingUploadStore();
        var record = (await store.TryAddAsync(NewRecord("later", deadline: T0)))!;
        (await store.TryUpdateAsync(record with { ValidateBefore = T0.AddHours(1) })).Should().NotBeNull();

        (await store.ClaimExpiredAsync(T0.AddMinutes(1), 10, Lease)).Should().BeEmpty();
        (await store.ClaimExpiredAsync(T0.AddHours(1), 10, Lease)).Should().ContainSingle(r => r.Id == "later");
    }

    [Fact]
    public async Task ClaimExpired_WhenClaimedAgainAfterLapsedLease_ComesBackOnlyAfterTheNewLease()
    {
        var store = new InMemoryPendingUploadStore();
        await store.TryAddAsync(NewRecord("a", deadline: T0));

        (await store.ClaimExpiredAsync(T0, 10, Lease)).Should().ContainSingle();
        (await store.ClaimExpiredAsync(T0 + Lease, 10, Lease)).Should().ContainSingle("the first lease ran out");
        (await store.ClaimExpiredAsync(T0 + Lease + Lease - TimeSpan.FromTicks(1), 10, Lease)).Should().BeEmpty();
        (await store.ClaimExpiredAsync(T0 + Lease + Lease, 10, Lease)).Should().ContainSingle();
    }

    [Fact]
    public async Task TryAdd_WhenOwnersRepeat_KeepsTheOwnersValue()
    {
        var store = new InMemoryPendingUploadStore();
        var first = (await store.TryAddAsync(NewRecord("x1", owner: new string('o', 3))))!;
        var second = (await store.TryAddAsync(NewRecord("x2", owner: new string('o', 3))))!;

        second.Owner.Should().Be("ooo");
        ReferenceEquals(first.Owner, second.Owner).Should().BeTrue("one string serves every upload of an owner");
    }
}
