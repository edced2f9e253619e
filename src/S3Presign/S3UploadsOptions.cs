namespace S3Presign;

/// <summary>
/// Options of S3Presign, bound from the <c>S3Uploads</c> configuration section.
/// </summary>
public sealed class S3UploadsOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "S3Uploads";

    /// <summary>Gets or sets the target bucket. Required.</summary>
    /// <value>A bucket name following S3's naming rules.</value>
    public string Bucket { get; set; } = string.Empty;

    /// <summary>Gets or sets the signing region.</summary>
    /// <value>Defaults to <c>us-east-1</c>.</value>
    public string Region { get; set; } = "us-east-1";

    /// <summary>Gets or sets the endpoint of an S3-compatible server, e.g. <c>http://127.0.0.1:7480</c>.</summary>
    /// <value>Defaults to <see langword="null"/>, meaning AWS S3 in <see cref="Region"/>.</value>
    public Uri? ServiceUrl { get; set; }

    /// <summary>Gets or sets whether path-style addressing is used (needed by most S3-compatible servers).</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool ForcePathStyle { get; set; }

    /// <summary>Gets or sets the prefix of every issued key, without leading or trailing slash.</summary>
    /// <value>Defaults to <see langword="null"/> (no prefix).</value>
    public string? KeyPrefix { get; set; }

    /// <summary>Gets or sets the lifetime of a presigned upload request.</summary>
    /// <value>Defaults to 15 minutes; at most 7 days; must be shorter than <see cref="PendingTtl"/>.</value>
    public TimeSpan UploadUrlExpiry { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Gets or sets the validation deadline, counted from issue.</summary>
    /// <value>Defaults to 20 minutes.</value>
    public TimeSpan PendingTtl { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>Gets or sets how often the sweeper deletes uploads whose deadline has passed.</summary>
    /// <value>Defaults to 1 minute.</value>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Gets or sets whether the hosted sweeper runs in this process.</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool EnableSweeper { get; set; } = true;

    /// <summary>Gets or sets how many expired uploads one sweeper claims at a time.</summary>
    /// <value>Defaults to 1000 (the most one S3 multi-object delete takes).</value>
    public int SweepBatchSize { get; set; } = 1000;

    /// <summary>Gets or sets how long a sweeper's claim on expired uploads holds before others may take them.</summary>
    /// <value>Defaults to 5 minutes.</value>
    public TimeSpan SweepLease { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets the largest accepted upload, in bytes.</summary>
    /// <value>Defaults to <see langword="null"/> (no limit besides S3's).</value>
    public long? MaxFileSize { get; set; }

    /// <summary>Gets the accepted content types; <c>image/*</c> style wildcards are allowed.</summary>
    /// <value>Empty (the default) accepts any well-formed content type.</value>
    public IList<string> AllowedContentTypes { get; } = new List<string>();

    /// <summary>Gets or sets whether validation reads the object's first bytes and checks them against the declared
    /// type for common formats (PNG, JPEG, GIF, WebP, PDF, ZIP).</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool SniffContent { get; set; } = true;

    /// <summary>Gets or sets whether issuing requires the client to declare the size, so that S3 can bind it.</summary>
    /// <value>Defaults to <see langword="false"/>; validation checks the size either way.</value>
    public bool RequireSize { get; set; }

    /// <summary>Gets or sets the lifetime of presigned download URLs.</summary>
    /// <value>Defaults to 5 minutes; at most 7 days.</value>
    public TimeSpan DownloadUrlExpiry { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets the longest lifetime a caller may ask for a download URL (<c>expiresIn</c>).</summary>
    /// <value>Defaults to 1 hour; at least <see cref="DownloadUrlExpiry"/>, at most 7 days.</value>
    public TimeSpan MaxDownloadUrlExpiry { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Gets or sets the declared size above which an upload whose mode is not given is issued as a multipart
    /// upload.</summary>
    /// <value>Defaults to 100 MiB; at most 5 GiB (the largest single PUT).</value>
    public long MultipartThreshold { get; set; } = 100L * 1024 * 1024;

    /// <summary>Gets or sets the preferred part size of multipart uploads; it grows for files that would otherwise need
    /// more than 10,000 parts.</summary>
    /// <value>Defaults to 8 MiB; at least 5 MiB (S3's minimum for all but the last part), at most 5 GiB.</value>
    public long MultipartPartSize { get; set; } = 8L * 1024 * 1024;

    /// <summary>Gets or sets whether presigned URLs come from AWSSDK's <c>GetPreSignedURL</c> instead of S3Presign's
    /// own SigV4 signer. Both produce the same URLs; the own signer is some ten times faster.</summary>
    /// <value>Defaults to <see langword="false"/>. Configurations the own signer does not cover (S3 Express, Transfer
    /// Acceleration, dual-stack, FIPS, access point ARNs, an <c>IAmazonS3</c> that is not an <c>AmazonS3Client</c>)
    /// use AWSSDK's presigner either way.</value>
    public bool UseAwsSdkPresigner { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether presigned PUT uploads carry a signed <c>If-None-Match: *</c>, so that
    /// S3 refuses a second PUT to the same key (412 Precondition Failed) while the URL is still valid.
    /// </summary>
    /// <value>
    /// Defaults to <see langword="true"/>: without it, a client holding the URL could replace an object after it was
    /// validated, and even put the pending marker back on it. The client must send the header, which is listed in the
    /// issued <c>headers</c>. Servers that ignore conditional writes accept the header and simply do not enforce it.
    /// POST-policy forms cannot carry it (keep <see cref="UploadUrlExpiry"/> short there); multipart part URLs die
    /// with their upload when it is completed.
    /// </value>
    public bool PreventOverwrite { get; set; } = true;

    /// <summary>Gets or sets the timeout of one attempt of an S3 call.</summary>
    /// <value>Defaults to 30 seconds.</value>
    public TimeSpan S3AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how many times a failed S3 call is retried (5xx, SlowDown, timeouts, connection errors).</summary>
    /// <value>Defaults to 3.</value>
    public int S3MaxRetries { get; set; } = 3;

    /// <summary>Gets or sets the base delay between retries; actual delays grow exponentially with jitter.</summary>
    /// <value>Defaults to 200 milliseconds.</value>
    public TimeSpan S3RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);
}
