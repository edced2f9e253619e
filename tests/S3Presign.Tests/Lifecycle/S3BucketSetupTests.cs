using S3Presign.Lifecycle;
using S3Presign.Tests.Fakes;

namespace S3Presign.Tests.Lifecycle;

public sealed class S3BucketSetupTests
{
    [Theory]
    [InlineData(1, 1, "expirePendingAfterDays")]
    [InlineData(2, 1, "abortIncompleteMultipartAfterDays")]
    public async Task EnsureLifecycleSafetyNet_ShorterThanThePendingTtl_IsRefusedBeforeTouchingTheBucket(
        int expireDays, int abortDays, string parameter)
    {
        using var host = new TestHost(configure: o =>
        {
            o.UploadUrlExpiry = TimeSpan.FromHours(12);
            o.PendingTtl = TimeSpan.FromDays(1);
        });

        var act = () => host.Get<S3BucketSetup>().EnsureLifecycleSafetyNetAsync(expireDays, abortDays);

        (await act.Should().ThrowAsync<ArgumentOutOfRangeException>())
            .Which.Message.Should().Contain("S3Uploads:PendingTtl (1.00:00:00)").And.Contain(parameter);
        host.S3.Calls.Should().Be(0, "a refused net changes nothing");
    }
}
