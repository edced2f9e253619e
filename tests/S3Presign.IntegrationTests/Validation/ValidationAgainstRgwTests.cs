using System.Net;
using Amazon.S3.Model;
using Microsoft.Extensions.DependencyInjection;
using S3Presign.IntegrationTests.Infrastructure;
using S3Presign.Issuing;
using S3Presign.Lifecycle;
using S3Presign.S3;
using S3Presign.Storage;
using S3Presign.Validation;

namespace S3Presign.IntegrationTests.Validation;

/// <summary>I4, second half, and I1: validation checks the object itself and catches what the server let through.</summary>
[Collection(RgwCollection.Name)]
public sealed class ValidationAgainstRgwTests(RgwFixture rgw) : IAsyncLifetime
{
    private ServiceProvider _services = null!;
    private string _bucket = null!;

    public async Task InitializeAsync()
    {
        _bucket = await rgw.CreateBucketAsync("val");
        _services = Build();
    }

    public Task DisposeAsync() => _services.DisposeAsync().AsTask();

    private ServiceProvider Build(Action<S3UploadsOptions>? configure = null, Action<IS3UploadsBuilder>? build = null) =>
        rgw.BuildServices(_bucket, o =>
        {
            o.MaxFileSize = 10_000;
            configure?.Invoke(o);
        }, build: build);

    private IUploadUrlIssuer Issuer => _services.GetRequiredService<IUploadUrlIssuer>();

    private IUploadValidator Validator => _services.GetRequiredService<IUploadValidator>();

    private async Task<IssuedUpload> IssueAsync(UploadRequest request, IServiceProvider? services = null)
    {
        var result = await (services ?? _services).GetRequiredService<IUploadUrlIssuer>().IssueAsync(request);
        result.Succeeded.Should().BeTrue(result.Error?.Message);
        return result.Upload!;
    }

    private async Task<bool> ExistsAsync(string key)
    {
        using var s3 = rgw.CreateClient();
        try
        {
            await s3.GetObjectMetadataAsync(_bucket, key);
            return true;
        }
        catch (Amazon.S3.AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    [Fact]
    public async Task Validate_WhenObjectIsWhatWasDeclared_ValidatesAndRemovesPendingMarker()
    {
        var bytes = Files.Png(2048);
        var upload = await IssueAsync(new UploadRequest
        {
            Owner = "alice", FileName = "cat.png", ContentType = "image/png", Size = bytes.Length,
            ChecksumSha256 = Files.Sha256(bytes), ContentMd5 = Files.Md5(bytes),
        });
        (await Http.PutAsync(upload, bytes)).Status.Should().Be(HttpStatusCode.OK);

        var result = await Validator.ValidateAsync(upload.Id, "alice");

        result.Outcome.Should().Be(UploadValidationOutcome.Validated);
        result.Upload!.Status.Should().Be(UploadStatus.Validated);
        result.Upload.Size.Should().Be(bytes.Length);
        result.Upload.ETag.Should().NotBeNullOrEmpty();
        using var s3 = rgw.CreateClient();
        var tags = await s3.GetObjectTaggingAsync(new GetObjectTaggingRequest { BucketName = _bucket, Key = upload.FileKey });
        (tags.Tagging ?? []).Should().BeEmpty("the lifecycle safety net must never match a validated object (I1)");
    }

    [Fact]
    public async Task Validate_Twice_ReturnsSameSuccess()
    {
        var bytes = Files.Png();
        var upload = await IssueAsync(new UploadRequest { Owner = "alice", FileName = "a.png", ContentType = "image/png", Size = bytes.Length });
        await Http.PutAsync(upload, bytes);

        var first = await Validator.ValidateAsync(upload.Id, "alice");
        var second = await Validator.ValidateAsync(upload.Id, "alice");

        first.Outcome.Should().Be(UploadValidationOutcome.Validated);
        second.Should().BeEquivalentTo(first);
    }

    [Fact]
    public async Task Validate_WhenNothingUploaded_ReportsNotUploadedAndStaysPending()
    {
        var upload = await IssueAsync(new UploadRequest { Owner = "alice", FileName = "a.png", ContentType = "image/png", Size = 10 });

        var result = await Validator.ValidateAsync(upload.Id, "alice");

        result.Outcome.Should().Be(UploadValidationOutcome.NotUploaded);
        result.Error!.Code.Should().Be("not_uploaded");
        (await _services.GetRequiredService<IPendingUploadStore>().FindAsync(upload.Id))!.Status.Should().Be(UploadStatus.Pending);
    }

    [Fact]
    public async Task Validate_ByAnotherOwner_LooksLikeUnknownId()
    {
        var bytes = Files.Png();
        var upload = await IssueAsync(new UploadRequest { Owner = "alice", FileName = "a.png", ContentType = "image/png", Size = bytes.Length });
        await Http.PutAsync(upload, bytes);

        var mallory = await Validator.ValidateAsync(upload.Id, "mallory");
        var unknown = await Validator.ValidateAsync(Guid.NewGuid().ToString("N"), "mallory");

        mallory.Should().BeEquivalentTo(unknown);
        mallory.Outcome.Should().Be(UploadValidationOutcome.NotFound);
        (await Validator.ValidateAsync(upload.Id, "alice")).Outcome.Should().Be(UploadValidationOutcome.Validated);
    }

    [Fact]
    public async Task Validate_WhenSha256DiffersFromDeclared_ServerAcceptsButValidationRejectsAndDeletes()
    {
        var declared = Files.Png(500);
        var sent = Files.Png(500);
        var upload = await IssueAsync(new UploadRequest
        {
            Owner = "alice", FileName = "a.png", ContentType = "image/png", Size = 500, ChecksumSha256 = Files.Sha256(declared),
        });

        var (status, _) = await Http.PutAsync(upload, sent);
        status.Should().Be(HttpStatusCode.OK, "Ceph RGW does not verify x-amz-checksum-sha256 (that is why I4 re-checks)");
        var result = await Validator.ValidateAsync(upload.Id, "alice");

        result.Outcome.Should().Be(UploadValidationOutcome.Rejected);
        result.Error!.Code.Should().Be("checksum_mismatch");
        result.Upload!.Status.Should().Be(UploadStatus.Rejected);
        (await ExistsAsync(upload.FileKey)).Should().BeFalse();
        (await Validator.ValidateAsync(upload.Id, "alice")).Error!.Code.Should().Be("checksum_mismatch", "a rejection is stable");
    }

    [Fact]
    public async Task Validate_WhenBytesAreNotTheDeclaredType_RejectsAndDeletes()
    {
        var text = Files.Text(300);
        var upload = await IssueAsync(new UploadRequest { Owner = "alice", FileName = "photo.png", ContentType = "image/png", Size = text.Length });
        (await Http.PutAsync(upload, text)).Status.Should().Be(HttpStatusCode.OK, "S3 cannot see what the bytes are");

        var result = await Validator.ValidateAsync(upload.Id, "alice");

        result.Outcome.Should().Be(UploadValidationOutcome.Rejected);
        result.Error!.Code.Should().Be("magic_bytes_mismatch");
        (await ExistsAsync(upload.FileKey)).Should().BeFalse();
    }

    [Fact]
    public async Task Validate_WhenUndeclaredSizeExceedsMax_RejectsAndDeletes()
    {
        var big = Files.Png(10_001);
        var upload = await IssueAsync(new UploadRequest { Owner = "alice", FileName = "big.png", ContentType = "image/png" });
        (await Http.PutAsync(upload, big)).Status.Should().Be(HttpStatusCode.OK, "a PUT without a declared size cannot be capped by S3");

        var result = await Validator.ValidateAsync(upload.Id, "alice");

        result.Error!.Code.Should().Be("too_large");
        (await ExistsAsync(upload.FileKey)).Should().BeFalse();
    }

    [Fact]
    public async Task Validate_WhenCustomRuleRefuses_RejectsWithItsCodeAndDeletes()
    {
        await using var services = Build(build: b => b.AddValidationRule(new RefuseContaining("EICAR")));
        var bytes = System.Text.Encoding.ASCII.GetBytes("hello EICAR world");
        var upload = await IssueAsync(new UploadRequest { Owner = "alice", FileName = "a.txt", ContentType = "text/plain", Size = bytes.Length }, services);
        await Http.PutAsync(upload, bytes);

        var result = await services.GetRequiredService<IUploadValidator>().ValidateAsync(upload.Id, "alice");

        result.Error!.Code.Should().Be("virus_found");
        (await ExistsAsync(upload.FileKey)).Should().BeFalse();
    }

    [Fact]
    public async Task Validate_WithSniffing_MakesThreeS3Requests_AndTwoWithout()
    {
        var bytes = Files.Png();
        var gateway = _services.GetRequiredService<S3Gateway>();
        var upload = await IssueAsync(new UploadRequest { Owner = "alice", FileName = "a.png", ContentType = "image/png", Size = bytes.Length });
        await Http.PutAsync(upload, bytes);
        var before = gateway.RequestCount;
        (await Validator.ValidateAsync(upload.Id, "alice")).Succeeded.Should().BeTrue();
        var withSniffing = gateway.RequestCount - before;

        await using var noSniff = Build(o => o.SniffContent = false);
        var upload2 = await IssueAsync(new UploadRequest { Owner = "alice", FileName = "a.png", ContentType = "image/png", Size = bytes.Length }, noSniff);
        await Http.PutAsync(upload2, bytes);
        var gateway2 = noSniff.GetRequiredService<S3Gateway>();
        before = gateway2.RequestCount;
        (await noSniff.GetRequiredService<IUploadValidator>().ValidateAsync(upload2.Id, "alice")).Succeeded.Should().BeTrue();
        var withoutSniffing = gateway2.RequestCount - before;

        withSniffing.Should().Be(3, "HEAD + ranged GET of the first bytes + removing the pending marker");
        withoutSniffing.Should().Be(2, "HEAD + removing the pending marker");
    }

    [Fact]
    public async Task Delete_OfValidatedUpload_RemovesObjectAndHidesRecord()
    {
        var bytes = Files.Png();
        var upload = await IssueAsync(new UploadRequest { Owner = "alice", FileName = "a.png", ContentType = "image/png", Size = bytes.Length });
        await Http.PutAsync(upload, bytes);
        await Validator.ValidateAsync(upload.Id, "alice");
        var manager = _services.GetRequiredService<IUploadManager>();

        (await manager.DeleteAsync(upload.Id, "mallory")).Should().BeFalse();
        (await ExistsAsync(upload.FileKey)).Should().BeTrue("another owner cannot delete it (I6)");
        (await manager.DeleteAsync(upload.Id, "alice")).Should().BeTrue();

        (await ExistsAsync(upload.FileKey)).Should().BeFalse();
        (await manager.GetAsync(upload.Id, "alice")).Should().BeNull();
    }

    [Fact]
    public async Task DownloadUrl_OfValidatedUpload_ServesTheBytes()
    {
        var bytes = Files.Png(4096);
        var upload = await IssueAsync(new UploadRequest { Owner = "alice", FileName = "a.png", ContentType = "image/png", Size = bytes.Length });
        await Http.PutAsync(upload, bytes);
        var manager = _services.GetRequiredService<IUploadManager>();

        (await manager.GetDownloadUrlAsync(upload.Id, "alice")).Error!.Code.Should().Be("not_validated");
        await Validator.ValidateAsync(upload.Id, "alice");
        var download = await manager.GetDownloadUrlAsync(upload.Id, "alice");
        var (status, body) = await Http.GetAsync(download.Url!);

        status.Should().Be(HttpStatusCode.OK);
        body.Should().Equal(bytes);
        (await manager.GetDownloadUrlAsync(upload.Id, "mallory")).Error!.Code.Should().Be("not_found");
    }

    private sealed class RefuseContaining(string marker) : IUploadValidationRule
    {
        public async ValueTask<S3Presign.UploadError?> ValidateAsync(UploadValidationContext context, CancellationToken cancellationToken)
        {
            await using var stream = await context.OpenReadAsync(cancellationToken);
            using var reader = new StreamReader(stream);
            var text = await reader.ReadToEndAsync(cancellationToken);
            return text.Contains(marker, StringComparison.Ordinal) ? new S3Presign.UploadError("virus_found", "Infected.") : null;
        }
    }
}
