using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using S3Presign.Signing;
using S3Presign.Tests.Fakes;

namespace S3Presign.Tests.Signing;

/// <summary>Configurations the fast path does not cover go to AWSSDK's presigner, and say why.</summary>
[Collection(AwsSdkClockCollection.Name)]
public sealed class PresignFallbackTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly PresignSpec Put = new() { Method = "PUT", Key = "uploads/a b.png", ContentType = "image/png", Tagging = "s3presign-pending=1" };

    private static AmazonS3Client Client(Action<AmazonS3Config>? configure = null, AWSCredentials? credentials = null)
    {
        var config = new AmazonS3Config { RegionEndpoint = RegionEndpoint.EUWest1 };
        configure?.Invoke(config);
        return new AmazonS3Client(credentials ?? new BasicAWSCredentials("AKIDEXAMPLE", "secret"), config);
    }

    private static void AssertFallsBack(IAmazonS3 client, string bucket, PresignSpec spec, PresignFallbackReason expected, Action<S3UploadsOptions>? configure = null)
    {
        var time = new SettableTimeProvider(Now);
        using var clock = AwsSdkClock.Pin(() => Now.UtcDateTime);
        using var harness = new PresignerHarness(client, time, configure);
        var expiresAt = Now.AddMinutes(15);

        harness.Presigner.ExplainFallback(bucket, spec, expiresAt).Should().Be(expected);
        harness.Presigner.PresignUrl(bucket, spec, expiresAt).Should().Be(harness.AwsSdk(bucket, spec, expiresAt));
    }

    [Fact]
    public void PresignUrl_WhenPlainAwsClient_TakesFastPath() =>
        AssertFallsBack(Client(), "bucket", Put, PresignFallbackReason.None);

    [Fact]
    public void PresignUrl_WhenForcedByOptions_UsesAwsSdk() =>
        AssertFallsBack(Client(), "bucket", Put, PresignFallbackReason.ForcedByOptions, o => o.UseAwsSdkPresigner = true);

    [Fact]
    public void PresignUrl_WhenTransferAccelerationIsOn_UsesAwsSdk() =>
        AssertFallsBack(Client(c => c.UseAccelerateEndpoint = true), "bucket", Put, PresignFallbackReason.AccelerateEndpoint);

    [Fact]
    public void PresignUrl_WhenDualStackIsOn_UsesAwsSdk() =>
        AssertFallsBack(Client(c => c.UseDualstackEndpoint = true), "bucket", Put, PresignFallbackReason.DualStackEndpoint);

    [Fact]
    public void PresignUrl_WhenFipsIsOn_UsesAwsSdk() =>
        AssertFallsBack(Client(c => (c.RegionEndpoint, c.UseFIPSEndpoint) = (RegionEndpoint.USEast1, true)), "bucket", Put,
            PresignFallbackReason.FipsEndpoint);

    [Fact]
    public void PresignUrl_WhenBucketIsAnAccessPointArn_UsesAwsSdk() =>
        AssertFallsBack(Client(), "arn:aws:s3:eu-west-1:123456789012:accesspoint/my-ap", Put, PresignFallbackReason.ArnBucket);

    [Fact]
    public void PresignUrl_WhenKeyHasDotSegment_UsesAwsSdk() =>
        AssertFallsBack(Client(), "bucket", Put with { Key = "a/../b.png" }, PresignFallbackReason.UnsupportedRequest);

    [Fact]
    public void PresignUrl_WhenKeyStartsWithSlash_UsesAwsSdk() =>
        AssertFallsBack(Client(), "bucket", Put with { Key = "/b.png" }, PresignFallbackReason.UnsupportedRequest);

    [Fact]
    public void PresignUrl_WhenMetadataValueIsNotPrintableAscii_UsesAwsSdk() =>
        AssertFallsBack(Client(), "bucket", Put with { Metadata = new Dictionary<string, string> { ["name"] = "tab\there" } },
            PresignFallbackReason.UnsupportedRequest);

    [Fact]
    public void PresignUrl_WhenClientIsNotAmazonS3Client_AsksThatClient()
    {
        var (client, fake) = FakeS3.Create();
        using var harness = new PresignerHarness(client, new SettableTimeProvider(Now));

        harness.Presigner.ExplainFallback("bucket", Put, Now.AddMinutes(15)).Should().Be(PresignFallbackReason.NotAmazonS3Client);
        harness.Presigner.PresignUrl("bucket", Put, Now.AddMinutes(15)).Should().EndWith("?X-Amz-Signature=fake");
        fake.Calls.Should().Be(1);
    }

    [Fact]
    public void PresignUrl_WhenS3ExpressDirectoryBucket_UsesAwsSdk()
    {
        using var harness = new PresignerHarness(Client(), new SettableTimeProvider(Now));

        harness.Presigner.ExplainFallback("bucket--euw1-az1--x-s3", Put, Now.AddMinutes(15)).Should().Be(PresignFallbackReason.S3ExpressBucket);
    }

    [Fact]
    public void PresignUrl_WhenCredentialsAreAnonymous_UsesAwsSdk()
    {
        using var harness = new PresignerHarness(Client(credentials: new AnonymousAWSCredentials()), new SettableTimeProvider(Now));

        harness.Presigner.ExplainFallback("bucket", Put, Now.AddMinutes(15)).Should().Be(PresignFallbackReason.NoCredentials);
    }

    [Fact]
    public void PresignUrl_WhenTemporaryCredentialsRotate_SignsWithTheNewOnesLikeAwsSdk()
    {
        var credentials = new RotatingCredentials(new ImmutableCredentials("ASIAFIRST", "first-secret", "token/one+="));
        var time = new SettableTimeProvider(Now);
        using var clock = AwsSdkClock.Pin(() => time.Now.UtcDateTime);
        using var harness = new PresignerHarness(Client(credentials: credentials), time);
        var expiresAt = Now.AddMinutes(15);

        var first = harness.Presigner.PresignUrl("bucket", Put, expiresAt);
        credentials.Current = new ImmutableCredentials("ASIASECOND", "second-secret", "token/two");
        var second = harness.Presigner.PresignUrl("bucket", Put, expiresAt);

        first.Should().Contain("ASIAFIRST").And.Contain("token%2Fone%2B%3D");
        second.Should().Contain("ASIASECOND").And.Contain("X-Amz-Security-Token=token%2Ftwo&");
        second.Should().Be(harness.AwsSdk("bucket", Put, expiresAt));
        harness.Presigner.ExplainFallback("bucket", Put, expiresAt).Should().Be(PresignFallbackReason.None);
    }

    [Fact]
    public void PresignUrl_WhenSigningTimeComesFromTimeProvider_UsesItForDateAndExpiry()
    {
        var time = new SettableTimeProvider(new DateTimeOffset(2031, 1, 2, 3, 4, 5, TimeSpan.Zero));
        using var harness = new PresignerHarness(Client(), time);

        var url = harness.Presigner.PresignUrl("bucket", Put, time.Now.AddMinutes(15));

        url.Should().Contain("X-Amz-Date=20310102T030405Z").And.Contain("X-Amz-Expires=900&")
            .And.Contain("%2F20310102%2Feu-west-1%2Fs3%2Faws4_request");
    }

    /// <summary>Temporary credentials that the test rotates, as a refreshing provider would.</summary>
    private sealed class RotatingCredentials(ImmutableCredentials initial) : AWSCredentials
    {
        public ImmutableCredentials Current { get; set; } = initial;

        public override ImmutableCredentials GetCredentials() => Current;
    }
}
