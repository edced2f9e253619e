namespace S3Presign.Naming;

/// <summary>
/// The default naming: <c>{KeyPrefix}/{directory}/{uuid}-{name}</c>, e.g. <c>xen/3f2a…9c-headcrab.png</c>.
/// Keys sort by nothing guessable and the original name stays readable at the end.
/// </summary>
public sealed class UuidKeyNamingPolicy : IObjectKeyNamingPolicy
{
    /// <inheritdoc />
    public string CreateKey(in ObjectKeyContext context) =>
        KeyParts.Join(context.KeyPrefix, context.Directory, string.Concat(context.Id, "-", context.FileName));
}

/// <summary>
/// The <c>{KeyPrefix}/{directory}/{base}-{hex}.{ext}</c> naming, e.g. <c>avatars/headcrab-3f2a…9c.png</c>:
/// the name first, the random part before the extension.
/// </summary>
/// <remarks>
/// The random part is the first <see cref="HexLength"/> characters of the upload id. The default, 32, keeps all
/// 122 random bits of the id (invariant I5). A shorter suffix such as 8 characters gives tidier keys but only
/// 32 random bits, so keys become guessable: choose it only for buckets whose objects are not secret.
/// </remarks>
public sealed class SuffixKeyNamingPolicy : IObjectKeyNamingPolicy
{
    /// <summary>Initializes a new instance of the <see cref="SuffixKeyNamingPolicy"/> class.</summary>
    /// <param name="hexLength">How many hex characters of the id to use, 8 to 32.</param>
    public SuffixKeyNamingPolicy(int hexLength = 32)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hexLength, 8);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hexLength, 32);
        HexLength = hexLength;
    }

    /// <summary>Gets how many hex characters of the id the key carries.</summary>
    public int HexLength { get; }

    /// <inheritdoc />
    public string CreateKey(in ObjectKeyContext context)
    {
        var (name, extension) = FileNameParts.Split(context.FileName);
        var random = context.Id.AsSpan(0, Math.Min(HexLength, context.Id.Length));
        var file = extension.Length == 0
            ? string.Concat(name, "-", random)
            : string.Concat(name, "-", random, extension);
        return KeyParts.Join(context.KeyPrefix, context.Directory, file);
    }
}

internal static class KeyParts
{
    public static string Join(string prefix, string directory, string file) =>
        (prefix.Length, directory.Length) switch
        {
            (0, 0) => file,
            (0, _) => string.Concat(directory, "/", file),
            (_, 0) => string.Concat(prefix, "/", file),
            _ => string.Concat(prefix, "/", directory, "/", file),
        };
}
