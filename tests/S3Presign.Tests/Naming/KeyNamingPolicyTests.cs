using S3Presign.Naming;

namespace S3Presign.Tests.Naming;

public sealed class KeyNamingPolicyTests
{
    private const string Id = "0123456789abcdef0123456789abcdef";

    [Theory]
    [InlineData("", "", "headcrab.png", Id + "-headcrab.png")]
    [InlineData("xen", "", "headcrab.png", "xen/" + Id + "-headcrab.png")]
    [InlineData("xen", "a/b", "headcrab.png", "xen/a/b/" + Id + "-headcrab.png")]
    [InlineData("", "a", "headcrab.png", "a/" + Id + "-headcrab.png")]
    public void UuidPolicy_PutsIdBeforeName(string prefix, string directory, string name, string expected) =>
        new UuidKeyNamingPolicy().CreateKey(new ObjectKeyContext(Id, prefix, directory, name)).Should().Be(expected);

    [Theory]
    [InlineData(32, "headcrab.png", "avatars/headcrab-" + Id + ".png")]
    [InlineData(8, "headcrab.png", "avatars/headcrab-01234567.png")]
    [InlineData(8, "README", "avatars/README-01234567")]
    [InlineData(8, "archive.tar.gz", "avatars/archive.tar-01234567.gz")]
    public void SuffixPolicy_PutsRandomPartBeforeExtension(int hexLength, string name, string expected) =>
        new SuffixKeyNamingPolicy(hexLength).CreateKey(new ObjectKeyContext(Id, "avatars", "", name)).Should().Be(expected);

    [Theory]
    [InlineData(7)]
    [InlineData(33)]
    public void SuffixPolicy_WithHexLengthOutOfRange_Throws(int hexLength) =>
        FluentActions.Invoking(() => new SuffixKeyNamingPolicy(hexLength)).Should().Throw<ArgumentOutOfRangeException>();
}
