using System.Net;
using System.Text.RegularExpressions;

namespace Moat.Analysis.Domains.Links;

/// <summary>
/// Links in HTML: every <c>href</c>, <c>src</c> and <c>action</c>, the visible text of each <c>&lt;a&gt;</c> (when it
/// shows a host on another registrable domain than the href goes to, the link says so), and URLs in the text.
/// Regular expressions, not a DOM: mail HTML is malformed as often as not, and only attributes and text matter here.
/// </summary>
public static partial class HtmlLinks
{
    [GeneratedRegex(@"<a\b(?<attrs>[^>]*)>(?<text>.*?)</a\s*>", RegexOptions.IgnoreCase | RegexOptions.Singleline | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 2000)]
    private static partial Regex Anchor();

    [GeneratedRegex(@"\b(?<name>href|src|action)\s*=\s*(?:""(?<value>[^""]*)""|'(?<value>[^']*)'|(?<value>[^\s>""']+))", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UrlAttribute();

    [GeneratedRegex(@"<(?:script|style)\b.*?</(?:script|style)\s*>|<!--.*?-->", RegexOptions.IgnoreCase | RegexOptions.Singleline | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 2000)]
    private static partial Regex Invisible();

    [GeneratedRegex(@"<[^>]*>")]
    private static partial Regex Tag();

    public static IReadOnlyList<ExtractedLink> Extract(string html, int firstLine = 1, bool refang = true)
    {
        var links = new List<ExtractedLink>();
        var lineStarts = LineStarts(html);
        int LineOf(int offset) => firstLine + Math.Max(0, lineStarts.BinarySearch(offset) is var i && i >= 0 ? i : ~i - 1);

        var anchoredAt = new HashSet<int>();
        try
        {
            foreach (Match anchor in Anchor().Matches(html))
            {
                var href = UrlAttribute().Matches(anchor.Groups["attrs"].Value).FirstOrDefault(m => m.Groups["name"].Value.Equals("href", StringComparison.OrdinalIgnoreCase));
                if (href is null) continue;
                var target = Decode(href.Groups["value"].Value, refang);
                if (LinkExtractor.HostOf(target) is not { } host || !IsWebUrl(target)) continue;
                anchoredAt.Add(anchor.Groups["attrs"].Index + href.Index);
                var shown = Decode(Tag().Replace(anchor.Groups["text"].Value, " "), refang);
                var shownHost = LinkExtractor.FromText(shown).Select(l => l.Host).FirstOrDefault();
                links.Add(new ExtractedLink(target, host, true, LineOf(anchor.Index), LinkSource.Href,
                    shownHost is not null && !SameRegistrable(shownHost, host) ? shownHost : null));
                if (links.Count >= LinkExtractor.MaxLinks) return links;
            }

            foreach (Match attribute in UrlAttribute().Matches(html))
            {
                if (anchoredAt.Contains(attribute.Index)) continue;
                var value = Decode(attribute.Groups["value"].Value, refang);
                if (!IsWebUrl(value) || LinkExtractor.HostOf(value) is not { } host) continue;
                var source = attribute.Groups["name"].Value.Equals("src", StringComparison.OrdinalIgnoreCase) ? LinkSource.Src : LinkSource.Href;
                links.Add(new ExtractedLink(value, host, true, LineOf(attribute.Index), source));
            }

            // Visible text, tags blanked out in place so line numbers hold.
            var text = Tag().Replace(Invisible().Replace(html, m => Blank(m.Value)), m => Blank(m.Value));
            links.AddRange(LinkExtractor.FromText(Decode(text, refang), firstLine));
        }
        catch (RegexMatchTimeoutException)
        {
            // Pathological markup: keep what was found.
        }
        links.Sort((a, b) => a.Line.CompareTo(b.Line));
        return links;
    }

    private static bool IsWebUrl(string value) =>
        value.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("https://", StringComparison.OrdinalIgnoreCase) ||
        value.StartsWith("//", StringComparison.Ordinal);

    private static string Decode(string value, bool refang)
    {
        var decoded = WebUtility.HtmlDecode(value).Trim();
        return refang ? Refang.Apply(decoded) : decoded;
    }

    /// <summary>Same registrable domain: <c>www.pypi.org</c> shown for <c>pypi.org</c> is no mismatch.</summary>
    internal static bool SameRegistrable(string a, string b)
    {
        if (!HostName.TryNormalize(a, out var x) || !HostName.TryNormalize(b, out var y)) return string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
        return PublicSuffixes.Split(x.Ascii).Registrable == PublicSuffixes.Split(y.Ascii).Registrable;
    }

    /// <summary>Keeps the newlines of removed markup so line numbers still point into the source.</summary>
    private static string Blank(string markup) => new(markup.Select(c => c == '\n' ? '\n' : ' ').ToArray());

    private static List<int> LineStarts(string text)
    {
        var starts = new List<int> { 0 };
        for (var i = text.IndexOf('\n'); i >= 0; i = text.IndexOf('\n', i + 1)) starts.Add(i + 1);
        return starts;
    }
}
