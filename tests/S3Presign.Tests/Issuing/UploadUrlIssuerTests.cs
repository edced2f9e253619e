using S3Presign.Issuing;
using S3Presign.Storage;
using S3Presign.Tests.Fakes;

namespace S3Presign.Tests.Issuing;

public sealed class UploadUrlIssuerTests
{
    private const string Sha = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

    private static TestHost Host(Action<S3UploadsOptions>? configure = null) => new(configure: o =>
    {
        o.MaxFileSize = 1_000_000;
        o.AllowedContentTypes.Add("image/*");
        o.AllowedContentTypes.Add("application/pdf");
        o.KeyPrefix = "xen";
        configure?.Invoke(o);
    });

    private static UploadRequest Valid => new() { Owner = "alice", FileName = "headcrab.png", ContentType = "image/png", Size = 1000 };

    [Fact]
    public async Task Issue_WithValidRequest_ReturnsBoundPutAndStoresPendingRecord()
    {
        using var host = Host();
        var now = host.Clock.GetUtcNow();

        var result = await host.Get<IUploadUrlIssuer>().IssueAsync(Valid with { ChecksumSha256 = Sha, Metadata = new Dictionary<string, string> { ["Album"] = "x" } });

        result.Succeeded.Should().BeTrue();
        var upload = result.Upload!;
        upload.Id.Should().MatchRegex("^[0-9a-f]{32}$");
        upload.FileKey.Should().Be($"xen/{upload.Id}-headcrab.png");
        upload.Method.Should().Be("PUT");
        upload.Headers.Should().Contain("Content-Type", "image/png")
            .And.Contain("x-amz-tagging", "s3presign-pending=1")
            .And.Contain("x-amz-checksum-sha256", Sha)
            .And.Contain("x-amz-meta-album", "x");
        upload.ExpiresAt.Should().Be(now.AddMinutes(15));
        upload.ValidateBefore.Should().Be(now.AddMinutes(20));
        upload.Ttl.Should().Be(TimeSpan.FromMinutes(20));
        upload.FileUrl.Query.Should().BeEmpty();
        var stored = await host.Get<IPendingUploadStore>().FindAsync(upload.Id);
        stored!.Status.Should().Be(UploadStatus.Pending);
        stored.Owner.Should().Be("alice");
        stored.DeclaredSize.Should().Be(1000);
        stored.Metadata.Should().Contain("album", "x");
    }

    [Fact]
    public async Task Issue_Twice_GivesDifferentIdsAndKeys()
    {
        using var host = Host();
        var issuer = host.Get<IUploadUrlIssuer>();

        var a = (await issuer.IssueAsync(Valid)).Upload!;
        var b = (await issuer.IssueAsync(Valid)).Upload!;

        a.Id.Should().NotBe(b.Id);
        a.FileKey.Should().NotBe(b.FileKey);
    }

    public static TheoryData<string, UploadRequest> Refusals() => new()
    {
        { "invalid_owner", Valid with { Owner = " " } },
        { "invalid_filename", Valid with { FileName = "../" } },
        { "invalid_directory", Valid with { Directory = "a/../b" } },
        { "invalid_content_type", Valid with { ContentType = "png" } },
        { "invalid_content_type", Valid with { ContentType = "image/png\r\nx-evil: 1" } },
        { "content_type_not_allowed", Valid with { ContentType = "text/html" } },
        { "content_type_not_allowed", Valid with { ContentType = "imagex/png" } },
        { "invalid_size", Valid with { Size = -1 } },
        { "too_large", Valid with { Size = 1_000_001 } },
        { "invalid_checksum", Valid with { ChecksumSha256 = "not base64!" } },
        { "invalid_checksum", Valid with { ChecksumSha256 = "1B2M2Y8AsgTpgAmY7PhCfg==" } },
        { "invalid_checksum", Valid with { ContentMd5 = Sha } },
        { "invalid_metadata", Valid with { Metadata = new Dictionary<string, string> { ["bad name"] = "x" } } },
        { "invalid_metadata", Valid with { Metadata = new Dictionary<string, string> { ["ok"] = "caf\u00e9" } } },
        { "invalid_metadata", Valid with { Metadata = new Dictionary<string, string> { ["big"] = new string('x', 3000) } } },
        { "invalid_metadata", Valid with { Metadata = new Dictionary<string, string> { ["A"] = "1", ["a"] = "2" } } },
        { "invalid_mode", Valid with { Mode = (UploadMode)42 } },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Issue_WithBadInput_RefusesWithStableCodeAndLeavesNoRecord(string code, UploadRequest request)
    {
        using var host = Host();

        var result = await host.Get<IUploadUrlIssuer>().IssueAsync(request);

        result.Succeeded.Should().BeFalse();
        result.Error!.Code.Should().Be(code);
        result.Error.Message.Should().NotBeNullOrWhiteSpace();
        ((InMemoryPendingUploadStore)host.Get<IPendingUploadStore>()).Count.Should().Be(0);
        host.S3.Calls.Should().Be(0, "a refusal touches nothing");
    }

    [Fact]
    public async Task Issue_WithoutSize_WhenSizeRequired_Refuses()
    {
        using var host = Host(o => o.RequireSize = true);

        var result = await host.Get<IUploadUrlIssuer>().IssueAsync(Valid with { Size = null });

        result.Error!.Code.Should().Be("invalid_size");
    }

    [Theory]
    [InlineData("image/png")]
    [InlineData("IMAGE/PNG")]
    [InlineData("image/webp; charset=binary")]
    [InlineData("application/pdf")]
    public async Task Issue_WithAllowedTypeOrWildcardMatch_Succeeds(string contentType)
    {
        using var host = Host();
        (await host.Get<IUploadUrlIssuer>().IssueAsync(Valid with { ContentType = contentType })).Succeeded.Should().BeTrue();
    }

    [Fact]
    public async Task Issue_WithEmptyAllowList_AcceptsAnyWellFormedType()
    {
        using var host = new TestHost();
        (await host.Get<IUploadUrlIssuer>().IssueAsync(Valid with { ContentType = "application/x-anything" })).Succeeded.Should().BeTrue();
    }
}
