using System.Security.Cryptography;

namespace S3Presign.IntegrationTests.Infrastructure;

public static class Files
{
    public static byte[] Png(int size = 256)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        byte[] signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        signature.CopyTo(bytes, 0);
        return bytes;
    }

    public static byte[] Text(int size = 256) =>
        System.Text.Encoding.ASCII.GetBytes(new string('a', size));

    public static string Sha256(byte[] bytes) => Convert.ToBase64String(SHA256.HashData(bytes));

    public static string Md5(byte[] bytes) => Convert.ToBase64String(MD5.HashData(bytes));
}
