using S3Presign.Issuing;
using S3Presign.Lifecycle;
using S3Presign.Storage;
using S3Presign.Tests.Fakes;

namespace S3Presign.Tests.Modes;

public sealed class ModesUnitTests
{
    private const long MiB = 1024 * 1024;

    [Theory]
    [InlineData(1L, 8 * MiB, 1)]
    [InlineData(12_000_000L, 8 * MiB, 2)]
    [InlineData(16 * MiB, 8 * MiB, 2)]
    [InlineData(16 * MiB + 1, 8 * MiB, 3)]
    [InlineData(5L * 1024 * 1024 * 1024 * 1024, 8 * MiB, 10_000)]
    public void MultipartPlan_ForSize_KeepsPartsAtLeastFiveMiBAndAtMostTenThousand(long size, long preferred, int maxCount)
    {
        var (partSize, count) = MultipartPlan.For(size, preferred);

        partSize.Should().BeGreaterThanOrEqualTo(5 * MiB);
        (partSize % MiB).Should().Be(0);
        count.Should().BeLessThanOrEqualTo(maxCount).And.BeLessThanOrEqualTo(10_000);
        ((long)count * partSize).Should().BeGreaterThanOrEqualTo(size);
        ((long)(count - 1) * partSize).Should().BeLessThan(size);
    }

    [Theory]
    [InlineData("report.pdf", "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf")]
    [InlineData("Résumé.pdf", "attachment; filename=\"Resume.pdf\"; filename*=UTF-8''R%C3%A9sum%C3%A9.pdf")]
    [InlineData("a\"b%.txt", "attachment; filename=\"a_b_.txt\"; filename*=UTF-8''a%22b%25.txt")]
    [InlineData("C:\\Users\\me\\cv.pdf", "attachment; filename=\"cv.pdf\"; filename*=UTF-8''cv.pdf")]
    [InlineData("dir/../evil\r\n.txt", "attachment; filename=\"evil__.txt\"; filename*=UTF-8''evil%0D%0A.txt")]
    [InlineData("日本.txt", "attachment; filename=\"__.txt\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.txt")]
    public void ContentDisposition_ForFileName_IsRfc6266WithRfc5987FileNameStar(string fileName, string expected) =>
        UploadManager.ContentDisposition("attachment", fileName).Should().Be(expected);

    [Fact]
    public async Task Issue_MultipartWithoutSize_RefusesAndTouchesNothing()
    {
        using var host = new TestHost();

        var result = await host.Get<IUploadUrlIssuer>().IssueAsync(
            new UploadRequest { Owner = "a", FileName = "a.bin", ContentType = "application/octet-stream", Mode = UploadMode.Multipart });

        result.Error!.Code.Should().Be(UploadErrorCodes.InvalidSize);
        host.S3.Calls.Should().Be(0);
    }

    [Fact]
    public async Task Issue_MultipartWithContentMd5_RefusesBecauseNothingCouldCheckIt()
    {
        using var host = new TestHost();

        var result = await host.Get<IUploadUrlIssuer>().IssueAsync(new UploadRequest
        {
            Owner = "a", FileName = "a.bin", ContentType = "application/octet-stream", Mode = UploadMode.Multipart, Size = 10,
            ContentMd5 = "1B2M2Y8AsgTpgAmY7PhCfg==",
        });

        result.Error!.Code.Should().Be(UploadErrorCodes.InvalidChecksum);
        host.S3.Calls.Should().Be(0);
    }

    [Theory]
    [InlineData(nameof(S3UploadsOptions.MultipartPartSize), 5 * MiB - 1)]
    [InlineData(nameof(S3UploadsOptions.MultipartThreshold), 0L)]
    public void Options_WithOutOfRangeMultipartSizes_FailNamingTheKey(string key, long value)
    {
        var options = new S3UploadsOptions { Bucket = "my-bucket" };
        typeof(S3UploadsOptions).GetProperty(key)!.SetValue(options, value);

        var result = new S3UploadsOptionsValidator().Validate(null, options);

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain("S3Uploads:" + key);
    }

    [Fact]
    public void Options_WithMaxDownloadUrlExpiryBelowDefault_Fail()
    {
        var options = new S3UploadsOptions { Bucket = "my-bucket", MaxDownloadUrlExpiry = TimeSpan.FromMinutes(1) };

        new S3UploadsOptionsValidator().Validate(null, options).FailureMessage.Should().Contain("S3Uploads:MaxDownloadUrlExpiry");
    }
}
