using Amazon.Runtime;
using Amazon.S3;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace S3Presign.S3;

/// <summary>
/// Gives the library its <see cref="IAmazonS3"/>: the application's own when one is registered, otherwise one built
/// from <see cref="S3UploadsOptions"/> (and owned, so disposed, by this provider).
/// </summary>
internal sealed class S3ClientProvider : IDisposable
{
    private readonly Lazy<(IAmazonS3 Client, bool Owned)> _client;

    public S3ClientProvider(IServiceProvider services, IOptions<S3UploadsOptions> options)
    {
        _client = new Lazy<(IAmazonS3, bool)>(() =>
        {
            var registered = services.GetService<IAmazonS3>();
            return registered is not null ? (registered, false) : (Create(options.Value), true);
        });
    }

    public IAmazonS3 Client => _client.Value.Client;

    /// <summary>Gets whether presigned URLs must use <c>http://</c> (AWSSDK v4 defaults to https otherwise).</summary>
    public bool UsesHttp =>
        Client.Config.ServiceURL is { } url && url.StartsWith("http://", StringComparison.OrdinalIgnoreCase);

    public static AmazonS3Client Create(S3UploadsOptions options)
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle,
            AuthenticationRegion = options.Region,
            // One retry layer: the library's Polly pipeline.
            MaxErrorRetry = 0,
            Timeout = options.S3AttemptTimeout,
            // S3-compatible servers such as Ceph RGW do not all understand the newer default trailing checksums.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };

        if (options.ServiceUrl is { } serviceUrl)
        {
            config.ServiceURL = serviceUrl.ToString().TrimEnd('/');
            config.UseHttp = serviceUrl.Scheme == Uri.UriSchemeHttp;
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
        }

        return new AmazonS3Client(config);
    }

    public void Dispose()
    {
        if (_client.IsValueCreated && _client.Value.Owned)
        {
            _client.Value.Client.Dispose();
        }
    }
}
