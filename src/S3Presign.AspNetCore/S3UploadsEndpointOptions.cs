using System.Security.Claims;
using Microsoft.AspNetCore.Http;

namespace S3Presign.AspNetCore;

/// <summary>
/// Options of the HTTP endpoints mapped by <c>MapS3Uploads</c>. Configure them with
/// <c>services.AddS3Uploads().ConfigureEndpoints(o => …)</c> or <c>services.Configure&lt;S3UploadsEndpointOptions&gt;(…)</c>.
/// </summary>
public sealed class S3UploadsEndpointOptions
{
    /// <summary>The default cap on a request body, in bytes (64 KiB).</summary>
    public const long DefaultMaxRequestBodySize = 64 * 1024;

    /// <summary>Gets or sets how the owner of an upload is found from the request.</summary>
    /// <value>Defaults to the authenticated user's <see cref="ClaimTypes.NameIdentifier"/> claim. A resolver that
    /// returns <see langword="null"/> or white space makes the endpoints answer <c>401</c> with code
    /// <c>unauthenticated</c>.</value>
    public Func<HttpContext, string?> OwnerResolver { get; set; } = DefaultOwnerResolver;

    /// <summary>Gets or sets the largest request body the endpoints read, in bytes.</summary>
    /// <value>Defaults to <see cref="DefaultMaxRequestBodySize"/>. Larger bodies answer <c>413</c> with code
    /// <c>body_too_large</c> without being read.</value>
    public long MaxRequestBodySize { get; set; } = DefaultMaxRequestBodySize;

    /// <summary>Gets or sets whether <c>GET {group}/client.js</c> serves the dependency-free browser client.</summary>
    /// <value>Defaults to <see langword="true"/>. The script is public (it carries no data), so the endpoint allows
    /// anonymous callers even when the group requires authorization.</value>
    public bool MapClientScript { get; set; } = true;

    /// <summary>The default <see cref="OwnerResolver"/>: the <see cref="ClaimTypes.NameIdentifier"/> claim of an
    /// authenticated user, else <see langword="null"/>.</summary>
    /// <param name="context">The request.</param>
    /// <returns>The owner, or <see langword="null"/> for anonymous callers.</returns>
    public static string? DefaultOwnerResolver(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var user = context.User;
        return user.Identity?.IsAuthenticated == true ? user.FindFirstValue(ClaimTypes.NameIdentifier) : null;
    }
}
