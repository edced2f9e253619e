using System.Buffers;
using System.Globalization;
using System.Text;

namespace S3Presign.Signing;

/// <summary>
/// A growable character buffer that starts on the stack and rents from <see cref="ArrayPool{T}"/> when it outgrows
/// it, so building a URL or a canonical request allocates nothing but the final string.
/// </summary>
internal ref struct CharBuffer
{
    private const string Hex = "0123456789ABCDEF";

    private Span<char> _chars;
    private char[]? _rented;
    private int _length;

    public CharBuffer(Span<char> initial)
    {
        _chars = initial;
        _rented = null;
        _length = 0;
    }

    public readonly int Length => _length;

    public readonly ReadOnlySpan<char> Written => _chars[.._length];

    public void Append(char c)
    {
        if (_length == _chars.Length)
        {
            Grow(1);
        }

        _chars[_length++] = c;
    }

    public void Append(scoped ReadOnlySpan<char> text)
    {
        if (_length + text.Length > _chars.Length)
        {
            Grow(text.Length);
        }

        text.CopyTo(_chars[_length..]);
        _length += text.Length;
    }

    public void Append(long value)
    {
        Span<char> digits = stackalloc char[20];
        value.TryFormat(digits, out var written, default, CultureInfo.InvariantCulture);
        Append(digits[..written]);
    }

    public void AppendLowerHex(scoped ReadOnlySpan<byte> bytes)
    {
        if (_length + (bytes.Length * 2) > _chars.Length)
        {
            Grow(bytes.Length * 2);
        }

        Convert.TryToHexStringLower(bytes, _chars[_length..], out var written);
        _length += written;
    }

    /// <summary>
    /// Appends <paramref name="text"/> URI-encoded the way S3 (and AWSSDK) do: every byte of its UTF-8 form except
    /// <c>A-Z a-z 0-9 - _ . ~</c> (and <c>/</c> when <paramref name="keepSlash"/>) becomes <c>%XX</c>.
    /// </summary>
    /// <returns><see langword="false"/> when the text is not valid UTF-16 (a lone surrogate).</returns>
    public bool AppendUriEncoded(scoped ReadOnlySpan<char> text, bool keepSlash)
    {
        Span<byte> utf8 = stackalloc byte[4];
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~' || (keepSlash && c == '/'))
            {
                Append(c);
                i++;
                continue;
            }

            if (c < 0x80)
            {
                AppendPercent((byte)c);
                i++;
                continue;
            }

            if (Rune.DecodeFromUtf16(text[i..], out var rune, out var consumed) != OperationStatus.Done)
            {
                return false;
            }

            var count = rune.EncodeToUtf8(utf8);
            for (var b = 0; b < count; b++)
            {
                AppendPercent(utf8[b]);
            }

            i += consumed;
        }

        return true;
    }

    public readonly override string ToString() => new(_chars[.._length]);

    public void Dispose()
    {
        if (_rented is { } rented)
        {
            _rented = null;
            ArrayPool<char>.Shared.Return(rented);
        }
    }

    private void AppendPercent(byte value)
    {
        if (_length + 3 > _chars.Length)
        {
            Grow(3);
        }

        _chars[_length] = '%';
        _chars[_length + 1] = Hex[value >> 4];
        _chars[_length + 2] = Hex[value & 0xF];
        _length += 3;
    }

    private void Grow(int needed)
    {
        var next = ArrayPool<char>.Shared.Rent(Math.Max(_chars.Length * 2, _length + needed));
        _chars[.._length].CopyTo(next);
        if (_rented is { } old)
        {
            ArrayPool<char>.Shared.Return(old);
        }

        _rented = next;
        _chars = next;
    }
}
