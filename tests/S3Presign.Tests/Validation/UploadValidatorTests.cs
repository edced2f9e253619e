using System.Security.Cryptography;
using S3Presign.Issuing;
using S3Presign.Storage;
using S3Presign.Tests.Fakes;
using S3Presign.Validation;

namespace S3Presign.Tests.Validation;

public sealed class UploadValidatorTests
{
    private static async Task<IssuedUpload> IssueAsync(TestHost host, UploadRequest? request = null) =>
        (await host.Get<IUploadUrlIssuer>().IssueAsync(request ?? new UploadRequest { Owner = "a", FileName = "a.png", ContentType = "image/png", Size = 8 })).Upload!;

    private static readonly byte[] PngBytes = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public async Task Validate_AfterDeadline_ExpiresAndDeletesObject()
    {
        using var host = new TestHost();
        var upload = await IssueAsync(host);
        host.S3.Put(upload.FileKey, PngBytes, "image/png");
        host.Clock.Advance(TimeSpan.FromMinutes(20));

        var result = await host.Get<IUploadValidator>().ValidateAsync(upload.Id, "a");

        result.Outcome.Should().Be(UploadValidationOutcome.Expired);
        result.Error!.Code.Should().Be("expired");
        host.S3.Objects.Should().NotContainKey(upload.FileKey);
    }

    [Fact]
    public async Task Validate_JustBeforeDeadline_Validates()
    {
        using var host = new TestHost();
        var upload = await IssueAsync(host);
        host.S3.Put(upload.FileKey, PngBytes, "image/png");
        host.Clock.Advance(TimeSpan.FromMinutes(20) - TimeSpan.FromTicks(1));

        (await host.Get<IUploadValidator>().ValidateAsync(upload.Id, "a")).Outcome.Should().Be(UploadValidationOutcome.Validated);
    }

    [Fact]
    public async Task Validate_WhenStoredContentTypeDiffers_Rejects()
    {
        using var host = new TestHost();
        var upload = await IssueAsync(host);
        host.S3.Put(upload.FileKey, PngBytes, "text/html");

        var result = await host.Get<IUploadValidator>().ValidateAsync(upload.Id, "a");

        result.Error!.Code.Should().Be("content_type_mismatch");
        host.S3.Objects.Should().NotContainKey(upload.FileKey);
    }

    [Fact]
    public async Task Validate_WhenSizeDiffersFromDeclared_Rejects()
    {
        using var host = new TestHost();
        var upload = await IssueAsync(host);
        host.S3.Put(upload.FileKey, [.. PngBytes, 0], "image/png");

        (await host.Get<IUploadValidator>().ValidateAsync(upload.Id, "a")).Error!.Code.Should().Be("size_mismatch");
    }

    [Fact]
    public async Task Validate_WhenEtagIsNotTheDeclaredMd5_Rejects()
    {
        using var host = new TestHost();
        var upload = await IssueAsync(host, new UploadRequest
        {
            Owner = "a", FileName = "a.png", ContentType = "image/png", Size = 8, ContentMd5 = Convert.ToBase64String(MD5.HashData("other"u8)),
        });
        host.S3.Put(upload.FileKey, PngBytes, "image/png");

        (await host.Get<IUploadValidator>().ValidateAsync(upload.Id, "a")).Error!.Code.Should().Be("checksum_mismatch");
    }

    [Fact]
    public async Task Validate_WithSniffingOff_AcceptsMismatchedBytes()
    {
        using var host = new TestHost(configure: o => o.SniffContent = false);
        var upload = await IssueAsync(host);
        host.S3.Put(upload.FileKey, "not png!"u8.ToArray(), "image/png");

        (await host.Get<IUploadValidator>().ValidateAsync(upload.Id, "a")).Outcome.Should().Be(UploadValidationOutcome.Validated);
    }

    [Fact]
    public async Task Validate_AfterRejection_StaysRejectedEvenIfReuploaded()
    {
        using var host = new TestHost();
        var upload = await IssueAsync(host);
        host.S3.Put(upload.FileKey, "not png!"u8.ToArray(), "image/png");
        var validator = host.Get<IUploadValidator>();
        (await validator.ValidateAsync(upload.Id, "a")).Outcome.Should().Be(UploadValidationOutcome.Rejected);

        host.S3.Put(upload.FileKey, PngBytes, "image/png");
        var again = await validator.ValidateAsync(upload.Id, "a");

        again.Outcome.Should().Be(UploadValidationOutcome.Rejected);
        again.Error!.Code.Should().Be("magic_bytes_mismatch");
    }

    [Fact]
    public async Task Validate_UnknownOrForeignOrDeleted_IsNotFound()
    {
        using var host = new TestHost();
        var upload = await IssueAsync(host);
        var validator = host.Get<IUploadValidator>();

        (await validator.ValidateAsync("nope", "a")).Outcome.Should().Be(UploadValidationOutcome.NotFound);
        (await validator.ValidateAsync(upload.Id, "b")).Outcome.Should().Be(UploadValidationOutcome.NotFound);
        await host.Get<S3Presign.Lifecycle.IUploadManager>().DeleteAsync(upload.Id, "a");
        (await validator.ValidateAsync(upload.Id, "a")).Outcome.Should().Be(UploadValidationOutcome.NotFound);
    }

    [Theory]
    [InlineData("image/png", new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, true)]
    [InlineData("image/png", new byte[] { 0xFF, 0xD8, 0xFF, 0xE0 }, false)]
    [InlineData("image/jpeg", new byte[] { 0xFF, 0xD8, 0xFF, 0xE0 }, true)]
    [InlineData("image/gif", new byte[] { (byte)'G', (byte)'I', (byte)'F', (byte)'8', (byte)'9', (byte)'a' }, true)]
    [InlineData("image/gif", new byte[] { (byte)'G', (byte)'I', (byte)'F' }, false)]
    [InlineData("image/webp", new byte[] { (byte)'R', (byte)'I', (byte)'F', (byte)'F', 1, 2, 3, 4, (byte)'W', (byte)'E', (byte)'B', (byte)'P' }, true)]
    [InlineData("image/webp", new byte[] { (byte)'R', (byte)'I', (byte)'F', (byte)'F', 1, 2, 3, 4, (byte)'W', (byte)'A', (byte)'V', (byte)'E' }, false)]
    [InlineData("application/pdf", new byte[] { (byte)'%', (byte)'P', (byte)'D', (byte)'F', (byte)'-' }, true)]
    [InlineData("application/pdf; charset=x", new byte[] { (byte)'P', (byte)'K', 3, 4 }, false)]
    [InlineData("application/zip", new byte[] { (byte)'P', (byte)'K', 3, 4 }, true)]
    [InlineData("application/zip", new byte[] { (byte)'P', (byte)'K', 5, 6 }, true)]
    [InlineData("text/plain", new byte[] { 0x89, 0x50 }, true)]
    public void MagicBytes_AgreeOnlyWithTheirType(string contentType, byte[] head, bool agrees) =>
        MagicBytes.AgreesWith(contentType, head).Should().Be(agrees);
}
