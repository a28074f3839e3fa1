using System.Buffers;
using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace Moat.Analysis.Domains.Links;

/// <summary>Where a link was found.</summary>
public enum LinkSource { Text, Href, Src, Header }

/// <summary>
/// One link found in a text: the URL or bare domain as written (after refanging), its raw host, the 1-based line,
/// and for HTML links the host the link's visible text shows, when that differs from the href's.
/// </summary>
public sealed record ExtractedLink(string Text, string Host, bool IsUrl, int Line, LinkSource Source, string? ShownHost = null);

/// <summary>
/// Finds URLs (<c>https://…</c>, <c>www.…</c>) and bare domains (<c>pypi-support.net</c>, the domain of
/// <c>security@pypj.org</c>) in plain text, including Unicode and punycode hosts. Bare domains must end in a
/// letters-only top-level label and not in a file extension (<c>setup.py</c> is a file, not Paraguay).
/// </summary>
public static partial class LinkExtractor
{
    public const int MaxLinks = 10_000;

    [GeneratedRegex(@"\b(?:https?|ftp)://[^\s<>""'`{}|\\^\[\]]+|\bwww\.[^\s<>""'`{}|\\^\[\]]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UrlPattern();

    [GeneratedRegex(@"(?<![\p{L}\p{N}\p{M}._/-])(?:[\p{L}\p{N}](?:[\p{L}\p{N}\p{M}-]{0,61}[\p{L}\p{N}\p{M}])?[.．。])+(?:xn--[a-z0-9-]{1,59}|\p{L}{2,63})(?![\p{L}\p{N}\p{M}-]|\.[\p{L}\p{N}])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BareDomainPattern();

    /// <summary>Top-level labels that are far more often file extensions in prose than domains.</summary>
    private static readonly FrozenSet<string> FileExtensions = FrozenSet.Create(StringComparer.OrdinalIgnoreCase,
        "py", "pyc", "pyi", "pyx", "md", "rst", "txt", "sh", "rs", "pl", "cs", "so", "in", "js", "ts", "cfg", "ini", "toml",
        "yml", "yaml", "json", "html", "htm", "css", "exe", "zip", "gz", "tgz", "bz2", "xz", "whl", "egg", "lock", "log",
        "png", "jpg", "jpeg", "gif", "svg", "pdf", "doc", "docx", "xml", "csv", "bat", "ps1", "dll", "cpp", "hpp", "java",
        "go", "rb", "php", "tar", "env", "conf", "sql", "db", "bak", "tmp", "mov", "mp4", "eml", "msg", "jar", "apk");

    private static readonly SearchValues<char> DomainHint = SearchValues.Create(".．。");

    /// <summary>Every URL and bare domain in <paramref name="text"/>, in order, each with its line number.</summary>
    public static IReadOnlyList<ExtractedLink> FromText(string text, int firstLine = 1, LinkSource source = LinkSource.Text)
    {
        var links = new List<ExtractedLink>();
        if (text.AsSpan().IndexOfAny(DomainHint) < 0) return links;
        var lines = new LineIndex(text);
        var urlSpans = new List<(int Start, int End)>();

        foreach (Match match in UrlPattern().Matches(text))
        {
            var url = TrimTrailing(match.Value);
            urlSpans.Add((match.Index, match.Index + url.Length));
            if (HostOf(url) is { } host) links.Add(new ExtractedLink(url, host, true, firstLine + lines.LineOf(match.Index) - 1, source));
            if (links.Count >= MaxLinks) return links;
        }

        // Both match lists run left to right, so one cursor over the URL spans skips hosts already inside a URL.
        var cursor = 0;
        foreach (Match match in BareDomainPattern().Matches(text))
        {
            while (cursor < urlSpans.Count && urlSpans[cursor].End <= match.Index) cursor++;
            if (cursor < urlSpans.Count && match.Index >= urlSpans[cursor].Start) continue;
            var domain = match.Value;
            var tld = domain[(domain.LastIndexOfAny(['.', '．', '。']) + 1)..];
            if (FileExtensions.Contains(tld)) continue;
            if (!HostName.TryNormalize(domain, out _)) continue;
            links.Add(new ExtractedLink(domain, domain, false, firstLine + lines.LineOf(match.Index) - 1, source));
            if (links.Count >= MaxLinks) break;
        }
        links.Sort((a, b) => a.Line.CompareTo(b.Line));
        return links;
    }

    /// <summary>The host of a URL (<c>https://user@Host:443/path</c> → <c>Host</c>; <c>www.x.org/…</c> → <c>www.x.org</c>), or null.</summary>
    public static string? HostOf(string url)
    {
        var rest = url.AsSpan();
        var scheme = rest.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0) rest = rest[(scheme + 3)..];
        else if (rest.StartsWith("//", StringComparison.Ordinal)) rest = rest[2..];
        var end = rest.IndexOfAny("/?#\\");
        if (end >= 0) rest = rest[..end];
        var at = rest.LastIndexOf('@');
        if (at >= 0) rest = rest[(at + 1)..];
        if (rest.StartsWith("[")) return null; // IPv6 literal
        var colon = rest.LastIndexOf(':');
        if (colon >= 0) rest = rest[..colon];
        rest = rest.TrimEnd('.');
        return rest.IsEmpty ? null : rest.ToString();
    }

    /// <summary>Sentence punctuation and closing brackets after a URL are not part of it.</summary>
    private static string TrimTrailing(string url)
    {
        var end = url.Length;
        while (end > 0 && url[end - 1] is '.' or ',' or ';' or ':' or '!' or '?' or ')' or '>' or '*' or '_') end--;
        return url[..end];
    }

    /// <summary>Line numbers by binary search over newline offsets, built once per text.</summary>
    private sealed class LineIndex
    {
        private readonly List<int> _starts = [0];

        public LineIndex(string text)
        {
            for (var i = text.IndexOf('\n'); i >= 0; i = text.IndexOf('\n', i + 1)) _starts.Add(i + 1);
        }

        public int LineOf(int offset)
        {
            var index = _starts.BinarySearch(offset);
            return (index >= 0 ? index : ~index - 1) + 1;
        }
    }
}
