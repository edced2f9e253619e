using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Amazon.S3.Model;
using Microsoft.Extensions.DependencyInjection;
using S3Presign.IntegrationTests.Infrastructure;
using S3Presign.Signing;
using S3Presign.Tests.Shared;

namespace S3Presign.IntegrationTests.Signing;

/// <summary>URLs from the fast SigV4 presigner, used as a browser would use them, against a real Ceph RGW.</summary>
[Collection(RgwCollection.Name)]
public sealed class FastPresignAgainstRgwTests(RgwFixture rgw)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };

    [Fact]
    public async Task PresignPutGetDelete_WhenSignedOnFastPath_RgwAcceptsEachWithEveryHeaderBound()
    {
        var bucket = await rgw.CreateBucketAsync("sig");
        using var services = rgw.BuildServices(bucket);
        var presigner = services.GetRequiredService<UploadPresigner>();
        var key = "fast/r\u00e9sum\u00e9 (final) +~ 1.png";
        var body = RandomNumberGenerator.GetBytes(1000);
        var metadata = new Dictionary<string, string> { ["origin"] = "web upload", ["owner-id"] = "42" };
        var expiresAt = DateTimeOffset.UtcNow.AddMinutes(5);
        presigner.ExplainFallback(bucket, new PresignSpec { Method = "PUT", Key = key }, expiresAt).Should().Be(PresignFallbackReason.None);

        var put = presigner.PresignPut(bucket, key, "image/png", body.Length,
            Convert.ToBase64String(SHA256.HashData(body)), Convert.ToBase64String(MD5.HashData(body)), metadata, expiresAt);
        using (var request = PresignedRequests.Put(put.Url, put.Headers, body))
        {

            using var response = await Http.SendAsync(request);
            response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        }

        using (var s3 = rgw.CreateClient())
        {
            var head = await s3.GetObjectMetadataAsync(bucket, key);
            head.Headers.ContentType.Should().Be("image/png");
            head.Metadata["x-amz-meta-origin"].Should().Be("web upload");
            var tags = await s3.GetObjectTaggingAsync(new GetObjectTaggingRequest { BucketName = bucket, Key = key });
            tags.Tagging.Should().ContainSingle(t => t.Key == "s3presign-pending");
        }

        var get = presigner.PresignGet(bucket, key, expiresAt, "attachment; filename=\"r\u00e9sum\u00e9 (final).png\"");
        using (var response = await Http.GetAsync(get))
        {
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            (await response.Content.ReadAsByteArrayAsync()).Should().Equal(body);
            response.Content.Headers.ContentDisposition!.ToString().Should().Contain("attachment");
        }

        using (var response = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, presigner.PresignDelete(bucket, key, expiresAt))))
        {
            response.StatusCode.Should().Be(HttpStatusCode.NoContent);
        }

        using (var response = await Http.GetAsync(presigner.PresignGet(bucket, key, expiresAt)))
        {
            response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        }
    }

    [Fact]
    public async Task PresignPut_WhenBodyDiffersFromSignedLength_RgwRefusesIt()
    {
        var bucket = await rgw.CreateBucketAsync("sig");
        using var services = rgw.BuildServices(bucket);
        var presigner = services.GetRequiredService<UploadPresigner>();
        var put = presigner.PresignPut(bucket, "fast/len.bin", "application/octet-stream", 10, null, null,
            new Dictionary<string, string>(), DateTimeOffset.UtcNow.AddMinutes(5));

        using var request = new HttpRequestMessage(HttpMethod.Put, put.Url) { Content = new ByteArrayContent(new byte[11]) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        request.Headers.TryAddWithoutValidation("x-amz-tagging", put.Headers["x-amz-tagging"]);
        using var response = await Http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task PresignPart_WhenSignedOnFastPath_RgwAcceptsThePartAndCompletes()
    {
        var bucket = await rgw.CreateBucketAsync("sig");
        using var services = rgw.BuildServices(bucket);
        var presigner = services.GetRequiredService<UploadPresigner>();
        using var s3 = rgw.CreateClient();
        var key = "fast/multi part.bin";
        var initiated = await s3.InitiateMultipartUploadAsync(bucket, key);
        var body = RandomNumberGenerator.GetBytes(1024);

        var url = presigner.PresignPart(bucket, key, initiated.UploadId, 1, DateTimeOffset.UtcNow.AddMinutes(5), body.Length);
        using var response = await Http.PutAsync(url, new ByteArrayContent(body));
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var etag = response.Headers.ETag!.Tag;

        await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = bucket,
            Key = key,
            UploadId = initiated.UploadId,
            PartETags = [new PartETag(1, etag)],
        });
        (await s3.GetObjectMetadataAsync(bucket, key)).ContentLength.Should().Be(body.Length);
    }
}
