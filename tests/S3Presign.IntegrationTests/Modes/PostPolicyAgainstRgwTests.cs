using System.Net;
using Amazon.S3.Model;
using Microsoft.Extensions.DependencyInjection;
using S3Presign.IntegrationTests.Infrastructure;
using S3Presign.Issuing;
using S3Presign.Storage;
using S3Presign.Validation;

namespace S3Presign.IntegrationTests.Modes;

/// <summary>I4 for POST-policy uploads: what the policy binds, Ceph RGW enforces; validation re-checks the rest.</summary>
[Collection(RgwCollection.Name)]
public sealed class PostPolicyAgainstRgwTests(RgwFixture rgw)
{
    private async Task<(ServiceProvider Services, string Bucket)> CreateAsync(Action<S3UploadsOptions>? configure = null)
    {
        var bucket = await rgw.CreateBucketAsync("post");
        return (rgw.BuildServices(bucket, configure), bucket);
    }

    private static async Task<IssuedUpload> IssueAsync(IServiceProvider services, UploadRequest request)
    {
        var result = await services.GetRequiredService<IUploadUrlIssuer>().IssueAsync(request);
        result.Succeeded.Should().BeTrue(result.Error?.Message);
        return result.Upload!;
    }

    private async Task<bool> ExistsAsync(string bucket, string key)
    {
        using var s3 = rgw.CreateClient();
        var list = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = key });
        return list.S3Objects?.Any(o => o.Key == key) == true;
    }

    private static UploadRequest Png(long? size) => new()
    {
        Owner = "alice", FileName = "cat.png", ContentType = "image/png", Size = size, Mode = UploadMode.Post,
        Metadata = new Dictionary<string, string> { ["album"] = "cats" },
    };

    [Fact]
    public async Task Post_WithIssuedFields_StoresObjectWithPendingMarkerAndMetadataAndValidates()
    {
        var (services, bucket) = await CreateAsync();
        await using var _ = services;
        var bytes = Files.Png(1000);
        var upload = await IssueAsync(services, Png(bytes.Length));

        var (status, body) = await FormPost.PostAsync(upload, bytes);

        status.Should().Be(HttpStatusCode.NoContent, body);
        upload.Method.Should().Be("POST");
        upload.Mode.Should().Be(UploadMode.Post);
        upload.UploadUrl.Scheme.Should().Be("http");
        upload.Fields.Should().ContainKeys("key", "Policy", "x-amz-signature", "Content-Type", "tagging", "x-amz-meta-album");
        using var s3 = rgw.CreateClient();
        var tags = await s3.GetObjectTaggingAsync(new GetObjectTaggingRequest { BucketName = bucket, Key = upload.FileKey });
        tags.Tagging.Should().ContainSingle(t => t.Key == "s3presign-pending" && t.Value == "1", "Ceph RGW honours the tagging form field");
        var head = await s3.GetObjectMetadataAsync(bucket, upload.FileKey);
        head.Headers.ContentType.Should().Be("image/png");
        head.Metadata["x-amz-meta-album"].Should().Be("cats");

        var validated = await services.GetRequiredService<IUploadValidator>().ValidateAsync(upload.Id, "alice");

        validated.Outcome.Should().Be(UploadValidationOutcome.Validated, validated.Error?.Message);
        validated.Upload!.Size.Should().Be(1000);
        tags = await s3.GetObjectTaggingAsync(new GetObjectTaggingRequest { BucketName = bucket, Key = upload.FileKey });
        (tags.Tagging ?? []).Should().BeEmpty("validation removes the pending marker");
    }

    [Fact]
    public async Task Post_LargerThanDeclared_IsRefusedWithEntityTooLarge()
    {
        var (services, bucket) = await CreateAsync();
        await using var _ = services;
        var upload = await IssueAsync(services, Png(100));

        var (status, body) = await FormPost.PostAsync(upload, Files.Png(101));

        status.Should().Be(HttpStatusCode.BadRequest);
        body.Should().Contain("EntityTooLarge");
        (await ExistsAsync(bucket, upload.FileKey)).Should().BeFalse();
    }

    [Fact]
    public async Task Post_WithoutDeclaredSize_LargerThanMaxFileSize_IsRefusedWithEntityTooLarge()
    {
        var (services, bucket) = await CreateAsync(o => o.MaxFileSize = 500);
        await using var _ = services;
        var upload = await IssueAsync(services, Png(null));

        var (status, body) = await FormPost.PostAsync(upload, Files.Png(501));

        status.Should().Be(HttpStatusCode.BadRequest);
        body.Should().Contain("EntityTooLarge");
        (await ExistsAsync(bucket, upload.FileKey)).Should().BeFalse();
        (await FormPost.PostAsync(upload, Files.Png(500))).Status.Should().Be(HttpStatusCode.NoContent, "MaxFileSize itself is allowed");
    }

    [Fact]
    public async Task Post_WithAnotherKey_IsRefusedByPolicy()
    {
        var (services, bucket) = await CreateAsync();
        await using var _ = services;
        var upload = await IssueAsync(services, Png(100));
        var otherKey = upload.FileKey.Replace("cat.png", "dog.png", StringComparison.Ordinal);

        var (status, body) = await FormPost.PostAsync(upload, Files.Png(100), f => f["key"] = otherKey);

        status.Should().Be(HttpStatusCode.Forbidden, body);
        (await ExistsAsync(bucket, otherKey)).Should().BeFalse();
        (await ExistsAsync(bucket, upload.FileKey)).Should().BeFalse();
    }

    [Theory]
    [InlineData("Content-Type", "text/html")]
    [InlineData("tagging", "<Tagging><TagSet></TagSet></Tagging>")]
    [InlineData("x-amz-meta-album", "dogs")]
    public async Task Post_WithChangedField_IsRefusedByPolicy(string field, string value)
    {
        var (services, bucket) = await CreateAsync();
        await using var _ = services;
        var upload = await IssueAsync(services, Png(100));

        var (status, body) = await FormPost.PostAsync(upload, Files.Png(100), f => f[field] = value);

        status.Should().Be(HttpStatusCode.Forbidden, body);
        (await ExistsAsync(bucket, upload.FileKey)).Should().BeFalse();
    }

    [Fact]
    public async Task Post_WithoutPendingMarker_IsRefusedByPolicy()
    {
        var (services, bucket) = await CreateAsync();
        await using var _ = services;
        var upload = await IssueAsync(services, Png(100));

        var (status, body) = await FormPost.PostAsync(upload, Files.Png(100), f => f.Remove("tagging"));

        status.Should().Be(HttpStatusCode.Forbidden, body);
        (await ExistsAsync(bucket, upload.FileKey)).Should().BeFalse();
    }

    [Fact]
    public async Task Validate_PostUploadWithOtherBytesThanDeclaredType_RejectsAndDeletesIt()
    {
        // The policy binds the Content-Type field, not what the bytes are: validation sniffs them.
        var (services, bucket) = await CreateAsync();
        await using var _ = services;
        var upload = await IssueAsync(services, Png(100));
        (await FormPost.PostAsync(upload, Files.Text(100))).Status.Should().Be(HttpStatusCode.NoContent);

        var result = await services.GetRequiredService<IUploadValidator>().ValidateAsync(upload.Id, "alice");

        result.Outcome.Should().Be(UploadValidationOutcome.Rejected);
        result.Error!.Code.Should().Be(UploadErrorCodes.MagicBytesMismatch);
        (await ExistsAsync(bucket, upload.FileKey)).Should().BeFalse();
    }
}
