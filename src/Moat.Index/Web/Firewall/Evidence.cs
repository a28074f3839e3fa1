using System.Buffers.Text;
using System.Text;

namespace Moat.Index.Web.Firewall;

/// <summary>
/// Decodes the encoded payload a finding's evidence often is (base64 or hex blobs handed to exec/eval), so a
/// reviewer reads what the package would have run. Only shown, never executed; bounded (evidence is a short
/// snippet already, and only the longest run is decoded); null when nothing decodes to mostly printable text.
/// </summary>
public static class Evidence
{
    public sealed record Decoded(string Encoding, string Text);

    private const int MinRun = 16;
    private const int MaxRun = 64 * 1024;

    public static Decoded? Decode(string? evidence)
    {
        if (string.IsNullOrEmpty(evidence)) return null;
        var run = LongestRun(evidence, c => char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=' or '-' or '_');
        if (run.Length < MinRun || run.Length > MaxRun) return null;
        if (run.All(char.IsAsciiHexDigit) && run.Length % 2 == 0 && Printable(Convert.FromHexString(run)) is { } hex) return new("hex", hex);
        // Evidence snippets are often cut short: decode the whole 4-character groups of an unpadded run.
        var base64 = run.Replace('+', '-').Replace('/', '_');
        if (!base64.EndsWith('=')) base64 = base64[..(base64.Length / 4 * 4)];
        if (!Base64Url.IsValid(base64)) return null;
        return Printable(Base64Url.DecodeFromChars(base64)) is { } text ? new("base64", text) : null;
    }

    private static string LongestRun(string s, Func<char, bool> inRun)
    {
        int bestStart = 0, bestLength = 0, start = 0;
        for (var i = 0; i <= s.Length; i++)
        {
            if (i < s.Length && inRun(s[i])) continue;
            if (i - start > bestLength) (bestStart, bestLength) = (start, i - start);
            start = i + 1;
        }
        return s.Substring(bestStart, bestLength);
    }

    /// <summary>The bytes as text when at least 90% of them are printable ASCII or whitespace (else it was not an encoded script).</summary>
    private static string? Printable(byte[] bytes)
    {
        if (bytes.Length == 0) return null;
        var printable = bytes.Count(b => b is >= 0x20 and < 0x7f or (byte)'\n' or (byte)'\r' or (byte)'\t');
        return printable * 10 >= bytes.Length * 9 ? Encoding.UTF8.GetString(bytes) : null;
    }
}
