using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace S3Presign.Naming;

/// <summary>
/// The default <see cref="IFileNameSanitizer"/>: keeps readable Unicode (normalized to NFC), turns whitespace into
/// <c>-</c>, drops control, format (including bidi overrides) and unassigned characters and path separators,
/// replaces other punctuation and symbols that need escaping with <c>-</c>, and truncates long names on a
/// character boundary while keeping the extension.
/// </summary>
public sealed class DefaultFileNameSanitizer : IFileNameSanitizer
{
    /// <summary>The default limit of a sanitized file name, in UTF-8 bytes.</summary>
    public const int DefaultMaxFileNameBytes = 200;

    /// <summary>The limit of one sanitized directory segment, in UTF-8 bytes.</summary>
    public const int MaxSegmentBytes = 64;

    /// <summary>The most directory segments accepted.</summary>
    public const int MaxSegments = 8;

    /// <summary>Initializes a new instance of the <see cref="DefaultFileNameSanitizer"/> class.</summary>
    /// <param name="maxFileNameBytes">The limit of a sanitized file name in UTF-8 bytes, 16 to 512.</param>
    public DefaultFileNameSanitizer(int maxFileNameBytes = DefaultMaxFileNameBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFileNameBytes, 16);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxFileNameBytes, 512);
        MaxFileNameBytes = maxFileNameBytes;
    }

    /// <summary>Gets the limit of a sanitized file name, in UTF-8 bytes.</summary>
    public int MaxFileNameBytes { get; }

    /// <inheritdoc />
    public bool TrySanitizeFileName(string? fileName, [NotNullWhen(true)] out string? sanitized)
    {
        sanitized = null;
        var cleaned = Clean(fileName);
        if (cleaned.Length == 0)
        {
            return false;
        }

        var (name, extension) = FileNameParts.Split(cleaned);
        var budget = MaxFileNameBytes - Encoding.UTF8.GetByteCount(extension);
        name = TrimEdges(Truncate(name, budget));
        if (name.Length == 0)
        {
            // Nothing but an extension-looking tail: keep it as the name.
            name = TrimEdges(Truncate(extension.TrimStart('.'), MaxFileNameBytes));
            extension = string.Empty;
        }

        if (name.Length == 0)
        {
            return false;
        }

        sanitized = name + extension;
        return true;
    }

    /// <inheritdoc />
    public bool TrySanitizeDirectory(string? directory, [NotNullWhen(true)] out string? sanitized)
    {
        sanitized = null;
        if (string.IsNullOrEmpty(directory))
        {
            sanitized = string.Empty;
            return true;
        }

        var segments = directory.Split('/', '\\');
        if (segments.Length > MaxSegments)
        {
            return false;
        }

        var builder = new StringBuilder(directory.Length);
        foreach (var segment in segments)
        {
            var trimmed = segment.Trim();
            if (trimmed.Length == 0 || trimmed is "." or "..")
            {
                return false;
            }

            var cleaned = TrimEdges(Truncate(Clean(trimmed), MaxSegmentBytes));
            if (cleaned.Length == 0)
            {
                return false;
            }

            if (builder.Length > 0)
            {
                builder.Append('/');
            }

            builder.Append(cleaned);
        }

        sanitized = builder.ToString();
        return true;
    }

    /// <summary>Normalizes and filters the characters, collapses dashes, trims the edges.</summary>
    private static string Clean(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return string.Empty;
        }

        // Lone surrogates make string.Normalize throw; drop them first.
        var builder = new StringBuilder(value.Length);
        var span = value.AsSpan();
        while (!span.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(span, out var rune, out var consumed) == System.Buffers.OperationStatus.Done)
            {
                builder.Append(span[..consumed]);
            }

            span = span[consumed..];
        }

        var normalized = builder.ToString().Normalize(NormalizationForm.FormC);
        builder.Clear();
        var lastWasDash = false;
        foreach (var rune in normalized.EnumerateRunes())
        {
            switch (Classify(rune))
            {
                case Action.Keep:
                    builder.Append(rune.ToString());
                    lastWasDash = rune.Value == '-';
                    break;
                case Action.Dash:
                    if (!lastWasDash)
                    {
                        builder.Append('-');
                        lastWasDash = true;
                    }

                    break;
                case Action.Drop:
                    break;
            }
        }

        return TrimEdges(builder.ToString());
    }

    private static Action Classify(Rune rune)
    {
        var value = rune.Value;
        if (value is '/' or '\\')
        {
            return Action.Drop;
        }

        if (Rune.IsWhiteSpace(rune))
        {
            return Action.Dash;
        }

        if (value is '-' or '_' or '.' or '(' or ')')
        {
            return Action.Keep;
        }

        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
                or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned
                or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator => Action.Drop,
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
                or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
                or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber
                or UnicodeCategory.OtherSymbol => value == 0xFFFD ? Action.Drop : Action.Keep,
            _ => Action.Dash, // punctuation, math and currency symbols: characters S3 docs say to avoid or escape
        };
    }

    /// <summary>Cuts <paramref name="value"/> to at most <paramref name="maxBytes"/> UTF-8 bytes on a text element boundary.</summary>
    private static string Truncate(string value, int maxBytes)
    {
        if (maxBytes <= 0)
        {
            return string.Empty;
        }

        if (Encoding.UTF8.GetByteCount(value) <= maxBytes)
        {
            return value;
        }

        var bytes = 0;
        var end = 0;
        var elements = StringInfo.GetTextElementEnumerator(value);
        while (elements.MoveNext())
        {
            var element = (string)elements.Current;
            var size = Encoding.UTF8.GetByteCount(element);
            if (bytes + size > maxBytes)
            {
                break;
            }

            bytes += size;
            end += element.Length;
        }

        return value[..end];
    }

    private static string TrimEdges(string value) => value.Trim('-', '.', '_', ' ');

    private enum Action
    {
        Keep,
        Dash,
        Drop,
    }
}
