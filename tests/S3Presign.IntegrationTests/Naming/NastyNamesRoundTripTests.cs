using System.Net;
using System.Text;
using Amazon.S3.Model;
using Microsoft.Extensions.DependencyInjection;
using S3Presign.IntegrationTests.Infrastructure;
using S3Presign.Issuing;
using S3Presign.Naming;
using S3Presign.Tests.Shared;
using S3Presign.Validation;

namespace S3Presign.IntegrationTests.Naming;

/// <summary>I5 against the real server: every nasty name becomes a safe key that a real presigned PUT writes.</summary>
[Collection(RgwCollection.Name)]
public sealed class NastyNamesRoundTripTests(RgwFixture rgw)
{

    [Fact]
    public async Task EveryNastyName_RoundTripsThroughPresignedPutAndValidation()
    {
        var bucket = await rgw.CreateBucketAsync("names");
        await using var services = rgw.BuildServices(bucket, o => o.KeyPrefix = "xen");
        var issuer = services.GetRequiredService<IUploadUrlIssuer>();
        var validator = services.GetRequiredService<IUploadValidator>();
        var bytes = Encoding.ASCII.GetBytes("hello");
        var issuedKeys = new List<string>();

        foreach (var name in NastyNames.Accepted)
        {
            var result = await issuer.IssueAsync(new UploadRequest
            {
                Owner = "alice", FileName = name, ContentType = "application/octet-stream", Size = bytes.Length, Directory = "a b/ü",
            });
            result.Succeeded.Should().BeTrue($"'{name}' should be accepted: {result.Error?.Message}");
            var key = result.Upload!.FileKey;
            AssertSafe(key, result.Upload.Id);

            var (status, body) = await Http.PutAsync(result.Upload, bytes);
            status.Should().Be(HttpStatusCode.OK, $"key '{key}' from '{name}': {body}");
            (await validator.ValidateAsync(result.Upload.Id, "alice")).Succeeded.Should().BeTrue(key);
            issuedKeys.Add(key);
        }

        using var s3 = rgw.CreateClient();
        var listed = new List<string>();
        string? token = null;
        do
        {
            var page = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, ContinuationToken = token });
            listed.AddRange(page.S3Objects?.Select(o => o.Key) ?? []);
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);

        listed.Should().BeEquivalentTo(issuedKeys, "each key is stored exactly as issued");
    }

    [Fact]
    public async Task RefusedNames_LeaveNoRecordAndNoObject()
    {
        var bucket = await rgw.CreateBucketAsync("refused");
        await using var services = rgw.BuildServices(bucket);
        var issuer = services.GetRequiredService<IUploadUrlIssuer>();

        foreach (var name in NastyNames.Refused)
        {
            var result = await issuer.IssueAsync(new UploadRequest { Owner = "alice", FileName = name, ContentType = "text/plain" });
            result.Succeeded.Should().BeFalse($"'{name}' has nothing usable");
            result.Error!.Code.Should().Be("invalid_filename");
        }

        foreach (var directory in new[] { "../x", "a/../b", "./a", "a//b", "/abs", "a/", "%2e%2e/ok/.." })
        {
            var result = await issuer.IssueAsync(new UploadRequest { Owner = "alice", FileName = "f.txt", ContentType = "text/plain", Directory = directory });
            result.Error!.Code.Should().Be("invalid_directory", directory);
        }

        var store = (S3Presign.Storage.InMemoryPendingUploadStore)services.GetRequiredService<S3Presign.Storage.IPendingUploadStore>();
        store.Count.Should().Be(0);
        using var s3 = rgw.CreateClient();
        (await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket })).S3Objects.Should().BeNullOrEmpty();
    }

    private static void AssertSafe(string key, string id)
    {
        Encoding.UTF8.GetByteCount(key).Should().BeLessThanOrEqualTo(1024);
        key.Should().NotStartWith("/");
        key.Split('/').Should().NotContain(s => s == ".." || s == "." || s.Length == 0);
        key.Should().Contain(id, "the random component (122 bits) is in every key");
        key.EnumerateRunes().Should().NotContain(r =>
            System.Globalization.CharUnicodeInfo.GetUnicodeCategory(r.Value) == System.Globalization.UnicodeCategory.Control
            || System.Globalization.CharUnicodeInfo.GetUnicodeCategory(r.Value) == System.Globalization.UnicodeCategory.Format);
        key.Should().NotContain("\\");
    }
}
