using System.Net;
using System.Text;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.DependencyInjection;
using S3Presign.IntegrationTests.Infrastructure;
using S3Presign.Issuing;
using S3Presign.Lifecycle;
using S3Presign.Storage;
using S3Presign.Testing;
using S3Presign.Validation;

namespace S3Presign.IntegrationTests.Resilience;

/// <summary>
/// Real RGW behind a fault-injecting HTTP handler given to AWSSDK's HTTP client factory: 503 SlowDown, connection
/// resets and hung requests during validate and sweep. Nothing validated is lost, nothing pending leaks.
/// </summary>
[Collection(RgwCollection.Name)]
public sealed class FaultInjectionAgainstRgwTests(RgwFixture rgw)
{
    [Fact]
    public async Task ValidateAndSweep_WithSlowDownResetsAndTimeouts_RecoverAndKeepInvariants()
    {
        var bucket = await rgw.CreateBucketAsync("faults");
        var faults = new FaultSchedule();
        using var faulty = new AmazonS3Client(
            new BasicAWSCredentials(rgw.AccessKey, rgw.SecretKey),
            new AmazonS3Config
            {
                ServiceURL = rgw.ServiceUrl.ToString().TrimEnd('/'),
                ForcePathStyle = true,
                AuthenticationRegion = "us-east-1",
                MaxErrorRetry = 0,
                RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
                ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
                HttpClientFactory = new FaultyHttpClientFactory(faults),
            });
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddSingleton<IAmazonS3>(faulty);
        services.AddS3Uploads(o =>
        {
            o.Bucket = bucket;
            o.ServiceUrl = rgw.ServiceUrl;
            o.ForcePathStyle = true;
            o.S3MaxRetries = 4;
            o.S3RetryDelay = TimeSpan.Zero;
            o.S3AttemptTimeout = TimeSpan.FromSeconds(1);
        });
        await using var provider = services.BuildServiceProvider();
        var issuer = provider.GetRequiredService<IUploadUrlIssuer>();
        var validator = provider.GetRequiredService<IUploadValidator>();
        var store = provider.GetRequiredService<IPendingUploadStore>();

        var uploads = new List<IssuedUpload>();
        for (var i = 0; i < 24; i++)
        {
            var upload = (await issuer.IssueAsync(new UploadRequest { Owner = "o", FileName = "f.png", ContentType = "image/png", Size = 64 })).Upload!;
            (await Http.PutAsync(upload, Files.Png(64))).Status.Should().Be(HttpStatusCode.OK);
            uploads.Add(upload);
        }

        // Every third S3 request fails: 503 SlowDown, then a reset connection, then a request that hangs past the timeout.
        faults.Every = 3;
        var validated = uploads.Where((_, i) => i % 2 == 0).ToList();
        var answers = new List<UploadValidationOutcome>();
        foreach (var upload in validated)
        {
            answers.Add((await validator.ValidateAsync(upload.Id, "o")).Outcome);
        }

        clock.Advance(TimeSpan.FromMinutes(21));
        var swept = await provider.GetRequiredService<IUploadSweeper>().SweepAsync();
        faults.Every = 0;

        faults.Injected.Should().BeGreaterThan(5, "faults really happened");
        answers.Should().AllSatisfy(a => a.Should().Be(UploadValidationOutcome.Validated));
        swept.Expired.Should().Be(12);
        using var s3 = rgw.CreateClient();
        var keys = (await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket })).S3Objects?.Select(o => o.Key).ToList() ?? [];
        keys.Should().BeEquivalentTo(validated.Select(u => u.FileKey), "validated objects stay, abandoned ones are gone");
        foreach (var upload in uploads)
        {
            var status = (await store.FindAsync(upload.Id))!.Status;
            status.Should().Be(validated.Contains(upload) ? UploadStatus.Validated : UploadStatus.Expired);
        }
    }

    private sealed class FaultSchedule
    {
        private int _count;
        private int _injected;

        public int Every { get; set; }

        public int Injected => Volatile.Read(ref _injected);

        /// <summary>0: pass through; 1: 503 SlowDown; 2: reset; 3: hang.</summary>
        public int Next()
        {
            if (Every == 0) return 0;
            var n = Interlocked.Increment(ref _count);
            if (n % Every != 0) return 0;
            Interlocked.Increment(ref _injected);
            return (n / Every % 3) + 1;
        }
    }

    private sealed class FaultyHttpClientFactory(FaultSchedule faults) : HttpClientFactory
    {
        // The per-attempt timeout on the wire is the HTTP client's, as AWSSDK sets it from AmazonS3Config.Timeout (the
        // library does so from S3AttemptTimeout): real time, while the app's lifecycle runs on the manual clock.
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) =>
            new(new FaultyHandler(faults) { InnerHandler = new SocketsHttpHandler() }) { Timeout = TimeSpan.FromSeconds(1) };

        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;
    }

    private sealed class FaultyHandler(FaultSchedule faults) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            switch (faults.Next())
            {
                case 1:
                    return new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)
                    {
                        RequestMessage = request,
                        Content = new StringContent(
                            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>",
                            Encoding.UTF8, "application/xml"),
                    };
                case 2:
                    throw new HttpRequestException("Connection reset by peer", new IOException("reset"));
                case 3:
                    await Task.Delay(TimeSpan.FromSeconds(30), cancellationToken); // cancelled by the timeout
                    break;
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
