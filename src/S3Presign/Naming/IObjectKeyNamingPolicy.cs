namespace S3Presign.Naming;

/// <summary>
/// Builds an object key from sanitized parts and the upload's random id. Replace it with
/// <c>builder.UseKeyNamingPolicy&lt;T&gt;()</c>; the result must keep the random id (or at least 122 bits of it),
/// stay within 1024 UTF-8 bytes and must not start with '/'. The issuer checks the last two.
/// </summary>
public interface IObjectKeyNamingPolicy
{
    /// <summary>Builds the key.</summary>
    /// <param name="context">The sanitized parts.</param>
    /// <returns>The object key.</returns>
    string CreateKey(in ObjectKeyContext context);
}

/// <summary>The parts an object key is built from; all already sanitized.</summary>
/// <param name="Id">The upload's random id: 32 lowercase hex characters (a version 4 UUID, 122 random bits).</param>
/// <param name="KeyPrefix">The configured prefix, or empty.</param>
/// <param name="Directory">The sanitized directory, or empty.</param>
/// <param name="FileName">The sanitized file name.</param>
public readonly record struct ObjectKeyContext(string Id, string KeyPrefix, string Directory, string FileName);
