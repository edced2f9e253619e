using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.DependencyInjection;
using S3Presign.AspNetCore.Tests.Infrastructure;
using S3Presign.Lifecycle;

namespace S3Presign.AspNetCore.Tests.Lifecycle;

/// <summary><see cref="S3BucketSetup.EnsureCorsAsync"/> against Ceph RGW.</summary>
public sealed class S3BucketSetupCorsTests(UploadsAppFixture fixture) : IClassFixture<UploadsAppFixture>
{
    private UploadsTestApp App => fixture.App;

    [Fact]
    public async Task EnsureCors_WhenBucketHasOtherRules_KeepsThemAndIsIdempotent()
    {
        var setup = App.Services.GetRequiredService<S3BucketSetup>();
        using var s3 = NewClient();
        await s3.PutCORSConfigurationAsync(new PutCORSConfigurationRequest
        {
            BucketName = App.Bucket,
            Configuration = new CORSConfiguration
            {
                Rules = [new CORSRule { Id = "app-rule", AllowedOrigins = ["https://other.example"], AllowedMethods = ["GET"] }],
            },
        });

        (await setup.EnsureCorsAsync(["http://127.0.0.1:5080", "http://localhost:5080/"])).Should().BeTrue();
        (await setup.EnsureCorsAsync(["http://localhost:5080", "http://127.0.0.1:5080"])).Should().BeFalse("nothing changed");

        var rules = (await s3.GetCORSConfigurationAsync(new GetCORSConfigurationRequest { BucketName = App.Bucket })).Configuration.Rules;
        rules.Select(r => r.Id).Should().BeEquivalentTo("app-rule", S3BucketSetup.CorsRuleId);
        var ours = rules.Single(r => r.Id == S3BucketSetup.CorsRuleId);
        ours.AllowedOrigins.Should().BeEquivalentTo("http://127.0.0.1:5080", "http://localhost:5080");
        ours.AllowedMethods.Should().BeEquivalentTo("GET", "PUT", "POST", "HEAD");
        ours.AllowedHeaders.Should().Equal("*");
        ours.ExposeHeaders.Should().Equal("ETag");

        (await setup.EnsureCorsAsync(["https://app.example"])).Should().BeTrue("the origins changed");
        rules = (await s3.GetCORSConfigurationAsync(new GetCORSConfigurationRequest { BucketName = App.Bucket })).Configuration.Rules;
        rules.Should().HaveCount(2);
        rules.Single(r => r.Id == S3BucketSetup.CorsRuleId).AllowedOrigins.Should().Equal("https://app.example");
    }

    [Theory]
    [InlineData("ftp://example.com")]
    [InlineData("https://example.com/path")]
    [InlineData("example.com")]
    [InlineData("")]
    public async Task EnsureCors_WhenOriginIsNotAnOrigin_Throws(string origin)
    {
        var setup = App.Services.GetRequiredService<S3BucketSetup>();

        var act = () => setup.EnsureCorsAsync([origin]);

        await act.Should().ThrowAsync<ArgumentException>();
    }

    [Fact]
    public async Task EnsureCors_WhenNoOrigin_Throws()
    {
        var setup = App.Services.GetRequiredService<S3BucketSetup>();

        var act = () => setup.EnsureCorsAsync([]);

        await act.Should().ThrowAsync<ArgumentException>();
    }

    private static AmazonS3Client NewClient() => new(
        new Amazon.Runtime.BasicAWSCredentials(RgwServer.AccessKey, RgwServer.SecretKey),
        new AmazonS3Config { ServiceURL = $"http://127.0.0.1:{RgwServer.Port}", ForcePathStyle = true, AuthenticationRegion = "us-east-1", UseHttp = true });
}
