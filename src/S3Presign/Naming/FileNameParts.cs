namespace S3Presign.Naming;

/// <summary>Splits a sanitized file name into base name and extension.</summary>
internal static class FileNameParts
{
    /// <summary>The longest extension kept as such, dot excluded.</summary>
    public const int MaxExtensionLength = 16;

    /// <summary>Returns the base name and the extension including its dot (empty when none).</summary>
    public static (string Name, string Extension) Split(string fileName)
    {
        var dot = fileName.LastIndexOf('.');
        if (dot <= 0 || dot == fileName.Length - 1 || fileName.Length - dot - 1 > MaxExtensionLength)
        {
            return (fileName, string.Empty);
        }

        for (var i = dot + 1; i < fileName.Length; i++)
        {
            if (!char.IsAsciiLetterOrDigit(fileName[i]))
            {
                return (fileName, string.Empty);
            }
        }

        return (fileName[..dot], fileName[dot..]);
    }
}
