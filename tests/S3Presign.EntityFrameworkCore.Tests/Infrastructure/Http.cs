using System.Net;
using System.Security.Cryptography;
using S3Presign.Issuing;

namespace S3Presign.EntityFrameworkCore.Tests.Infrastructure;

/// <summary>Uploads the way a client would: a plain HTTP PUT to the presigned URL.</summary>
public static class Http
{
    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(60) };

    public static byte[] Png(int size)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        byte[] signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        signature.CopyTo(bytes, 0);
        return bytes;
    }

    public static async Task<HttpStatusCode> PutAsync(IssuedUpload upload, byte[] body)
    {
        using var request = PresignedRequests.Put(upload.UploadUrl, upload.Headers, body);

        using var response = await Client.SendAsync(request);
        return response.StatusCode;
    }
}
