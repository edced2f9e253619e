using System.Net;
using Microsoft.Extensions.DependencyInjection;
using S3Presign.EntityFrameworkCore.Tests.Infrastructure;
using S3Presign.Issuing;
using S3Presign.Lifecycle;
using S3Presign.Storage;
using S3Presign.Testing;

namespace S3Presign.EntityFrameworkCore.Tests.Lifecycle;

/// <summary>PostgreSQL goes away mid-run (its own cluster, so other tests are not disturbed) and comes back.</summary>
[Collection(RgwCollection.Name)]
public sealed class PostgresRestartTests(RgwFixture rgw)
{
    [Fact]
    public async Task Operations_WhilePostgresIsDown_FailWithExceptionsAndRecoverOnceItIsBack()
    {
        var server = await PostgresServer.GetAsync(PostgresServer.FaultPort);
        var database = await server.CreateDatabaseAsync();
        var bucket = await rgw.CreateBucketAsync("efpgdown");
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var services = rgw.BuildInstance(bucket, database, clock);
        var issuer = services.GetRequiredService<IUploadUrlIssuer>();
        var store = services.GetRequiredService<IPendingUploadStore>();
        var abandoned = (await issuer.IssueAsync(new UploadRequest { Owner = "alice", FileName = "a.png", ContentType = "image/png", Size = 200 })).Upload!;
        (await Http.PutAsync(abandoned, Http.Png(200))).Should().Be(HttpStatusCode.OK);

        await server.StopAsync();
        try
        {
            var issue = async () => await issuer.IssueAsync(new UploadRequest { Owner = "alice", FileName = "b.png", ContentType = "image/png", Size = 200 });
            var find = async () => await store.FindAsync(abandoned.Id);
            clock.Advance(TimeSpan.FromMinutes(21));
            var sweep = async () => await services.GetRequiredService<IUploadSweeper>().SweepAsync();

            (await issue.Should().ThrowAsync<Exception>()).Which.Should().NotBeOfType<NullReferenceException>();
            await find.Should().ThrowAsync<Exception>();
            await sweep.Should().ThrowAsync<Exception>();
        }
        finally
        {
            await server.StartAgainAsync();
        }

        // Pooled connections died with the server; the store recovers without a restart of the app.
        UploadRecord? found = null;
        for (var attempt = 0; attempt < 20 && found is null; attempt++)
        {
            try
            {
                found = await store.FindAsync(abandoned.Id);
            }
            catch (Exception) when (attempt < 19)
            {
                await Task.Delay(250);
            }
        }

        found!.Status.Should().Be(UploadStatus.Pending, "nothing was lost");
        (await services.GetRequiredService<IUploadSweeper>().SweepAsync()).Should().Be(new SweepResult(1, 0));
        (await rgw.KeysAsync(bucket)).Should().BeEmpty();
        var again = await issuer.IssueAsync(new UploadRequest { Owner = "alice", FileName = "c.png", ContentType = "image/png", Size = 200 });
        again.Upload.Should().NotBeNull();
        await server.DropDatabaseAsync(database);
    }
}
