using System.Globalization;
using System.Text;
using S3Presign.Naming;
using S3Presign.Tests.Shared;

namespace S3Presign.Tests.Naming;

public sealed class DefaultFileNameSanitizerTests
{
    private readonly DefaultFileNameSanitizer _sanitizer = new();

    public static TheoryData<string> AcceptedNames() => new(NastyNames.Accepted);

    public static TheoryData<string> RefusedNames() => new(NastyNames.Refused);

    [Theory]
    [MemberData(nameof(AcceptedNames))]
    public void SanitizeFileName_WithNastyName_GivesSafeName(string name)
    {
        _sanitizer.TrySanitizeFileName(name, out var safe).Should().BeTrue();

        safe.Should().NotBeNullOrEmpty();
        safe.Should().NotContainAny("/", "\\", "%", "?", "#", "\"", "<", ">");
        safe.Should().NotStartWith(".").And.NotStartWith("-");
        Encoding.UTF8.GetByteCount(safe!).Should().BeLessThanOrEqualTo(DefaultFileNameSanitizer.DefaultMaxFileNameBytes);
        safe!.IsNormalized(NormalizationForm.FormC).Should().BeTrue();
        safe.EnumerateRunes().Select(r => Rune.GetUnicodeCategory(r)).Should().NotContain(
            [UnicodeCategory.Control, UnicodeCategory.Format, UnicodeCategory.Surrogate, UnicodeCategory.SpaceSeparator]);
        _sanitizer.TrySanitizeFileName(safe, out var again).Should().BeTrue();
        again.Should().Be(safe, "sanitizing is idempotent");
    }

    [Theory]
    [MemberData(nameof(RefusedNames))]
    public void SanitizeFileName_WithNothingUsable_Refuses(string name) =>
        _sanitizer.TrySanitizeFileName(name, out _).Should().BeFalse();

    [Fact]
    public void SanitizeFileName_WithNull_Refuses() =>
        _sanitizer.TrySanitizeFileName(null, out _).Should().BeFalse();

    [Theory]
    [InlineData("Résumé (final).pdf", "Résumé-(final).pdf")]
    [InlineData("../../etc/passwd", "etcpasswd")]
    [InlineData("..\\..\\windows\\system32\\config", "windowssystem32config")]
    [InlineData("evil\u202Egnp.exe", "evilgnp.exe")]
    [InlineData("name\0with-nul.png", "namewith-nul.png")]
    [InlineData("emoji 🎉🚀 party.gif", "emoji-🎉🚀-party.gif")]
    [InlineData("a?b#c&d=e+f%g.png", "a-b-c-d-e-f-g.png")]
    [InlineData("many     spaces.png", "many-spaces.png")]
    [InlineData("  padded  .png", "padded.png")]
    [InlineData(".htaccess", "htaccess")]
    [InlineData("archive.tar.gz", "archive.tar.gz")]
    [InlineData("%2e%2e%2fetc%2fpasswd", "2e-2e-2fetc-2fpasswd")]
    [InlineData("日本語のファイル.txt", "日本語のファイル.txt")]
    [InlineData("fullwidth／slash.png", "fullwidth-slash.png")]
    [InlineData("trailing.dot.", "trailing.dot")]
    public void SanitizeFileName_KeepsReadableUnicodeAndReplacesTheRest(string name, string expected)
    {
        _sanitizer.TrySanitizeFileName(name, out var safe).Should().BeTrue();
        safe.Should().Be(expected);
    }

    [Fact]
    public void SanitizeFileName_NfdAndNfc_GiveTheSameName()
    {
        var nfd = "Re\u0301sume\u0301.pdf";
        var nfc = "Résumé.pdf";
        nfd.Should().NotBe(nfc);

        _sanitizer.TrySanitizeFileName(nfd, out var a);
        _sanitizer.TrySanitizeFileName(nfc, out var b);

        a.Should().Be(b).And.Be("Résumé.pdf");
    }

    [Theory]
    [InlineData(2000, "a", ".png")]
    [InlineData(1500, "é", ".jpeg")]
    [InlineData(600, "🎉", ".gif")]
    public void SanitizeFileName_WhenTooLong_TruncatesOnCharacterBoundaryAndKeepsExtension(int count, string unit, string extension)
    {
        var name = string.Concat(Enumerable.Repeat(unit, count)) + extension;

        _sanitizer.TrySanitizeFileName(name, out var safe).Should().BeTrue();

        safe.Should().EndWith(extension);
        Encoding.UTF8.GetByteCount(safe!).Should().BeLessThanOrEqualTo(200).And.BeGreaterThan(200 - 8);
        safe!.EnumerateRunes().Should().NotContain(Rune.ReplacementChar, "no code point is cut in half");
    }

    [Fact]
    public void SanitizeFileName_WithLoneSurrogate_DropsIt()
    {
        _sanitizer.TrySanitizeFileName("bad\uD800half.png", out var safe).Should().BeTrue();
        safe.Should().Be("badhalf.png");
    }

    [Theory]
    [InlineData(null, "")]
    [InlineData("", "")]
    [InlineData("avatars", "avatars")]
    [InlineData("a b/ü", "a-b/ü")]
    [InlineData("a\\b", "a/b")]
    [InlineData("2026/11/21", "2026/11/21")]
    [InlineData("%2e%2e/ok", "2e-2e/ok")]
    public void SanitizeDirectory_SanitizesEachSegment(string? directory, string expected)
    {
        _sanitizer.TrySanitizeDirectory(directory, out var safe).Should().BeTrue();
        safe.Should().Be(expected);
    }

    [Theory]
    [InlineData("..")]
    [InlineData("../x")]
    [InlineData("a/../b")]
    [InlineData("./a")]
    [InlineData("a/.")]
    [InlineData("a//b")]
    [InlineData("/abs")]
    [InlineData("trailing/")]
    [InlineData("a/ /b")]
    [InlineData("a/\u202E/b")]
    [InlineData("..\\x")]
    [InlineData("1/2/3/4/5/6/7/8/9")]
    public void SanitizeDirectory_WithTraversalOrEmptySegments_Refuses(string directory) =>
        _sanitizer.TrySanitizeDirectory(directory, out _).Should().BeFalse();

    [Fact]
    public void Constructor_WithLimitOutOfRange_Throws()
    {
        FluentActions.Invoking(() => new DefaultFileNameSanitizer(8)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => new DefaultFileNameSanitizer(1000)).Should().Throw<ArgumentOutOfRangeException>();
    }
}
