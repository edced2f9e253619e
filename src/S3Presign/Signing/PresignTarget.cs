namespace S3Presign.Signing;

/// <summary>
/// Where one bucket's presigned URLs point and how they are scoped, learned once from AWSSDK's own endpoint
/// resolution (see <see cref="FastPathContext"/>) so that no call resolves an endpoint again.
/// </summary>
/// <param name="UrlPrefix">Scheme, authority and path up to the key, e.g. <c>http://127.0.0.1:7480/bucket/</c>.</param>
/// <param name="Host">The signed <c>host</c> header, with the port when it is not the scheme's default.</param>
/// <param name="PathPrefix">The canonical URI up to the key, e.g. <c>/bucket/</c> or <c>/</c>.</param>
/// <param name="Region">The signing region of the credential scope.</param>
/// <param name="Service">The signing service of the credential scope (<c>s3</c>).</param>
internal sealed record PresignTarget(string UrlPrefix, string Host, string PathPrefix, string Region, string Service);
