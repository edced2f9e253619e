namespace S3Presign;

/// <summary>Media type parsing and matching (RFC 9110 tokens), allocation-free.</summary>
internal static class ContentTypes
{
    /// <summary>Returns the <c>type/subtype</c> part of a content type, without parameters or whitespace.</summary>
    public static ReadOnlySpan<char> Essence(ReadOnlySpan<char> contentType)
    {
        var semicolon = contentType.IndexOf(';');
        return (semicolon >= 0 ? contentType[..semicolon] : contentType).Trim();
    }

    /// <summary>Returns whether <paramref name="contentType"/> is a well-formed <c>type/subtype</c>, optionally with parameters.</summary>
    public static bool IsValid(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType) || contentType.Length > 255) return false;
        foreach (var c in contentType)
        {
            if (c < 0x20 || c > 0x7E) return false;
        }

        var essence = Essence(contentType);
        var slash = essence.IndexOf('/');
        return slash > 0 && IsToken(essence[..slash]) && IsToken(essence[(slash + 1)..]);
    }

    /// <summary>Returns whether <paramref name="pattern"/> is a media type or a <c>type/*</c> wildcard.</summary>
    public static bool IsValidPattern(string? pattern)
    {
        if (pattern is null) return false;
        if (pattern == "*/*") return true;
        if (pattern.EndsWith("/*", StringComparison.Ordinal))
        {
            return pattern.Length > 2 && IsToken(pattern.AsSpan(0, pattern.Length - 2));
        }

        return IsValid(pattern) && pattern.IndexOf(';', StringComparison.Ordinal) < 0;
    }

    /// <summary>Returns whether <paramref name="contentType"/> is allowed by one of <paramref name="patterns"/>
    /// (an empty list allows everything).</summary>
    public static bool IsAllowed(string contentType, IList<string> patterns)
    {
        if (patterns.Count == 0) return true;
        var essence = Essence(contentType);
        foreach (var pattern in patterns)
        {
            if (pattern == "*/*") return true;
            if (pattern.EndsWith("/*", StringComparison.Ordinal))
            {
                var prefix = pattern.AsSpan(0, pattern.Length - 1); // "image/"
                if (essence.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) return true;
            }
            else if (essence.Equals(pattern, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Compares two content types by their essence, case-insensitively.</summary>
    public static bool SameEssence(string? a, string? b) =>
        a is not null && b is not null && Essence(a).Equals(Essence(b), StringComparison.OrdinalIgnoreCase);

    private static bool IsToken(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty) return false;
        foreach (var c in value)
        {
            var ok = char.IsAsciiLetterOrDigit(c) || c is '!' or '#' or '$' or '&' or '-' or '^' or '_' or '.' or '+';
            if (!ok) return false;
        }

        return true;
    }
}
