using System.Net;
using Amazon.S3;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using S3Presign.Issuing;
using S3Presign.Lifecycle;
using S3Presign.Storage;
using S3Presign.Tests.Fakes;

namespace S3Presign.Tests.Lifecycle;

public sealed class UploadSweeperTests
{
    private static async Task<IssuedUpload> IssueAsync(TestHost host) =>
        (await host.Get<IUploadUrlIssuer>().IssueAsync(new UploadRequest { Owner = "a", FileName = "a.txt", ContentType = "text/plain", Size = 2 })).Upload!;

    [Fact]
    public async Task Sweep_WhenS3StaysDown_KeepsUploadsPendingAndRetriesAfterLease()
    {
        using var host = new TestHost(configure: o => o.S3MaxRetries = 1);
        var upload = await IssueAsync(host);
        host.S3.Put(upload.FileKey, "hi"u8.ToArray(), "text/plain");
        host.Clock.Advance(TimeSpan.FromMinutes(21));
        host.S3.Fault = _ => new AmazonS3Exception("down") { StatusCode = HttpStatusCode.ServiceUnavailable };
        var sweeper = host.Get<IUploadSweeper>();

        var failed = await sweeper.SweepAsync();
        host.S3.Fault = null;
        var tooEarly = await sweeper.SweepAsync();
        host.Clock.Advance(TimeSpan.FromMinutes(5));
        var recovered = await sweeper.SweepAsync();

        failed.Should().Be(new SweepResult(0, 1));
        tooEarly.Should().Be(new SweepResult(0, 0), "the failed claim holds until its lease runs out");
        recovered.Should().Be(new SweepResult(1, 0));
        host.S3.Objects.Should().BeEmpty();
        (await host.Get<IPendingUploadStore>().FindAsync(upload.Id))!.Status.Should().Be(UploadStatus.Expired);
    }

    [Fact]
    public async Task Sweep_NeverTouchesValidatedOrDeletedUploads()
    {
        using var host = new TestHost();
        var validated = await IssueAsync(host);
        host.S3.Put(validated.FileKey, "hi"u8.ToArray(), "text/plain");
        (await host.Get<S3Presign.Validation.IUploadValidator>().ValidateAsync(validated.Id, "a")).Succeeded.Should().BeTrue();
        host.Clock.Advance(TimeSpan.FromDays(30));

        (await host.Get<IUploadSweeper>().SweepAsync()).Should().Be(new SweepResult(0, 0));
        host.S3.Objects.Should().ContainKey(validated.FileKey);
    }

    [Fact]
    public async Task HostedSweeper_RunsOnTheInjectedClock()
    {
        using var host = new TestHost(configure: o => o.SweepInterval = TimeSpan.FromMinutes(1));
        var upload = await IssueAsync(host);
        host.S3.Put(upload.FileKey, "hi"u8.ToArray(), "text/plain");
        var service = host.Services.GetServices<IHostedService>().Single();
        await service.StartAsync(CancellationToken.None);
        var store = host.Get<IPendingUploadStore>();

        try
        {
            host.Clock.Advance(TimeSpan.FromMinutes(20));   // deadline reached; the next tick sweeps
            (await store.FindAsync(upload.Id))!.Status.Should().Be(UploadStatus.Pending);
            host.Clock.Advance(TimeSpan.FromMinutes(1));
            var status = await WaitForAsync(async () => (await store.FindAsync(upload.Id))!.Status, UploadStatus.Expired);

            status.Should().Be(UploadStatus.Expired);
            host.S3.Objects.Should().BeEmpty();
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task HostedSweeper_WhenDisabled_DoesNothing()
    {
        using var host = new TestHost(configure: o => o.EnableSweeper = false);
        var upload = await IssueAsync(host);
        var service = host.Services.GetServices<IHostedService>().Single();
        await service.StartAsync(CancellationToken.None);
        host.Clock.Advance(TimeSpan.FromHours(1));
        await Task.Delay(100);
        await service.StopAsync(CancellationToken.None);

        (await host.Get<IPendingUploadStore>().FindAsync(upload.Id))!.Status.Should().Be(UploadStatus.Pending);
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T>> probe, T expected)
    {
        // The timer callback runs on the thread pool: give it real time to finish, bounded.
        var value = await probe();
        for (var i = 0; i < 200 && !EqualityComparer<T>.Default.Equals(value, expected); i++)
        {
            await Task.Delay(10);
            value = await probe();
        }

        return value;
    }
}
