using System.Diagnostics.CodeAnalysis;

namespace S3Presign.Naming;

/// <summary>
/// Turns client-declared file names and directories into safe key parts. Replace it with
/// <c>builder.UseFileNameSanitizer&lt;T&gt;()</c>.
/// </summary>
public interface IFileNameSanitizer
{
    /// <summary>Sanitizes a file name.</summary>
    /// <param name="fileName">The name the client declared.</param>
    /// <param name="sanitized">The safe name: never empty, no path separators, control, format or bidi characters.</param>
    /// <returns><see langword="false"/> when nothing usable is left of the name.</returns>
    bool TrySanitizeFileName(string? fileName, [NotNullWhen(true)] out string? sanitized);

    /// <summary>Sanitizes a directory, segment by segment.</summary>
    /// <param name="directory">The directory the client asked for; <see langword="null"/> or empty for none.</param>
    /// <param name="sanitized">The safe directory without leading or trailing slash; empty for none.</param>
    /// <returns><see langword="false"/> when a segment is empty, <c>.</c> or <c>..</c>, or nothing usable is left of it.</returns>
    bool TrySanitizeDirectory(string? directory, [NotNullWhen(true)] out string? sanitized);
}
