using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Microsoft.Extensions.Logging;
using S3Presign.Signing;
using S3Presign.Testing;
using S3Presign.Tests.Fakes;
using S3Presign.Tests.Shared;

namespace S3Presign.Tests.Signing;

/// <summary>
/// Environment-variable credentials are read at most once per <see cref="FastPathContext.EnvironmentCredentialsLifetime"/>
/// (AWSSDK would read the environment on every URL), and a bucket that falls back to AWSSDK's presigner says so once.
/// The environment is process-wide, so these tests run alone.
/// </summary>
[Collection(AwsSdkClockCollection.Name)]
public sealed class PresignCredentialsAndLoggingTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly PresignSpec Put = new() { Method = "PUT", Key = "uploads/a.png", ContentType = "image/png", Tagging = "s3presign-pending=1" };

    [Fact]
    public void GetCredentials_WhenEnvironmentCredentialsChange_ServesTheSnapshotForOneSecondThenReadsAgain()
    {
        using var environment = new EnvironmentCredentials("AKIAFIRST", "first-secret");
        var clock = new ManualTimeProvider(Now);
        var client = new AmazonS3Client(new EnvironmentVariablesAWSCredentials(), new AmazonS3Config { RegionEndpoint = RegionEndpoint.EUWest1 });
        var context = FastPathContext.Create(client, useHttp: false, new SigV4QueryPresigner(), clock);

        context.GetCredentials().AccessKey.Should().Be("AKIAFIRST");
        EnvironmentCredentials.Set("AKIASECOND", "second-secret");

        clock.Advance(FastPathContext.EnvironmentCredentialsLifetime - TimeSpan.FromMilliseconds(1));
        context.GetCredentials().AccessKey.Should().Be("AKIAFIRST", "the snapshot serves until it is a second old");

        clock.Advance(TimeSpan.FromMilliseconds(1));
        var renewed = context.GetCredentials();
        renewed.AccessKey.Should().Be("AKIASECOND");
        renewed.SecretKey.Should().Be("second-secret");
    }

    [Fact]
    public void GetCredentials_WhenCredentialsAreExplicit_NeverReadsTheEnvironment()
    {
        using var environment = new EnvironmentCredentials("AKIAENVIRONMENT", "environment-secret");
        var client = new AmazonS3Client(new BasicAWSCredentials("AKIAEXPLICIT", "explicit-secret"), new AmazonS3Config { RegionEndpoint = RegionEndpoint.EUWest1 });
        var context = FastPathContext.Create(client, useHttp: false, new SigV4QueryPresigner(), new ManualTimeProvider(Now));

        context.GetCredentials().AccessKey.Should().Be("AKIAEXPLICIT");
    }

    [Fact]
    public void PresignUrl_WhenBucketFallsBackToAwsSdk_LogsTheReasonOncePerBucket()
    {
        var logs = new ListLoggerProvider();
        var client = new AmazonS3Client(new BasicAWSCredentials("AKIDEXAMPLE", "secret"),
            new AmazonS3Config { RegionEndpoint = RegionEndpoint.EUWest1, UseAccelerateEndpoint = true });
        using var harness = new PresignerHarness(client, new SettableTimeProvider(Now), logs: logs);

        for (var i = 0; i < 3; i++)
        {
            harness.Presigner.PresignUrl("bucket", Put, Now.AddMinutes(15));
        }

        harness.Presigner.PresignUrl("other-bucket", Put, Now.AddMinutes(15));

        var fallbacks = logs.Entries.Where(e => e.Category == typeof(UploadPresigner).FullName).ToList();
        fallbacks.Should().HaveCount(2);
        fallbacks.Should().OnlyContain(e => e.Level == LogLevel.Information && e.Message.Contains("AccelerateEndpoint"));
        fallbacks.Select(e => e.Message).Should().ContainSingle(m => m.Contains("bucket other-bucket"));
    }

    [Fact]
    public void PresignUrl_WhenOneRequestFallsBack_LogsAtDebugEveryTimeAndNothingForFastOnes()
    {
        var logs = new ListLoggerProvider();
        var client = new AmazonS3Client(new BasicAWSCredentials("AKIDEXAMPLE", "secret"), new AmazonS3Config { RegionEndpoint = RegionEndpoint.EUWest1 });
        using var harness = new PresignerHarness(client, new SettableTimeProvider(Now), logs: logs);

        harness.Presigner.PresignUrl("bucket", Put, Now.AddMinutes(15));
        harness.Presigner.PresignUrl("bucket", Put with { Key = "a/../b.png" }, Now.AddMinutes(15));
        harness.Presigner.PresignUrl("bucket", Put with { Key = "a/../c.png" }, Now.AddMinutes(15));

        logs.Entries.Where(e => e.Category == typeof(UploadPresigner).FullName)
            .Should().HaveCount(2).And.OnlyContain(e => e.Level == LogLevel.Debug && e.Message.Contains("PUT"));
    }

    /// <summary>Sets AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and clears AWS_SESSION_TOKEN) until disposed.</summary>
    private sealed class EnvironmentCredentials : IDisposable
    {
        private static readonly string[] Names = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"];
        private readonly string?[] _previous = Names.Select(Environment.GetEnvironmentVariable).ToArray();

        public EnvironmentCredentials(string accessKey, string secretKey)
        {
            Environment.SetEnvironmentVariable("AWS_SESSION_TOKEN", null);
            Set(accessKey, secretKey);
        }

        public static void Set(string accessKey, string secretKey)
        {
            Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", accessKey);
            Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", secretKey);
        }

        public void Dispose()
        {
            for (var i = 0; i < Names.Length; i++)
            {
                Environment.SetEnvironmentVariable(Names[i], _previous[i]);
            }
        }
    }
}
