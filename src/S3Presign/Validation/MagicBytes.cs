namespace S3Presign.Validation;

/// <summary>Signatures of common formats, checked against the declared content type.</summary>
internal static class MagicBytes
{
    /// <summary>How many leading bytes sniffing needs.</summary>
    public const int PrefixLength = 16;

    private static ReadOnlySpan<byte> Png => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>
    /// Returns <see langword="false"/> when the declared type is one we know a signature of and the bytes do not carry
    /// it; <see langword="true"/> otherwise (unknown types are not judged).
    /// </summary>
    public static bool AgreesWith(string contentType, ReadOnlySpan<byte> head)
    {
        var essence = ContentTypes.Essence(contentType).ToString().ToLowerInvariant();
        return essence switch
        {
            "image/png" or "image/apng" => head.StartsWith(Png),
            "image/jpeg" or "image/jpg" or "image/pjpeg" => head.Length >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF,
            "image/gif" => head.StartsWith("GIF87a"u8) || head.StartsWith("GIF89a"u8),
            "image/webp" => head.Length >= 12 && head.StartsWith("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8),
            "application/pdf" => head.StartsWith("%PDF-"u8),
            "application/zip" or "application/x-zip-compressed"
                or "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                or "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                or "application/vnd.openxmlformats-officedocument.presentationml.presentation"
                or "application/epub+zip" =>
                head.StartsWith("PK\x03\x04"u8) || head.StartsWith("PK\x05\x06"u8) || head.StartsWith("PK\x07\x08"u8),
            _ => true,
        };
    }
}
