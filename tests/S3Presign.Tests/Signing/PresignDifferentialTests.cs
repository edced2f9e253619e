using System.Globalization;
using System.Text;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using S3Presign.Signing;
using S3Presign.Testing;
using S3Presign.Tests.Shared;

namespace S3Presign.Tests.Signing;

/// <summary>
/// The fast SigV4 presigner against AWSSDK's <c>GetPreSignedURL</c>: for the same client, inputs and instant, the two
/// URL strings must be identical, character for character.
/// </summary>
[Collection(AwsSdkClockCollection.Name)]
public sealed class PresignDifferentialTests
{
    private const int Cases = 12_000;

    private static readonly string[] Regions = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2", "sa-east-1"];

    private static readonly string[] KeyPieces =
    [
        "a", "Z", "0", "9", "-", "_", ".", "~", " ", "  ", "+", "/", "//", "!", "*", "'", "(", ")", ";", ":", "@", "&", "=",
        "$", ",", "?", "#", "[", "]", "%", "%20", "%2F", "\"", "<", ">", "\\", "^", "`", "{", "|", "}", "\t", "\u007f",
        "é", "e\u0301", "ü", "ß", "ñ", "\u00a0", "中文", "日本語", "ー", "😀", "🎉", "\u200b", "\u202e", "photo", "file.png",
        "dir/", "résumé (final).pdf", "x.tar.gz",
    ];

    private static readonly string[] ContentTypes =
        ["image/png", "application/pdf", "text/plain; charset=utf-8", "application/octet-stream", "video/mp4", "image/svg+xml"];

    private static readonly string[] Dispositions =
    [
        "attachment", "inline", "attachment; filename=\"a b.png\"", "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf",
        "attachment; filename=\"résumé (1).pdf\"", "inline; filename=\"x+y~z/w.txt\"",
    ];

    [Fact]
    public void PresignUrl_WhenComparedWithAwsSdkOverGeneratedCases_IsIdenticalForEveryCase()
    {
        var random = new Random(20250304);
        var time = new SettableTimeProvider(new DateTimeOffset(2025, 3, 4, 5, 6, 7, TimeSpan.Zero));
        var instant = time.GetUtcNow().UtcDateTime;
        using var clock = AwsSdkClock.Pin(() => instant);
        var harnesses = new Dictionary<int, (PresignerHarness Harness, Configuration Config)>();
        var failures = new List<string>();
        var coverage = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            for (var i = 0; i < Cases && failures.Count < 5; i++)
            {
                var configIndex = random.Next(Configuration.Count);
                if (!harnesses.TryGetValue(configIndex, out var entry))
                {
                    var config = Configuration.Create(configIndex);
                    entry = (new PresignerHarness(config.CreateClient(), time), config);
                    harnesses[configIndex] = entry;
                }

                var now = RandomInstant(random);
                time.Now = now;
                instant = now.UtcDateTime;
                var expiresAt = now + TimeSpan.FromMilliseconds(random.NextInt64(1_000, 7L * 24 * 3600 * 1000));
                var bucket = entry.Config.Buckets[random.Next(entry.Config.Buckets.Length)];
                var spec = RandomSpec(random);

                var reason = entry.Harness.Presigner.ExplainFallback(bucket, spec, expiresAt);
                if (reason != PresignFallbackReason.None)
                {
                    failures.Add($"case {i}: fast path not taken ({reason}) for {entry.Config} bucket {bucket} key {spec.Key}");
                    continue;
                }

                var ours = entry.Harness.Presigner.PresignUrl(bucket, spec, expiresAt);
                var theirs = entry.Harness.AwsSdk(bucket, spec, expiresAt);
                if (!string.Equals(ours, theirs, StringComparison.Ordinal))
                {
                    failures.Add($"case {i} ({entry.Config}, {spec.Method}, key '{spec.Key}'):\n  ours   {ours}\n  AWSSDK {theirs}");
                }

                coverage.Add(entry.Config.Kind);
                coverage.Add(spec.Method + (spec.UploadId is null ? string.Empty : " part"));
                coverage.Add(theirs.Contains("X-Amz-Security-Token", StringComparison.Ordinal) ? "token" : "no token");
            }
        }
        finally
        {
            foreach (var (harness, _) in harnesses.Values)
            {
                harness.Dispose();
            }
        }

        failures.Should().BeEmpty();
        coverage.Should().Contain(["aws virtual-hosted", "aws path-style", "custom path-style", "custom virtual-hosted",
            "PUT", "GET", "DELETE", "PUT part", "token", "no token"]);
    }

    [Theory]
    [InlineData(2025, 3, 4, 23, 59, 59, 999)]
    [InlineData(2024, 2, 29, 0, 0, 0, 0)]
    [InlineData(2030, 12, 31, 23, 59, 59, 500)]
    public void PresignUrl_WhenSignedAtDayBoundary_MatchesAwsSdkOnEitherSide(int year, int month, int day, int hour, int minute, int second, int ms)
    {
        var time = new ManualTimeProvider(new DateTimeOffset(year, month, day, hour, minute, second, ms, TimeSpan.Zero));
        var instant = time.GetUtcNow().UtcDateTime;
        using var clock = AwsSdkClock.Pin(() => instant);
        using var harness = new PresignerHarness(Configuration.Create(0).CreateClient(), time);
        var spec = new PresignSpec { Method = "PUT", Key = "uploads/r\u00e9sum\u00e9 (1).pdf", ContentType = "application/pdf" };

        foreach (var step in new[] { TimeSpan.Zero, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1), TimeSpan.FromHours(25) })
        {
            time.Advance(step);
            instant = time.GetUtcNow().UtcDateTime;
            var expiresAt = time.GetUtcNow().AddMinutes(15);
            harness.Presigner.PresignUrl("bucket", spec, expiresAt).Should().Be(harness.AwsSdk("bucket", spec, expiresAt));
        }
    }

    [Fact]
    public void PresignPut_WhenComparedWithForcedAwsSdkPresigner_GivesTheSameUrlAndHeaders()
    {
        var time = new ManualTimeProvider(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));
        var instant = time.GetUtcNow().UtcDateTime;
        using var clock = AwsSdkClock.Pin(() => instant);
        var client = Configuration.Create(1).CreateClient();
        using var fast = new PresignerHarness(client, time);
        using var sdk = new PresignerHarness(client, time, o => o.UseAwsSdkPresigner = true);
        var metadata = new Dictionary<string, string> { ["origin"] = "  web   upload ", ["a_b-1"] = "x" };
        var expiresAt = time.GetUtcNow().AddMinutes(15);

        var ours = fast.Presigner.PresignPut("bucket", "k/é +.png", "image/png", 1000, new string('A', 43) + "=", "AAAAAAAAAAAAAAAAAAAAAA==", metadata, expiresAt);
        var theirs = sdk.Presigner.PresignPut("bucket", "k/é +.png", "image/png", 1000, new string('A', 43) + "=", "AAAAAAAAAAAAAAAAAAAAAA==", metadata, expiresAt);

        sdk.Presigner.ExplainFallback("bucket", new PresignSpec { Method = "PUT", Key = "k" }, expiresAt)
            .Should().Be(PresignFallbackReason.ForcedByOptions);
        ours.Url.OriginalString.Should().Be(theirs.Url.OriginalString);
        ours.Headers.Should().BeEquivalentTo(theirs.Headers);
        ours.Headers.Should().Contain("If-None-Match", "*");
        ours.Url.OriginalString.Should().Contain("X-Amz-SignedHeaders=content-length%3Bcontent-md5%3Bcontent-type%3Bhost%3Bif-none-match%3Bx-amz-checksum-sha256%3Bx-amz-meta-a_b-1%3Bx-amz-meta-origin%3Bx-amz-tagging");
    }

    private static DateTimeOffset RandomInstant(Random random)
    {
        var start = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var instant = start + TimeSpan.FromTicks(random.NextInt64(TimeSpan.FromDays(3650).Ticks));
        return random.Next(8) == 0
            ? new DateTimeOffset(instant.Year, instant.Month, instant.Day, 23, 59, 59, TimeSpan.Zero).AddTicks(random.NextInt64(TimeSpan.TicksPerSecond))
            : instant;
    }

    private static PresignSpec RandomSpec(Random random)
    {
        var key = RandomKey(random);
        switch (random.Next(5))
        {
            case 0:
                return new PresignSpec
                {
                    Method = "GET",
                    Key = key,
                    ResponseContentDisposition = random.Next(2) == 0 ? null : Dispositions[random.Next(Dispositions.Length)],
                };
            case 1:
                return new PresignSpec { Method = "DELETE", Key = key };
            case 2:
                return new PresignSpec
                {
                    Method = "PUT",
                    Key = key,
                    UploadId = RandomUploadId(random),
                    PartNumber = random.Next(1, 10_001),
                    ContentLength = random.Next(2) == 0 ? null : random.NextInt64(5L * 1024 * 1024, 5L * 1024 * 1024 * 1024),
                };
            default:
                return new PresignSpec
                {
                    Method = "PUT",
                    Key = key,
                    ContentType = random.Next(6) == 0 ? null : ContentTypes[random.Next(ContentTypes.Length)],
                    ContentLength = random.Next(3) == 0 ? null : random.NextInt64(0, 5L * 1024 * 1024 * 1024),
                    ChecksumSha256 = random.Next(2) == 0 ? null : Convert.ToBase64String(RandomBytes(random, 32)),
                    ContentMd5 = random.Next(2) == 0 ? null : Convert.ToBase64String(RandomBytes(random, 16)),
                    Tagging = random.Next(4) == 0 ? null : "s3presign-pending=1",
                    IfNoneMatch = random.Next(3) == 0 ? null : "*",
                    Metadata = RandomMetadata(random),
                };
        }
    }

    private static string RandomKey(Random random)
    {
        if (random.Next(10) == 0)
        {
            var nasty = NastyNames.Accepted[random.Next(NastyNames.Accepted.Length)];
            if (!nasty.Split('/').Any(s => s is "." or ".."))
            {
                return "uploads/" + nasty;
            }
        }

        var builder = new StringBuilder();
        var pieces = random.Next(1, 16);
        for (var i = 0; i < pieces; i++)
        {
            builder.Append(KeyPieces[random.Next(KeyPieces.Length)]);
        }

        // Dot segments and a leading slash are left to AWSSDK on purpose (see PresignFallbackTests): keep them out.
        var key = builder.ToString();
        key = string.Join('/', key.Split('/').Select(s => s is "." or ".." ? "k" + s : s));
        return key.StartsWith('/') ? "k" + key : key;
    }

    private static string RandomUploadId(Random random)
    {
        const string chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-~";
        return string.Create(random.Next(8, 80), random, (span, r) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = chars[r.Next(chars.Length)];
            }
        });
    }

    private static Dictionary<string, string>? RandomMetadata(Random random)
    {
        if (random.Next(3) == 0)
        {
            return null;
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var count = random.Next(0, 5);
        for (var i = 0; i < count; i++)
        {
            const string nameChars = "abcdefghijklmnopqrstuvwxyz0123456789-_";
            var name = string.Create(random.Next(1, 12), random, (span, r) =>
            {
                for (var c = 0; c < span.Length; c++)
                {
                    span[c] = nameChars[r.Next(nameChars.Length)];
                }
            });
            var value = string.Create(random.Next(0, 24), random, (span, r) =>
            {
                for (var c = 0; c < span.Length; c++)
                {
                    span[c] = r.Next(4) == 0 ? ' ' : (char)r.Next(0x21, 0x7F);
                }
            });
            metadata.TryAdd(name, value);
        }

        return metadata;
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>One client configuration: endpoint kind x region x credentials.</summary>
    private sealed record Configuration(string Kind, string Region, AmazonS3Config Config, AWSCredentials Credentials, string[] Buckets)
    {
        private static readonly string[] Endpoints =
        [
            "aws virtual-hosted", "aws path-style", "custom path-style", "custom virtual-hosted",
        ];

        private static readonly string[] CustomUrls =
        [
            "http://127.0.0.1:7480", "https://minio.example.com:9000", "http://localhost:80", "https://s3.example.net:443",
            "http://rgw.internal:8080", "https://storage.example.org",
        ];

        public static int Count => Endpoints.Length * Regions.Length * CustomUrls.Length * 3;

        public static Configuration Create(int index)
        {
            var kind = Endpoints[index % Endpoints.Length];
            var region = Regions[index / Endpoints.Length % Regions.Length];
            var serviceUrl = CustomUrls[index / (Endpoints.Length * Regions.Length) % CustomUrls.Length];
            var credentials = (index / (Endpoints.Length * Regions.Length * CustomUrls.Length)) switch
            {
                0 => (AWSCredentials)new BasicAWSCredentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
                1 => new SessionAWSCredentials("ASIAXAMPLE" + index, "se/cr+et=" + index, "FwoGZXIvYXdzE+token/with=slashes+plus" + index),
                _ => new SessionAWSCredentials("ASIA2" + index, "other-secret-" + index, "IQoJb3JpZ2luX2VjE~short"),
            };

            var config = new AmazonS3Config { ForcePathStyle = kind.EndsWith("path-style", StringComparison.Ordinal) };
            string[] buckets;
            if (kind.StartsWith("aws", StringComparison.Ordinal))
            {
                config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
                buckets = config.ForcePathStyle ? ["bucket", "my-bucket-1", "my.dotted.bucket"] : ["bucket", "my-bucket-1", "a1b2c3"];
            }
            else
            {
                config.ServiceURL = serviceUrl;
                config.AuthenticationRegion = region;
                buckets = config.ForcePathStyle ? ["bucket", "my-bucket-1", "my.dotted.bucket"] : ["bucket", "my-bucket-1"];
            }

            return new Configuration(kind, region, config, credentials, buckets);
        }

        public IAmazonS3 CreateClient() => new AmazonS3Client(Credentials, Config);

        public override string ToString() =>
            $"{Kind} {Region} {Config.ServiceURL ?? Config.RegionEndpoint?.SystemName} {Credentials.GetType().Name}";
    }
}
