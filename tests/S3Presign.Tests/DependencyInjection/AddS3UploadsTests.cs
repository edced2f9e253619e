using Amazon.S3;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using S3Presign.Issuing;
using S3Presign.Naming;
using S3Presign.S3;
using S3Presign.Storage;
using S3Presign.Tests.Fakes;
using S3Presign.Validation;

namespace S3Presign.Tests.DependencyInjection;

public sealed class AddS3UploadsTests
{
    [Fact]
    public void AddS3Uploads_CalledTwice_RegistersEachServiceOnce()
    {
        var services = new ServiceCollection();
        services.AddS3Uploads(o => o.Bucket = "bucket");
        services.AddS3Uploads();

        services.Count(d => d.ServiceType == typeof(IUploadUrlIssuer)).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(IHostedService)).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(IPendingUploadStore)).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(Microsoft.Extensions.Options.IValidateOptions<S3UploadsOptions>)).Should().Be(1);
    }

    [Fact]
    public void AddS3Uploads_DoesNotRegisterAnAmazonS3Client()
    {
        var services = new ServiceCollection();
        services.AddS3Uploads(o => o.Bucket = "bucket");

        services.Should().NotContain(d => d.ServiceType == typeof(IAmazonS3), "the app's own client is used when present");
    }

    [Fact]
    public void ClientProvider_UsesTheAppsRegisteredClient()
    {
        var (client, _) = FakeS3.Create();
        using var host = new TestHost(s3: client);

        host.Get<S3ClientProvider>().Client.Should().BeSameAs(client);
    }

    [Fact]
    public void ClientProvider_WithoutRegisteredClient_BuildsOneFromOptions()
    {
        var services = new ServiceCollection();
        services.AddS3Uploads(o =>
        {
            o.Bucket = "bucket";
            o.ServiceUrl = new Uri("http://127.0.0.1:7480");
            o.ForcePathStyle = true;
            o.Region = "eu-west-1";
        });
        using var provider = services.BuildServiceProvider();

        var clients = provider.GetRequiredService<S3ClientProvider>();

        clients.Client.Should().BeOfType<AmazonS3Client>();
        clients.Client.Config.ServiceURL.Should().StartWith("http://127.0.0.1:7480");
        ((AmazonS3Config)clients.Client.Config).ForcePathStyle.Should().BeTrue();
        clients.Client.Config.AuthenticationRegion.Should().Be("eu-west-1");
        clients.UsesHttp.Should().BeTrue();
    }

    [Fact]
    public async Task Builder_ReplacesStoreNamingSanitizerAndAddsRules()
    {
        var store = new InMemoryPendingUploadStore();
        using var host = new TestHost(
            store: store,
            build: b => b.UseKeyNamingPolicy(new SuffixKeyNamingPolicy(8)).UseFileNameSanitizer<UpperCaseSanitizer>().AddValidationRule<NeverRule>());

        var upload = (await host.Get<IUploadUrlIssuer>().IssueAsync(new UploadRequest { Owner = "a", FileName = "x.png", ContentType = "image/png" })).Upload!;

        host.Get<IPendingUploadStore>().Should().BeSameAs(store);
        upload.FileKey.Should().MatchRegex(@"^X-[0-9a-f]{8}\.PNG$");
        host.Services.GetServices<IUploadValidationRule>().Should().ContainSingle().Which.Should().BeOfType<NeverRule>();
    }

    private sealed class UpperCaseSanitizer : IFileNameSanitizer
    {
        public bool TrySanitizeFileName(string? fileName, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? sanitized)
        {
            sanitized = fileName?.ToUpperInvariant();
            return sanitized is not null;
        }

        public bool TrySanitizeDirectory(string? directory, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? sanitized)
        {
            sanitized = directory ?? string.Empty;
            return true;
        }
    }

    private sealed class NeverRule : IUploadValidationRule
    {
        public ValueTask<UploadError?> ValidateAsync(UploadValidationContext context, CancellationToken cancellationToken) =>
            ValueTask.FromResult<UploadError?>(new UploadError("never", "Never."));
    }
}
