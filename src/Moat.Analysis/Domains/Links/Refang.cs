using System.Buffers;
using System.Text;

namespace Moat.Analysis.Domains.Links;

/// <summary>
/// Reads defanged indicators as live ones: <c>hxxps://pypj[.]org</c> → <c>https://pypj.org</c>. Threat reports and
/// forwarded phishing samples defang links so nobody clicks them; the checker still has to see them.
/// </summary>
public static class Refang
{
    private static readonly SearchValues<string> Markers = SearchValues.Create(
        ["hxxp", "[.]", "(.)", "{.}", "[dot]", "(dot)", "[:]", "[://]", "[at]", "[@]"], StringComparison.OrdinalIgnoreCase);

    private static readonly (string From, string To)[] Replacements =
    [
        ("[://]", "://"), ("hxxps", "https"), ("hxxp", "http"), ("[.]", "."), ("(.)", "."), ("{.}", "."),
        ("[dot]", "."), ("(dot)", "."), ("[:]", ":"), ("[at]", "@"), ("[@]", "@"),
    ];

    /// <summary>The text with defanged notation restored; the same instance when there is none (the usual case).</summary>
    public static string Apply(string text)
    {
        if (!text.AsSpan().ContainsAny(Markers)) return text;
        var builder = new StringBuilder(text);
        foreach (var (from, to) in Replacements) builder.Replace(from, to).Replace(from.ToUpperInvariant(), to);
        return builder.ToString();
    }
}
