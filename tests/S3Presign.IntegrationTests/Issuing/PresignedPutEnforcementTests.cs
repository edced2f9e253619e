using System.Net;
using Amazon.S3.Model;
using Microsoft.Extensions.DependencyInjection;
using S3Presign.IntegrationTests.Infrastructure;
using S3Presign.Issuing;
using S3Presign.Validation;

namespace S3Presign.IntegrationTests.Issuing;

/// <summary>I4, first half: what the presigned PUT binds, the real server enforces.</summary>
[Collection(RgwCollection.Name)]
public sealed class PresignedPutEnforcementTests(RgwFixture rgw)
{
    private async Task<(ServiceProvider Services, IUploadUrlIssuer Issuer, string Bucket)> CreateAsync(Action<S3UploadsOptions>? configure = null)
    {
        var bucket = await rgw.CreateBucketAsync("put");
        var services = rgw.BuildServices(bucket, configure);
        return (services, services.GetRequiredService<IUploadUrlIssuer>(), bucket);
    }

    private static async Task<IssuedUpload> IssueAsync(IUploadUrlIssuer issuer, UploadRequest request)
    {
        var result = await issuer.IssueAsync(request);
        result.Succeeded.Should().BeTrue(result.Error?.Message);
        return result.Upload!;
    }

    private async Task<bool> ExistsAsync(string bucket, string key)
    {
        using var s3 = rgw.CreateClient();
        var list = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = key });
        return list.S3Objects?.Any(o => o.Key == key) == true;
    }

    [Fact]
    public async Task Put_WithIssuedHeaders_StoresObjectWithPendingMarker()
    {
        var (services, issuer, bucket) = await CreateAsync();
        using var _ = services;
        var bytes = Files.Png(1000);
        var upload = await IssueAsync(issuer, new UploadRequest { Owner = "alice", FileName = "cat.png", ContentType = "image/png", Size = bytes.Length });

        var (status, body) = await Http.PutAsync(upload, bytes);

        status.Should().Be(HttpStatusCode.OK, body);
        upload.UploadUrl.Scheme.Should().Be("http", "an http:// ServiceUrl must give http:// URLs");
        using var s3 = rgw.CreateClient();
        var tags = await s3.GetObjectTaggingAsync(new GetObjectTaggingRequest { BucketName = bucket, Key = upload.FileKey });
        tags.Tagging.Should().ContainSingle(t => t.Key == "s3presign-pending" && t.Value == "1");
    }

    [Fact]
    public async Task Put_WithOtherContentType_IsRefusedByServer()
    {
        var (services, issuer, bucket) = await CreateAsync();
        using var _ = services;
        var bytes = Files.Png();
        var upload = await IssueAsync(issuer, new UploadRequest { Owner = "alice", FileName = "cat.png", ContentType = "image/png", Size = bytes.Length });

        var (status, _) = await Http.PutAsync(upload, bytes,
            r => r.Content!.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/html"));

        status.Should().Be(HttpStatusCode.Forbidden);
        (await ExistsAsync(bucket, upload.FileKey)).Should().BeFalse();
    }

    [Fact]
    public async Task Put_ToAnotherKey_IsRefusedByServer()
    {
        var (services, issuer, bucket) = await CreateAsync();
        using var _ = services;
        var bytes = Files.Png();
        var upload = await IssueAsync(issuer, new UploadRequest { Owner = "alice", FileName = "cat.png", ContentType = "image/png", Size = bytes.Length });
        var otherKey = new UriBuilder(upload.UploadUrl);
        otherKey.Path = otherKey.Path.Replace("cat.png", "dog.png", StringComparison.Ordinal);

        var (status, _) = await Http.PutAsync(upload, bytes, url: otherKey.Uri);

        status.Should().Be(HttpStatusCode.Forbidden);
        (await ExistsAsync(bucket, upload.FileKey.Replace("cat.png", "dog.png", StringComparison.Ordinal))).Should().BeFalse();
    }

    [Fact]
    public async Task Put_WithoutPendingMarker_IsRefusedByServer()
    {
        var (services, issuer, bucket) = await CreateAsync();
        using var _ = services;
        var bytes = Files.Png();
        var upload = await IssueAsync(issuer, new UploadRequest { Owner = "alice", FileName = "cat.png", ContentType = "image/png", Size = bytes.Length });

        var (status, _) = await Http.PutAsync(upload, bytes, r => r.Headers.Remove("x-amz-tagging"));

        status.Should().Be(HttpStatusCode.Forbidden);
        (await ExistsAsync(bucket, upload.FileKey)).Should().BeFalse();
    }

    [Fact]
    public async Task Put_AfterUrlExpired_IsRefusedByServer()
    {
        // The server's own clock is what is tested here, so this test waits for real.
        var (services, issuer, bucket) = await CreateAsync(o => o.UploadUrlExpiry = TimeSpan.FromSeconds(1));
        using var _ = services;
        var bytes = Files.Png();
        var upload = await IssueAsync(issuer, new UploadRequest { Owner = "alice", FileName = "cat.png", ContentType = "image/png", Size = bytes.Length });

        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var (status, body) = await Http.PutAsync(upload, bytes);

        status.Should().Be(HttpStatusCode.Forbidden, body);
        (await ExistsAsync(bucket, upload.FileKey)).Should().BeFalse();
    }

    [Fact]
    public async Task Put_WithBodyLongerThanDeclaredSize_IsRefusedByServer()
    {
        var (services, issuer, bucket) = await CreateAsync();
        using var _ = services;
        var bytes = Files.Png(100);
        var upload = await IssueAsync(issuer, new UploadRequest { Owner = "alice", FileName = "cat.png", ContentType = "image/png", Size = 100 });

        var (status, _) = await Http.PutAsync(upload, Files.Png(101));

        status.Should().Be(HttpStatusCode.Forbidden);
        (await ExistsAsync(bucket, upload.FileKey)).Should().BeFalse();
        (await Http.PutAsync(upload, bytes)).Status.Should().Be(HttpStatusCode.OK, "the declared size itself is accepted");
    }

    [Fact]
    public async Task Put_WithWrongContentMd5_IsRefusedWithBadDigest()
    {
        var (services, issuer, bucket) = await CreateAsync();
        using var _ = services;
        var declared = Files.Png(300);
        var sent = Files.Png(300);
        var upload = await IssueAsync(issuer, new UploadRequest
        {
            Owner = "alice", FileName = "cat.png", ContentType = "image/png", Size = 300, ContentMd5 = Files.Md5(declared),
        });

        var (status, body) = await Http.PutAsync(upload, sent);

        status.Should().Be(HttpStatusCode.BadRequest);
        body.Should().Contain("BadDigest");
        (await ExistsAsync(bucket, upload.FileKey)).Should().BeFalse();
    }

    [Fact]
    public async Task Put_AgainAfterValidation_IsRefusedAndTheValidatedObjectStaysAsItWas()
    {
        // I1: the URL is still valid after validation; without the signed If-None-Match a second PUT would replace the
        // validated bytes and put the pending marker back, for the lifecycle rule to delete the file.
        var (services, issuer, bucket) = await CreateAsync();
        using var _ = services;
        var bytes = Files.Png(1000);
        var upload = await IssueAsync(issuer, new UploadRequest { Owner = "alice", FileName = "cat.png", ContentType = "image/png", Size = bytes.Length });
        upload.Headers.Should().Contain("If-None-Match", "*");
        (await Http.PutAsync(upload, bytes)).Status.Should().Be(HttpStatusCode.OK);
        (await services.GetRequiredService<IUploadValidator>().ValidateAsync(upload.Id, "alice")).Outcome
            .Should().Be(UploadValidationOutcome.Validated);

        var other = Files.Png(1000);
        other[^1] ^= 0xFF;
        var (again, body) = await Http.PutAsync(upload, other);
        var (withoutHeader, _) = await Http.PutAsync(upload, other, r => r.Headers.Remove("If-None-Match"));

        again.Should().Be(HttpStatusCode.PreconditionFailed, body);
        withoutHeader.Should().Be(HttpStatusCode.Forbidden, "the header is signed");
        using var s3 = rgw.CreateClient();
        using var stored = await s3.GetObjectAsync(bucket, upload.FileKey);
        using var content = new MemoryStream();
        await stored.ResponseStream.CopyToAsync(content);
        content.ToArray().Should().Equal(bytes);
        var tags = await s3.GetObjectTaggingAsync(new GetObjectTaggingRequest { BucketName = bucket, Key = upload.FileKey });
        tags.Tagging.Should().BeNullOrEmpty();
    }

    [Fact]
    public async Task Put_AgainWhenPreventOverwriteIsOff_ReplacesTheObject()
    {
        var (services, issuer, bucket) = await CreateAsync(o => o.PreventOverwrite = false);
        using var _ = services;
        var bytes = Files.Png(1000);
        var upload = await IssueAsync(issuer, new UploadRequest { Owner = "alice", FileName = "cat.png", ContentType = "image/png", Size = bytes.Length });
        upload.Headers.Should().NotContainKey("If-None-Match");

        (await Http.PutAsync(upload, bytes)).Status.Should().Be(HttpStatusCode.OK);
        (await Http.PutAsync(upload, bytes)).Status.Should().Be(HttpStatusCode.OK, "nothing asks the server to refuse");
        (await ExistsAsync(bucket, upload.FileKey)).Should().BeTrue();
    }
}
