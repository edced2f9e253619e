using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.DependencyInjection;
using S3Presign.IntegrationTests.Infrastructure;
using S3Presign.Issuing;
using S3Presign.Lifecycle;
using S3Presign.Validation;

namespace S3Presign.IntegrationTests.Lifecycle;

/// <summary>I2's safety net: the bucket's own lifecycle rule removes pending objects after the store is lost.</summary>
[Collection(RgwCollection.Name)]
public sealed class LifecycleSafetyNetTests(RgwFixture rgw)
{
    [Fact]
    public async Task EnsureLifecycleSafetyNet_KeepsOtherRules_AndIsIdempotent()
    {
        var bucket = await rgw.CreateBucketAsync("lcrules");
        using var s3 = rgw.CreateClient();
        await s3.PutLifecycleConfigurationAsync(new PutLifecycleConfigurationRequest
        {
            BucketName = bucket,
            Configuration = new LifecycleConfiguration
            {
                Rules =
                [
                    new LifecycleRule
                    {
                        Id = "app-logs", Status = LifecycleRuleStatus.Enabled,
                        Filter = new LifecycleFilter { LifecycleFilterPredicate = new LifecyclePrefixPredicate { Prefix = "logs/" } },
                        Expiration = new LifecycleRuleExpiration { Days = 30 },
                    },
                ],
            },
        });
        await using var services = rgw.BuildServices(bucket, o => o.KeyPrefix = "uploads");
        var setup = services.GetRequiredService<S3BucketSetup>();

        var first = await setup.EnsureLifecycleSafetyNetAsync(1, 2);
        var second = await setup.EnsureLifecycleSafetyNetAsync(1, 2);
        var changed = await setup.EnsureLifecycleSafetyNetAsync(3, 2);

        first.Should().BeTrue();
        second.Should().BeFalse("nothing to change");
        changed.Should().BeTrue();
        var rules = (await s3.GetLifecycleConfigurationAsync(new GetLifecycleConfigurationRequest { BucketName = bucket })).Configuration.Rules;
        rules.Select(r => r.Id).Should().BeEquivalentTo(["app-logs", S3BucketSetup.PendingExpiryRuleId, S3BucketSetup.AbortMultipartRuleId]);
        rules.Single(r => r.Id == S3BucketSetup.PendingExpiryRuleId).Expiration.Days.Should().Be(3);
        rules.Single(r => r.Id == S3BucketSetup.AbortMultipartRuleId).AbortIncompleteMultipartUpload.DaysAfterInitiation.Should().Be(2);
        rules.Single(r => r.Id == "app-logs").Expiration.Days.Should().Be(30);
    }

    [Fact]
    public async Task SafetyNet_WhenStoreIsLost_DeletesPendingObjectAndKeepsValidatedOne()
    {
        var bucket = await rgw.CreateBucketAsync("lcnet");
        IssuedUpload pending, validated;
        await using (var services = rgw.BuildServices(bucket))
        {
            (await services.GetRequiredService<S3BucketSetup>().EnsureLifecycleSafetyNetAsync()).Should().BeTrue();
            var issuer = services.GetRequiredService<IUploadUrlIssuer>();
            pending = (await issuer.IssueAsync(new() { Owner = "a", FileName = "p.png", ContentType = "image/png", Size = 100 })).Upload!;
            validated = (await issuer.IssueAsync(new() { Owner = "a", FileName = "v.png", ContentType = "image/png", Size = 100 })).Upload!;
            (await Http.PutAsync(pending, Files.Png(100))).Status.Should().Be(HttpStatusCode.OK);
            (await Http.PutAsync(validated, Files.Png(100))).Status.Should().Be(HttpStatusCode.OK);
            (await services.GetRequiredService<IUploadValidator>().ValidateAsync(validated.Id, "a")).Succeeded.Should().BeTrue();
        }

        // The in-memory store is gone with its container: only the bucket's lifecycle rule can clean up now.
        // The test cluster runs with 'rgw lc debug interval = 10', so a lifecycle "day" lasts 10 seconds.
        using var s3 = rgw.CreateClient();
        var deadline = DateTime.UtcNow.AddSeconds(150);
        var gone = false;
        while (!gone && DateTime.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromSeconds(5));
            await rgw.ProcessLifecycleAsync();
            var keys = (await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket })).S3Objects?.Select(o => o.Key).ToList() ?? [];
            gone = !keys.Contains(pending.FileKey);
        }

        gone.Should().BeTrue("the lifecycle rule expires objects that still carry the pending marker");
        var remaining = (await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket })).S3Objects?.Select(o => o.Key).ToList();
        remaining.Should().Equal(validated.FileKey);
    }
}
