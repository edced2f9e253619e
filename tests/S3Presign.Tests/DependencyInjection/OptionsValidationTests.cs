using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace S3Presign.Tests.DependencyInjection;

public sealed class OptionsValidationTests
{
    private static ValidateOptionsResult Validate(Action<S3UploadsOptions> change)
    {
        var options = new S3UploadsOptions { Bucket = "my-bucket" };
        change(options);
        return new S3UploadsOptionsValidator().Validate(null, options);
    }

    [Fact]
    public void Defaults_WithBucket_AreValid() => Validate(_ => { }).Succeeded.Should().BeTrue();

    public static TheoryData<string, Action<S3UploadsOptions>> Invalid() => new()
    {
        { "S3Uploads:Bucket is required", o => o.Bucket = "" },
        { "S3Uploads:Bucket 'My_Bucket'", o => o.Bucket = "My_Bucket" },
        { "S3Uploads:Bucket 'ab'", o => o.Bucket = "ab" },
        { "S3Uploads:Bucket '192.168.1.1'", o => o.Bucket = "192.168.1.1" },
        { "S3Uploads:Bucket 'a..b'", o => o.Bucket = "a..b" },
        { "S3Uploads:Bucket '-ab'", o => o.Bucket = "-ab" },
        { "S3Uploads:Region", o => o.Region = "" },
        { "S3Uploads:ServiceUrl", o => o.ServiceUrl = new Uri("ftp://127.0.0.1") },
        { "S3Uploads:KeyPrefix", o => o.KeyPrefix = "/abs" },
        { "S3Uploads:KeyPrefix", o => o.KeyPrefix = "a/../b" },
        { "S3Uploads:UploadUrlExpiry", o => { o.UploadUrlExpiry = TimeSpan.FromDays(8); o.PendingTtl = TimeSpan.FromDays(9); } },
        { "S3Uploads:UploadUrlExpiry", o => o.UploadUrlExpiry = TimeSpan.Zero },
        { "S3Uploads:PendingTtl", o => o.PendingTtl = TimeSpan.FromMinutes(15) },
        { "S3Uploads:SweepInterval", o => o.SweepInterval = TimeSpan.Zero },
        { "S3Uploads:SweepBatchSize", o => o.SweepBatchSize = 1001 },
        { "S3Uploads:SweepLease", o => o.SweepLease = TimeSpan.Zero },
        { "S3Uploads:MaxFileSize", o => o.MaxFileSize = 0 },
        { "S3Uploads:AllowedContentTypes entry 'image'", o => o.AllowedContentTypes.Add("image") },
        { "S3Uploads:DownloadUrlExpiry", o => o.DownloadUrlExpiry = TimeSpan.FromDays(8) },
        { "S3Uploads:S3MaxRetries", o => o.S3MaxRetries = -1 },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Validate_WithBadValue_FailsNamingTheKey(string expected, Action<S3UploadsOptions> change)
    {
        var result = Validate(change);

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain(expected);
    }

    [Fact]
    public async Task Start_WithInvalidConfiguration_FailsAtStartUpNamingTheKey()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["S3Uploads:Bucket"] = "uploads",
            ["S3Uploads:UploadUrlExpiry"] = "00:30:00",
            ["S3Uploads:PendingTtl"] = "00:10:00",
        });
        builder.Services.AddS3Uploads();
        using var host = builder.Build();

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("S3Uploads:PendingTtl");
    }

    [Fact]
    public void AddS3Uploads_BindsTheS3UploadsSection_ThenAppliesTheCallback()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["S3Uploads:Bucket"] = "from-config",
            ["S3Uploads:Region"] = "eu-west-3",
            ["S3Uploads:ServiceUrl"] = "http://127.0.0.1:7480",
            ["S3Uploads:ForcePathStyle"] = "true",
            ["S3Uploads:KeyPrefix"] = "xen",
            ["S3Uploads:UploadUrlExpiry"] = "00:05:00",
            ["S3Uploads:PendingTtl"] = "00:06:00",
            ["S3Uploads:SweepInterval"] = "00:00:30",
            ["S3Uploads:MaxFileSize"] = "1048576",
            ["S3Uploads:AllowedContentTypes:0"] = "image/*",
            ["S3Uploads:AllowedContentTypes:1"] = "application/pdf",
        }).Build());
        services.AddS3Uploads(o => o.KeyPrefix = "override");
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<S3UploadsOptions>>().Value;

        options.Bucket.Should().Be("from-config");
        options.Region.Should().Be("eu-west-3");
        options.ServiceUrl.Should().Be(new Uri("http://127.0.0.1:7480"));
        options.ForcePathStyle.Should().BeTrue();
        options.KeyPrefix.Should().Be("override");
        options.UploadUrlExpiry.Should().Be(TimeSpan.FromMinutes(5));
        options.PendingTtl.Should().Be(TimeSpan.FromMinutes(6));
        options.SweepInterval.Should().Be(TimeSpan.FromSeconds(30));
        options.MaxFileSize.Should().Be(1048576);
        options.AllowedContentTypes.Should().Equal("image/*", "application/pdf");
    }
}
