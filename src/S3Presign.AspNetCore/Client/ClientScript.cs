using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace S3Presign.AspNetCore.Client;

/// <summary>Serves the embedded browser client, <c>s3presign-client.js</c>.</summary>
internal static class ClientScript
{
    public const string ResourceName = "S3Presign.AspNetCore.s3presign-client.js";

    private static readonly Lazy<(byte[] Content, EntityTagHeaderValue ETag)> Script = new(Load);

    public static Results<FileContentHttpResult, StatusCodeHttpResult> Serve(HttpContext context)
    {
        var (content, etag) = Script.Value;
        context.Response.Headers.CacheControl = "no-cache";
        if (context.Request.Headers.IfNoneMatch.ToString() == etag.Tag.ToString())
        {
            context.Response.Headers.ETag = etag.Tag.ToString();
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        return TypedResults.Bytes(content, "text/javascript; charset=utf-8", entityTag: etag);
    }

    private static (byte[], EntityTagHeaderValue) Load()
    {
        using var stream = typeof(ClientScript).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource '{ResourceName}' is missing.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var content = buffer.ToArray();
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content))[..16];
        return (content, new EntityTagHeaderValue("\"" + hash + "\""));
    }
}
