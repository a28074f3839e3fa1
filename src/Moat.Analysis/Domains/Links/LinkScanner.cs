using System.Text;
using System.Text.RegularExpressions;
using Moat.Analysis.Domains.Checking;

namespace Moat.Analysis.Domains.Links;

/// <summary>What <c>moat links</c> checks against, and whether defanged links (<c>hxxp</c>, <c>[.]</c>) count.</summary>
public sealed record LinkScanOptions(LookalikeIndex Index, bool Refang = true)
{
    public static LinkScanOptions Default { get; } = new(LookalikeIndex.Default);
}

/// <summary>
/// <c>moat links</c>: every URL and domain in a text, HTML page or mail message, each judged against the protected
/// domains; one result per distinct link (<c>kind: url</c> or <c>domain</c>) and, for a message that presses for
/// action, one for the message itself (<c>kind: file</c>).
/// </summary>
public static partial class LinkScanner
{
    private const int MaxTargetLength = 512;
    private static readonly string[] SenderHeaders = ["From", "Reply-To", "Sender", "Return-Path"];

    [GeneratedRegex(@"@(?<host>[\p{L}\p{N}.-]+)")]
    private static partial Regex AddressDomain();

    [GeneratedRegex(@"<(?:script|style)\b.*?</(?:script|style)\s*>|<[^>]*>", RegexOptions.IgnoreCase | RegexOptions.Singleline, matchTimeoutMilliseconds: 2000)]
    private static partial Regex Markup();

    /// <summary>One link with where it was first seen.</summary>
    private sealed record Occurrence(ExtractedLink Link, string Where);

    /// <summary>Checks a URL or a host given on the command line. Throws <see cref="ArgumentException"/> when it is neither.</summary>
    public static ScanResult ScanTarget(string target, LinkScanOptions options)
    {
        var text = options.Refang ? Refang.Apply(target.Trim()) : target.Trim();
        var isUrl = text.Contains("://", StringComparison.Ordinal) || text.StartsWith("www.", StringComparison.OrdinalIgnoreCase);
        var host = isUrl ? LinkExtractor.HostOf(text) : text;
        if (host is null || !HostName.TryNormalize(host, out _)) throw new ArgumentException($"'{target}' is neither a URL nor a domain name");
        var link = new ExtractedLink(text, host, isUrl, 0, LinkSource.Text);
        return Judge(new Occurrence(link, ""), options, new Dictionary<string, LookalikeMatch?>());
    }

    /// <summary>Checks every link in a document: a mail message (.eml, or anything that starts like one), HTML, or text.</summary>
    public static IReadOnlyList<ScanResult> ScanDocument(byte[] content, string path, LinkScanOptions options)
    {
        var occurrences = new List<Occurrence>();
        var prose = new StringBuilder();
        var isMessage = path.EndsWith(".eml", StringComparison.OrdinalIgnoreCase) || MimeMessage.LooksLikeMessage(content);
        if (isMessage)
        {
            var message = MimeMessage.Parse(content);
            prose.AppendLine(message.Header("Subject"));
            foreach (var name in SenderHeaders)
            {
                foreach (var (header, value) in message.Headers.Where(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)))
                {
                    foreach (Match address in AddressDomain().Matches(value))
                    {
                        var host = address.Groups["host"].Value.TrimEnd('.');
                        if (HostName.TryNormalize(host, out _)) occurrences.Add(new(new ExtractedLink(host, host, false, 0, LinkSource.Header), $"{path} ({header} header)"));
                    }
                }
            }
            foreach (var part in message.TextParts)
            {
                var where = message.TextParts.Count == 1 ? path : $"{path} (part {part.Number}, {part.ContentType})";
                AddLinks(part.Text, part.ContentType == "text/html", where, options, occurrences, prose);
            }
        }
        else
        {
            var text = Decode(content);
            var isHtml = path.EndsWith(".html", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".htm", StringComparison.OrdinalIgnoreCase)
                || text.Contains("<a ", StringComparison.OrdinalIgnoreCase) || text.Contains("<html", StringComparison.OrdinalIgnoreCase);
            AddLinks(text, isHtml, path, options, occurrences, prose);
        }

        // One result per distinct link; a mismatch seen at any occurrence is kept.
        var cache = new Dictionary<string, LookalikeMatch?>(StringComparer.Ordinal);
        var results = new List<ScanResult>();
        foreach (var group in occurrences.GroupBy(o => o.Link.Text, StringComparer.Ordinal))
        {
            var first = group.First();
            var mismatch = group.FirstOrDefault(o => o.Link.ShownHost is not null);
            results.Add(Judge(mismatch ?? first, options, cache));
        }

        var urgency = UrgencyLanguage.Find(prose.ToString());
        if (urgency.Count > 0) results.Insert(0, JudgeMessage(path, urgency, results));
        return results;
    }

    private static void AddLinks(string text, bool isHtml, string where, LinkScanOptions options, List<Occurrence> occurrences, StringBuilder prose)
    {
        if (isHtml)
        {
            foreach (var link in HtmlLinks.Extract(text, refang: options.Refang)) occurrences.Add(new(link, where));
            try
            {
                prose.AppendLine(System.Net.WebUtility.HtmlDecode(Markup().Replace(text, " ")));
            }
            catch (RegexMatchTimeoutException)
            {
                prose.AppendLine(text);
            }
        }
        else
        {
            var live = options.Refang ? Refang.Apply(text) : text;
            foreach (var link in LinkExtractor.FromText(live)) occurrences.Add(new(link, where));
            prose.AppendLine(live);
        }
    }

    private static ScanResult Judge(Occurrence occurrence, LinkScanOptions options, Dictionary<string, LookalikeMatch?> cache)
    {
        var link = occurrence.Link;
        var findings = new List<Finding>();
        var location = new Location(occurrence.Where.Length == 0 ? null : occurrence.Where, link.Line);
        HostName.TryNormalize(link.Host, out var host);
        if (host.Ascii is not null)
        {
            if (!cache.TryGetValue(host.Ascii, out var match)) cache[host.Ascii] = match = options.Index.Check(host);
            if (match is not null) findings.Add(DomainRules.ForMatch(match, location, Evidence(link)));
        }
        if (link.ShownHost is { } shown)
        {
            var shownIsProtected = HostName.TryNormalize(shown, out var shownHost) && options.Index.IsProtected(shownHost.Ascii);
            var rule = DomainRules.LinkTextMismatch;
            findings.Add(new Finding(rule.Id, rule.Severity, shownIsProtected ? Confidence.High : Confidence.Medium,
                $"link shows {shown} but goes to {link.Host}", location, Evidence(link)));
        }
        var target = link.Text.Length > MaxTargetLength ? link.Text[..MaxTargetLength] + "…" : link.Text;
        return ScanResult.From(target, link.IsUrl ? TargetKind.Url : TargetKind.Domain, findings);
    }

    private static ScanResult JudgeMessage(string path, IReadOnlyList<string> urgency, List<ScanResult> links)
    {
        var findings = new List<Finding>
        {
            new(DomainRules.Urgency.Id, DomainRules.Urgency.Severity, urgency.Count >= 2 ? Confidence.Medium : Confidence.Low,
                $"urgency language: {string.Join("; ", urgency.Take(3).Select(p => $"'{p}'"))}", new Location(path), string.Join("\n", urgency)),
        };
        var bait = links.Where(r => r.Findings.Any(f => f.Severity >= Severity.High && (f.RuleId.StartsWith("MOAT-DOMAIN-", StringComparison.Ordinal)
            || (f.RuleId == DomainRules.LinkTextMismatch.Id && f.Confidence == Confidence.High)))).Select(r => r.Target).ToList();
        if (bait.Count > 0)
        {
            var rule = DomainRules.PhishingMessage;
            findings.Add(new Finding(rule.Id, rule.Severity, Confidence.High,
                $"presses for action and links to {string.Join(", ", bait.Take(3))}{(bait.Count > 3 ? $" and {bait.Count - 3} more" : "")}",
                new Location(path), string.Join("\n", bait.Take(6))));
        }
        return ScanResult.From(path, TargetKind.File, findings);
    }

    private static string Evidence(ExtractedLink link) => link.Source switch
    {
        LinkSource.Header => $"sender address @{link.Host}",
        _ when link.ShownHost is not null => $"href={link.Text} shown as {link.ShownHost}",
        _ => link.Text.Length > 200 ? link.Text[..200] + "…" : link.Text,
    };

    /// <summary>UTF-8 (with or without BOM), UTF-16 with a BOM; invalid UTF-8 falls back to Latin-1 rather than losing hosts.</summary>
    private static string Decode(byte[] content)
    {
        if (content.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || content.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            using var reader = new StreamReader(new MemoryStream(content), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            return reader.ReadToEnd();
        }
        var body = content.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? content.AsSpan(3) : content.AsSpan();
        return System.Text.Unicode.Utf8.IsValid(body) ? Encoding.UTF8.GetString(body) : Encoding.Latin1.GetString(body);
    }
}
