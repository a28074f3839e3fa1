using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Ganss.Xss;
using Markdig;

namespace Moat.Index.Web.Browse;

/// <summary>
/// Project descriptions as safe HTML. Markdown goes through Markdig with raw HTML disabled (a <c>&lt;script&gt;</c> in
/// a description becomes visible text, never markup), then through HtmlSanitizer (which also drops
/// <c>javascript:</c> links and event attributes Markdown could still produce). Anything else (reStructuredText,
/// plain text) is shown as escaped preformatted text by the page. Rendered HTML is cached per metadata blob: a
/// description never changes for a content hash.
/// </summary>
public static partial class Descriptions
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().DisableHtml().UseAutoLinks().UsePipeTables().UseEmphasisExtras().Build();
    private static readonly HtmlSanitizer Sanitizer = NewSanitizer();
    private static readonly ConcurrentDictionary<string, string> Cache = new(StringComparer.Ordinal);
    private const int CacheLimit = 512;

    /// <summary>Longest description rendered (a hostile 100 MB description must not tie up a request).</summary>
    public const int MaxLength = 512 * 1024;

    public static bool IsMarkdown(string? contentType) =>
        contentType is not null && contentType.TrimStart().StartsWith("text/markdown", StringComparison.OrdinalIgnoreCase);

    /// <summary>Sanitized HTML for Markdown <paramref name="markdown"/>; <paramref name="cacheKey"/> (the metadata sha256) when cacheable.</summary>
    public static string MarkdownToSafeHtml(string markdown, string? cacheKey = null)
    {
        if (cacheKey is not null && Cache.TryGetValue(cacheKey, out var cached)) return cached;
        if (markdown.Length > MaxLength) markdown = markdown[..MaxLength];
        var html = DemoteHeadings(Sanitizer.Sanitize(Markdown.ToHtml(markdown, Pipeline)));
        if (cacheKey is not null)
        {
            if (Cache.Count >= CacheLimit) Cache.Clear(); // crude bound; re-rendering is cheap compared to unbounded memory
            Cache[cacheKey] = html;
        }
        return html;
    }

    /// <summary>The description sits under the page's h1 and "Description" h2: its own headings start at h3 (keeps the outline in order).</summary>
    internal static string DemoteHeadings(string html) =>
        HeadingTag().Replace(html, m => $"<{m.Groups[1].Value}h{Math.Min(6, m.Groups[2].Value[0] - '0' + 2)}");

    [GeneratedRegex(@"<(/?)h([1-6])(?=[\s>])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HeadingTag();

    private static HtmlSanitizer NewSanitizer()
    {
        var sanitizer = new HtmlSanitizer();
        sanitizer.AllowedSchemes.Clear();
        foreach (var scheme in new[] { "http", "https", "mailto" }) sanitizer.AllowedSchemes.Add(scheme);
        sanitizer.AllowedAttributes.Remove("style");
        sanitizer.AllowedTags.Remove("form");
        sanitizer.AllowDataAttributes = false;
        return sanitizer;
    }
}
