using System.Net;
using Amazon.S3;
using S3Presign.Issuing;
using S3Presign.Tests.Fakes;
using S3Presign.Validation;

namespace S3Presign.Tests.Resilience;

public sealed class S3ResilienceTests
{
    private static async Task<(TestHost Host, IssuedUpload Upload)> ArrangeAsync(Action<S3UploadsOptions>? configure = null)
    {
        var host = new TestHost(configure: configure);
        var upload = (await host.Get<IUploadUrlIssuer>().IssueAsync(new UploadRequest { Owner = "a", FileName = "a.txt", ContentType = "text/plain", Size = 2 })).Upload!;
        host.S3.Put(upload.FileKey, "hi"u8.ToArray(), "text/plain");
        return (host, upload);
    }

    public static TheoryData<string> TransientFaults() => new() { "SlowDown", "InternalError", "503", "timeout", "reset" };

    private static Exception Fault(string kind) => kind switch
    {
        "SlowDown" => new AmazonS3Exception("Please reduce your request rate.") { StatusCode = HttpStatusCode.ServiceUnavailable, ErrorCode = "SlowDown" },
        "InternalError" => new AmazonS3Exception("We encountered an internal error.") { StatusCode = HttpStatusCode.InternalServerError, ErrorCode = "InternalError" },
        "503" => new AmazonS3Exception("Service Unavailable") { StatusCode = HttpStatusCode.ServiceUnavailable },
        "timeout" => new TaskCanceledException("The request timed out."),
        _ => new HttpRequestException("Connection reset by peer", new IOException("reset")),
    };

    [Theory]
    [MemberData(nameof(TransientFaults))]
    public async Task Validate_WhenS3FailsTransientlyTwice_RetriesAndSucceeds(string kind)
    {
        var (host, upload) = await ArrangeAsync();
        using var _ = host;
        var failures = 2;
        host.S3.Fault = op => op == "GetObjectMetadataAsync" && Interlocked.Decrement(ref failures) >= 0 ? Fault(kind) : null;

        var result = await host.Get<IUploadValidator>().ValidateAsync(upload.Id, "a");

        result.Outcome.Should().Be(UploadValidationOutcome.Validated);
        failures.Should().BeLessThan(0, "both faults were hit and retried");
    }

    [Theory]
    [InlineData(HttpStatusCode.Forbidden, "AccessDenied")]
    [InlineData(HttpStatusCode.BadRequest, "InvalidArgument")]
    public async Task Validate_WhenS3AnswersOther4xx_DoesNotRetry(HttpStatusCode status, string code)
    {
        var (host, upload) = await ArrangeAsync();
        using var _ = host;
        var calls = 0;
        host.S3.Fault = op =>
        {
            if (op != "GetObjectMetadataAsync") return null;
            Interlocked.Increment(ref calls);
            return new AmazonS3Exception(code) { StatusCode = status, ErrorCode = code };
        };

        var validate = async () => await host.Get<IUploadValidator>().ValidateAsync(upload.Id, "a");

        await validate.Should().ThrowAsync<AmazonS3Exception>();
        calls.Should().Be(1);
    }

    [Fact]
    public async Task Validate_WhenS3StaysDown_GivesUpAfterConfiguredRetries_AndUploadStaysPending()
    {
        var (host, upload) = await ArrangeAsync(o => o.S3MaxRetries = 3);
        using var _ = host;
        var calls = 0;
        host.S3.Fault = op => op == "GetObjectMetadataAsync" && Interlocked.Increment(ref calls) > 0 ? Fault("SlowDown") : null;

        var validate = async () => await host.Get<IUploadValidator>().ValidateAsync(upload.Id, "a");

        await validate.Should().ThrowAsync<AmazonS3Exception>();
        calls.Should().Be(4, "one attempt and three retries");
        (await host.Get<S3Presign.Storage.IPendingUploadStore>().FindAsync(upload.Id))!.Status.Should().Be(S3Presign.Storage.UploadStatus.Pending);
    }

    [Fact]
    public async Task Validate_WhenCancelled_StopsWithoutRetrying()
    {
        var (host, upload) = await ArrangeAsync();
        using var _ = host;
        using var cts = new CancellationTokenSource();
        var calls = 0;
        host.S3.Fault = op =>
        {
            if (op != "GetObjectMetadataAsync") return null;
            Interlocked.Increment(ref calls);
            cts.Cancel();
            return new OperationCanceledException(cts.Token);
        };

        var validate = async () => await host.Get<IUploadValidator>().ValidateAsync(upload.Id, "a", cts.Token);

        await validate.Should().ThrowAsync<OperationCanceledException>();
        calls.Should().Be(1);
    }
}
