namespace S3Presign.Issuing;

/// <summary>How a declared size is cut into parts: at most 10,000 parts of at least 5 MiB (all but the last).</summary>
internal static class MultipartPlan
{
    public const int MaxParts = 10_000;
    public const long MinPartSize = 5L * 1024 * 1024;
    public const long MaxObjectSize = 5L * 1024 * 1024 * 1024 * 1024;
    private const long MiB = 1024 * 1024;

    public static (long PartSize, int PartCount) For(long size, long preferredPartSize)
    {
        var partSize = Math.Max(Math.Max(preferredPartSize, MinPartSize), (size + MaxParts - 1) / MaxParts);
        partSize = (partSize + MiB - 1) / MiB * MiB;
        var count = (int)Math.Max(1, (size + partSize - 1) / partSize);
        return (partSize, count);
    }
}
