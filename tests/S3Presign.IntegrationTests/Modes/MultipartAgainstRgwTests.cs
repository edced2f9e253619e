using System.Net;
using Amazon.S3.Model;
using Microsoft.Extensions.DependencyInjection;
using S3Presign.IntegrationTests.Infrastructure;
using S3Presign.Issuing;
using S3Presign.Lifecycle;
using S3Presign.Storage;
using S3Presign.Testing;
using S3Presign.Validation;

namespace S3Presign.IntegrationTests.Modes;

/// <summary>Multipart uploads through presigned part URLs on Ceph RGW: complete, resume, abort, sweep.</summary>
[Collection(RgwCollection.Name)]
public sealed class MultipartAgainstRgwTests(RgwFixture rgw)
{
    private const int TwelveMegabytes = 12_000_000;

    private static UploadRequest Pdf(long size, UploadMode? mode = UploadMode.Multipart) => new()
    {
        Owner = "alice", FileName = "big report.pdf", ContentType = "application/pdf", Size = size, Mode = mode,
        Metadata = new Dictionary<string, string> { ["project"] = "x" },
    };

    private static byte[] PdfBytes(int size)
    {
        var bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        "%PDF-1.7\n"u8.CopyTo(bytes);
        return bytes;
    }

    private static async Task<IssuedUpload> IssueAsync(IServiceProvider services, UploadRequest request)
    {
        var result = await services.GetRequiredService<IUploadUrlIssuer>().IssueAsync(request);
        result.Succeeded.Should().BeTrue(result.Error?.Message);
        return result.Upload!;
    }

    private static async Task<List<CompletedPart>> UploadPartsAsync(
        IMultipartUploads multipart, IssuedUpload upload, byte[] bytes, IEnumerable<int> partNumbers)
    {
        var signed = await multipart.SignPartsAsync(upload.Id, "alice", partNumbers.ToList());
        signed.Succeeded.Should().BeTrue(signed.Error?.Message);
        var done = new List<CompletedPart>();
        foreach (var part in signed.Parts!)
        {
            var offset = (int)((part.PartNumber - 1) * upload.PartSize!.Value);
            var length = (int)Math.Min(upload.PartSize.Value, bytes.Length - offset);
            var (status, etag, body) = await FormPost.PutPartAsync(part.Url, bytes.AsMemory(offset, length));
            status.Should().Be(HttpStatusCode.OK, body);
            etag.Should().NotBeNullOrEmpty();
            done.Add(new CompletedPart(part.PartNumber, etag!));
        }

        return done;
    }

    private async Task<bool> MultipartUploadExistsAsync(string bucket, string uploadId)
    {
        using var s3 = rgw.CreateClient();
        var list = await s3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = bucket });
        return list.MultipartUploads?.Any(u => u.UploadId == uploadId) == true;
    }

    [Fact]
    public async Task Multipart_TwelveMegabytesThroughSignedPartUrls_CompletesAndValidates()
    {
        var bucket = await rgw.CreateBucketAsync("mpu");
        await using var services = rgw.BuildServices(bucket);
        var multipart = services.GetRequiredService<IMultipartUploads>();
        var bytes = PdfBytes(TwelveMegabytes);
        var upload = await IssueAsync(services, Pdf(bytes.Length));

        upload.Mode.Should().Be(UploadMode.Multipart);
        upload.PartSize.Should().Be(8L * 1024 * 1024);
        upload.PartCount.Should().Be(2);
        upload.Record.MultipartUploadId.Should().NotBeNullOrEmpty();
        var parts = await UploadPartsAsync(multipart, upload, bytes, [1, 2]);

        var result = await multipart.CompleteAsync(upload.Id, "alice", parts);

        result.Outcome.Should().Be(UploadValidationOutcome.Validated, result.Error?.Message);
        result.Upload!.Size.Should().Be(TwelveMegabytes);
        using var s3 = rgw.CreateClient();
        var head = await s3.GetObjectMetadataAsync(bucket, upload.FileKey);
        head.ContentLength.Should().Be(TwelveMegabytes);
        head.Headers.ContentType.Should().Be("application/pdf");
        head.Metadata["x-amz-meta-project"].Should().Be("x");
        var tags = await s3.GetObjectTaggingAsync(new GetObjectTaggingRequest { BucketName = bucket, Key = upload.FileKey });
        (tags.Tagging ?? []).Should().BeEmpty("validation removes the pending marker");
        (await MultipartUploadExistsAsync(bucket, upload.Record.MultipartUploadId!)).Should().BeFalse();
        (await multipart.CompleteAsync(upload.Id, "alice", parts)).Outcome.Should().Be(UploadValidationOutcome.Validated, "completing is idempotent");
    }

    [Fact]
    public async Task Complete_BeforeValidationChecks_ObjectCarriesPendingMarker()
    {
        // Ceph RGW drops the tagging given at CreateMultipartUpload; completion puts the marker back so the
        // lifecycle safety net covers a completed object until validation removes the marker.
        var bucket = await rgw.CreateBucketAsync("mpu");
        var seen = new TagsSeenByRule(rgw, bucket);
        await using var services = rgw.BuildServices(bucket, build: b => b.AddValidationRule(seen));
        var multipart = services.GetRequiredService<IMultipartUploads>();
        var bytes = PdfBytes(TwelveMegabytes);
        var upload = await IssueAsync(services, Pdf(bytes.Length));
        var parts = await UploadPartsAsync(multipart, upload, bytes, [1, 2]);

        var result = await multipart.CompleteAsync(upload.Id, "alice", parts);

        result.Outcome.Should().Be(UploadValidationOutcome.Validated, result.Error?.Message);
        seen.Tags.Should().ContainSingle(t => t.Key == "s3presign-pending" && t.Value == "1");
    }

    private sealed class TagsSeenByRule(RgwFixture rgw, string bucket) : IUploadValidationRule
    {
        public List<Tag> Tags { get; } = [];

        public async ValueTask<UploadError?> ValidateAsync(UploadValidationContext context, CancellationToken cancellationToken)
        {
            using var s3 = rgw.CreateClient();
            var tags = await s3.GetObjectTaggingAsync(new GetObjectTaggingRequest { BucketName = bucket, Key = context.Upload.Key }, cancellationToken);
            Tags.AddRange(tags.Tagging ?? []);
            return null;
        }
    }

    [Fact]
    public async Task Multipart_AfterListingParts_ResumesAndValidates()
    {
        var bucket = await rgw.CreateBucketAsync("resume");
        await using var services = rgw.BuildServices(bucket, o => o.MultipartPartSize = 5L * 1024 * 1024);
        var multipart = services.GetRequiredService<IMultipartUploads>();
        var bytes = PdfBytes(TwelveMegabytes);
        var upload = await IssueAsync(services, Pdf(bytes.Length));
        upload.PartCount.Should().Be(3);
        var first = await UploadPartsAsync(multipart, upload, bytes, [1, 3]);

        // The client lost its state: it asks which parts S3 holds and sends only the missing ones.
        var listed = await multipart.ListPartsAsync(upload.Id, "alice");
        listed.Succeeded.Should().BeTrue(listed.Error?.Message);
        var held = listed.Parts!;
        held.Select(p => p.PartNumber).Should().Equal(1, 3);
        held.Should().OnlyContain(p => first.Any(f => f.PartNumber == p.PartNumber && f.ETag.Trim('"') == p.ETag));
        held[0].Size.Should().Be(5L * 1024 * 1024);
        var missing = Enumerable.Range(1, upload.PartCount!.Value).Except(held.Select(p => p.PartNumber));
        var rest = await UploadPartsAsync(multipart, upload, bytes, missing);
        var all = held.Select(p => new CompletedPart(p.PartNumber, p.ETag)).Concat(rest).ToList();

        var result = await multipart.CompleteAsync(upload.Id, "alice", all);

        result.Outcome.Should().Be(UploadValidationOutcome.Validated, result.Error?.Message);
        result.Upload!.Size.Should().Be(TwelveMegabytes);
    }

    [Fact]
    public async Task Complete_WithWrongETag_RefusesAndStaysPending()
    {
        var bucket = await rgw.CreateBucketAsync("badetag");
        await using var services = rgw.BuildServices(bucket);
        var multipart = services.GetRequiredService<IMultipartUploads>();
        var bytes = PdfBytes(TwelveMegabytes);
        var upload = await IssueAsync(services, Pdf(bytes.Length));
        var parts = await UploadPartsAsync(multipart, upload, bytes, [1, 2]);

        var result = await multipart.CompleteAsync(upload.Id, "alice", [parts[0], new CompletedPart(2, "0123456789abcdef0123456789abcdef")]);

        result.Error!.Code.Should().Be(UploadErrorCodes.InvalidParts);
        result.Upload!.Status.Should().Be(UploadStatus.Pending);
        (await multipart.CompleteAsync(upload.Id, "alice", parts)).Outcome.Should().Be(UploadValidationOutcome.Validated);
    }

    [Fact]
    public async Task Complete_WithFewerBytesThanDeclared_RejectsAndDeletesObject()
    {
        // Part URLs do not bind part sizes: S3 takes a short last part, and validation re-checks the declared size.
        var bucket = await rgw.CreateBucketAsync("short");
        await using var services = rgw.BuildServices(bucket);
        var multipart = services.GetRequiredService<IMultipartUploads>();
        var upload = await IssueAsync(services, Pdf(TwelveMegabytes));
        var parts = await UploadPartsAsync(multipart, upload, PdfBytes(TwelveMegabytes - 1000), [1, 2]);

        var result = await multipart.CompleteAsync(upload.Id, "alice", parts);

        result.Outcome.Should().Be(UploadValidationOutcome.Rejected);
        result.Error!.Code.Should().Be(UploadErrorCodes.SizeMismatch);
        using var s3 = rgw.CreateClient();
        var list = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket });
        (list.S3Objects ?? []).Should().BeEmpty();
    }

    [Fact]
    public async Task SignParts_OutsideOneToPartCount_Refuses()
    {
        var bucket = await rgw.CreateBucketAsync("partno");
        await using var services = rgw.BuildServices(bucket);
        var multipart = services.GetRequiredService<IMultipartUploads>();
        var upload = await IssueAsync(services, Pdf(TwelveMegabytes));

        (await multipart.SignPartsAsync(upload.Id, "alice", [0])).Error!.Code.Should().Be(UploadErrorCodes.InvalidPartNumber);
        (await multipart.SignPartsAsync(upload.Id, "alice", [3])).Error!.Code.Should().Be(UploadErrorCodes.InvalidPartNumber);
        (await multipart.SignPartsAsync(upload.Id, "alice", [1, 1])).Error!.Code.Should().Be(UploadErrorCodes.InvalidPartNumber);
        (await multipart.SignPartsAsync(upload.Id, "alice", [])).Error!.Code.Should().Be(UploadErrorCodes.InvalidPartNumber);
        (await multipart.SignPartsAsync(upload.Id, "mallory", [1])).Error!.Code.Should().Be(UploadErrorCodes.NotFound);
    }

    [Fact]
    public async Task Issue_WithoutModeAboveThreshold_ChoosesMultipart()
    {
        var bucket = await rgw.CreateBucketAsync("auto");
        await using var services = rgw.BuildServices(bucket, o => o.MultipartThreshold = 10_000_000);

        var big = await IssueAsync(services, Pdf(TwelveMegabytes, mode: null));
        var small = await IssueAsync(services, Pdf(10_000_000, mode: null));

        big.Mode.Should().Be(UploadMode.Multipart);
        (await MultipartUploadExistsAsync(bucket, big.Record.MultipartUploadId!)).Should().BeTrue();
        small.Mode.Should().Be(UploadMode.Put);
        small.PartCount.Should().BeNull();
    }

    [Fact]
    public async Task Delete_PendingMultipart_AbortsIt()
    {
        var bucket = await rgw.CreateBucketAsync("abort");
        await using var services = rgw.BuildServices(bucket);
        var multipart = services.GetRequiredService<IMultipartUploads>();
        var bytes = PdfBytes(TwelveMegabytes);
        var upload = await IssueAsync(services, Pdf(bytes.Length));
        await UploadPartsAsync(multipart, upload, bytes, [1]);

        (await services.GetRequiredService<IUploadManager>().DeleteAsync(upload.Id, "alice")).Should().BeTrue();

        (await MultipartUploadExistsAsync(bucket, upload.Record.MultipartUploadId!)).Should().BeFalse();
        (await multipart.ListPartsAsync(upload.Id, "alice")).Error!.Code.Should().Be(UploadErrorCodes.NotFound);
    }

    [Fact]
    public async Task Sweep_AbandonedMultipart_AbortsItAfterDeadline()
    {
        var bucket = await rgw.CreateBucketAsync("sweepmpu");
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var services = rgw.BuildServices(bucket, time: clock);
        var multipart = services.GetRequiredService<IMultipartUploads>();
        var bytes = PdfBytes(TwelveMegabytes);
        var upload = await IssueAsync(services, Pdf(bytes.Length));
        await UploadPartsAsync(multipart, upload, bytes, [1]);
        (await MultipartUploadExistsAsync(bucket, upload.Record.MultipartUploadId!)).Should().BeTrue();

        clock.Advance(TimeSpan.FromMinutes(21));
        var swept = await services.GetRequiredService<IUploadSweeper>().SweepAsync();

        swept.Expired.Should().Be(1);
        (await MultipartUploadExistsAsync(bucket, upload.Record.MultipartUploadId!)).Should().BeFalse();
        (await services.GetRequiredService<IPendingUploadStore>().FindAsync(upload.Id))!.Status.Should().Be(UploadStatus.Expired);
        (await multipart.CompleteAsync(upload.Id, "alice", [new CompletedPart(1, "x")])).Outcome.Should().Be(UploadValidationOutcome.Expired);
    }
}
