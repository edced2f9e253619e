using System.Net;
using Microsoft.Extensions.DependencyInjection;
using S3Presign.IntegrationTests.Infrastructure;
using S3Presign.Issuing;
using S3Presign.Lifecycle;
using S3Presign.Validation;

namespace S3Presign.IntegrationTests.Modes;

/// <summary>Download links: Ceph RGW serves the bytes with the signed Content-Disposition.</summary>
[Collection(RgwCollection.Name)]
public sealed class DownloadAgainstRgwTests(RgwFixture rgw)
{
    private async Task<(ServiceProvider Services, IssuedUpload Upload, byte[] Bytes)> ValidatedAsync(string fileName)
    {
        var bucket = await rgw.CreateBucketAsync("dl");
        var services = rgw.BuildServices(bucket);
        var bytes = Files.Text(300);
        var upload = (await services.GetRequiredService<IUploadUrlIssuer>().IssueAsync(
            new UploadRequest { Owner = "alice", FileName = fileName, ContentType = "text/plain", Size = bytes.Length })).Upload!;
        (await Http.PutAsync(upload, bytes)).Status.Should().Be(HttpStatusCode.OK);
        (await services.GetRequiredService<IUploadValidator>().ValidateAsync(upload.Id, "alice")).Succeeded.Should().BeTrue();
        return (services, upload, bytes);
    }

    [Fact]
    public async Task Download_WithAttachment_ServesBytesWithRfc6266ContentDisposition()
    {
        var (services, upload, bytes) = await ValidatedAsync("Résumé (final) \"v2\".txt");
        await using var _ = services;

        var link = await services.GetRequiredService<IUploadManager>().GetDownloadUrlAsync(
            upload.Id, "alice", new DownloadOptions { Disposition = DownloadDisposition.Attachment, ExpiresIn = TimeSpan.FromSeconds(90) });

        link.Succeeded.Should().BeTrue(link.Error?.Message);
        using var response = await FormPost.GetAsync(link.Url!);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsByteArrayAsync()).Should().Equal(bytes);
        string.Join(",", response.Content.Headers.GetValues("Content-Disposition")).Should().Be(
            "attachment; filename=\"Resume (final) _v2_.txt\"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%28final%29%20%22v2%22.txt");
        response.Content.Headers.ContentDisposition!.FileNameStar.Should().Be("Résumé (final) \"v2\".txt");
    }

    [Fact]
    public async Task Download_WithInline_ServesInlineDisposition()
    {
        var (services, upload, _) = await ValidatedAsync("notes.txt");
        await using var _ = services;

        var link = await services.GetRequiredService<IUploadManager>().GetDownloadUrlAsync(
            upload.Id, "alice", new DownloadOptions { Disposition = DownloadDisposition.Inline });

        using var response = await FormPost.GetAsync(link.Url!);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentDisposition!.DispositionType.Should().Be("inline");
        response.Content.Headers.ContentDisposition.FileName.Should().Be("notes.txt");
    }

    [Fact]
    public async Task Download_WithExpiresIn_ExpiresThen()
    {
        // The server's clock is what is tested, so this waits for real.
        var (services, upload, _) = await ValidatedAsync("notes.txt");
        await using var _ = services;
        var manager = services.GetRequiredService<IUploadManager>();

        var link = await manager.GetDownloadUrlAsync(upload.Id, "alice", new DownloadOptions { ExpiresIn = TimeSpan.FromSeconds(1) });
        await Task.Delay(TimeSpan.FromSeconds(2.5));

        using var response = await FormPost.GetAsync(link.Url!);
        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await manager.GetDownloadUrlAsync(upload.Id, "alice", new DownloadOptions { ExpiresIn = TimeSpan.FromHours(2) }))
            .Error!.Code.Should().Be(UploadErrorCodes.InvalidExpiry, "MaxDownloadUrlExpiry defaults to one hour");
    }
}
