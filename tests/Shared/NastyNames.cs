namespace S3Presign.Tests.Shared;

/// <summary>File names clients have been seen to send, or attackers would: each must give a safe key or a clear refusal.</summary>
public static class NastyNames
{
    /// <summary>Names that must be accepted, sanitized into something safe.</summary>
    public static readonly string[] Accepted =
    [
        "../../etc/passwd",
        "..\\..\\windows\\system32\\config",
        "/etc/shadow",
        "C:\\Users\\me\\photo.png",
        "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "..%2F..%2Fsecret.txt",
        "name\0with-nul.png",
        "tab\there\nnewline\r.txt",
        "evil\u202Egnp.exe",
        "bidi\u2066isolate\u2069.pdf",
        "zero\u200Bwidth\u200D.png",
        "Résumé (final).pdf",
        "Re\u0301sume\u0301.pdf",
        "日本語のファイル.txt",
        "emoji 🎉🚀 party.gif",
        "  leading and trailing spaces  .png",
        "many     spaces.png",
        ".htaccess",
        "...hidden...",
        "a?b#c&d=e+f%g.png",
        "quote\"and'apostrophe.png",
        "<script>alert(1)</script>.html",
        "CON.txt",
        "fullwidth／slash.png",
        new string('a', 2000) + ".png",
        new string('é', 1500) + ".jpeg",
        string.Concat(Enumerable.Repeat("🎉", 600)) + ".gif",
        "no-extension",
        "trailing.dot.",
        "archive.tar.gz",
    ];

    /// <summary>Names with nothing usable left: must be refused with <c>invalid_filename</c>.</summary>
    public static readonly string[] Refused =
    [
        "",
        "   ",
        "\t\n",
        "..",
        ".",
        "/",
        "\\\\",
        "\0\0",
        "\u202E\u202E",
        "...",
        "---",
    ];
}
