using System.Net;
using Amazon.S3.Model;
using Microsoft.Extensions.DependencyInjection;
using S3Presign.IntegrationTests.Infrastructure;
using S3Presign.Issuing;
using S3Presign.Lifecycle;

namespace S3Presign.IntegrationTests.Modes;

[Collection(RgwCollection.Name)]
public sealed class StoredFilesAgainstRgwTests(RgwFixture rgw)
{
    [Fact]
    public async Task List_UnderPrefix_ReturnsNameSizeLastModifiedAndWorkingUrls()
    {
        var bucket = await rgw.CreateBucketAsync("files");
        await using var services = rgw.BuildServices(bucket, o => o.KeyPrefix = "xen");
        var issuer = services.GetRequiredService<IUploadUrlIssuer>();
        var files = new Dictionary<string, byte[]>();
        foreach (var (directory, size) in new[] { ("a", 100), ("a", 200), ("b", 300) })
        {
            var bytes = Files.Png(size);
            var upload = (await issuer.IssueAsync(new UploadRequest { Owner = "o", FileName = "p.png", ContentType = "image/png", Size = size, Directory = directory })).Upload!;
            (await Http.PutAsync(upload, bytes)).Status.Should().Be(HttpStatusCode.OK);
            files[upload.FileKey] = bytes;
        }

        using (var s3 = rgw.CreateClient())
        {
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "elsewhere/x.txt", ContentBody = "not ours" });
        }

        var stored = services.GetRequiredService<IStoredFiles>();
        var all = await ToListAsync(stored.ListAsync());
        var underA = await ToListAsync(stored.ListAsync("a/", includeDownloadUrls: true));

        all.Select(f => f.Key).Should().BeEquivalentTo(files.Keys, "only keys under the configured prefix");
        all.Should().AllSatisfy(f =>
        {
            f.Size.Should().Be(files[f.Key].Length);
            f.Name.Should().EndWith("-p.png").And.NotContain("/");
            f.LastModified.Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));
            f.DownloadUrl.Should().BeNull();
        });
        underA.Should().HaveCount(2);
        foreach (var file in underA)
        {
            var (status, body) = await Http.GetAsync(file.DownloadUrl!);
            status.Should().Be(HttpStatusCode.OK);
            body.Should().Equal(files[file.Key]);
        }
    }

    private static async Task<List<StoredFile>> ToListAsync(IAsyncEnumerable<StoredFile> source)
    {
        var list = new List<StoredFile>();
        await foreach (var item in source) list.Add(item);
        return list;
    }
}
