using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Ganss.Xss;
using Markdig;

namespace Moat.Index.Web.Browse;

/// <summary>
/// Project descriptions as safe HTML, as pypi.org renders them: Markdown through Markdig (its HTML kept, as READMEs
/// use it for layout), reStructuredText (also when no content type is given, PyPI's default) through
/// <see cref="ReStructuredText"/>, then both through HtmlSanitizer: no script, style, form, event attribute or
/// <c>javascript:</c> link survives, links get <c>rel="nofollow noopener"</c>, and images become their alt text (the
/// page's CSP loads no outside images, and a README's tracking pixels and badges should not load anyway).
/// <c>text/plain</c> is shown as escaped preformatted text by the page. Rendered HTML is cached per metadata blob: a
/// description never changes for a content hash.
/// </summary>
public static partial class Descriptions
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseAutoLinks().UsePipeTables().UseEmphasisExtras().UseTaskLists().Build();
    private static readonly HtmlSanitizer Sanitizer = NewSanitizer();
    private static readonly ConcurrentDictionary<string, string> Cache = new(StringComparer.Ordinal);
    private const int CacheLimit = 512;

    /// <summary>Longest description rendered (a hostile 100 MB description must not tie up a request).</summary>
    public const int MaxLength = 512 * 1024;

    /// <summary>
    /// A release's description as the page shows it: safe HTML for Markdown, else the text (shown escaped and
    /// preformatted); both null when there is none.
    /// </summary>
    public static (string? Html, string? Text) Render(Moat.Packaging.Metadata.CoreMetadata? metadata, string? cacheKey)
    {
        if (metadata?.Description is not { Length: > 0 } description) return (null, null);
        if (IsMarkdown(metadata.DescriptionContentType)) return (MarkdownToSafeHtml(description, cacheKey), null);
        if (IsReStructuredText(metadata.DescriptionContentType))
        {
            try
            {
                return (ReStructuredTextToSafeHtml(description, cacheKey), null);
            }
            catch (RegexMatchTimeoutException)
            {
                // Pathological inline markup: the text is still worth showing.
            }
        }
        return (null, description.Length > MaxLength ? description[..MaxLength] : description);
    }

    /// <summary>reStructuredText is PyPI's default: a description without a content type is read as RST.</summary>
    public static bool IsReStructuredText(string? contentType) =>
        string.IsNullOrWhiteSpace(contentType) || contentType.TrimStart().StartsWith("text/x-rst", StringComparison.OrdinalIgnoreCase);

    /// <summary>Sanitized HTML for reStructuredText <paramref name="rst"/> (headings start at h3, below the page's own).</summary>
    public static string ReStructuredTextToSafeHtml(string rst, string? cacheKey = null) =>
        Cached(cacheKey, () => Sanitizer.Sanitize(ReStructuredText.ToHtml(rst.Length > MaxLength ? rst[..MaxLength] : rst)));

    private static string Cached(string? cacheKey, Func<string> render)
    {
        if (cacheKey is not null && Cache.TryGetValue(cacheKey, out var cached)) return cached;
        var html = render();
        if (cacheKey is not null)
        {
            if (Cache.Count >= CacheLimit) Cache.Clear(); // crude bound; re-rendering is cheap compared to unbounded memory
            Cache[cacheKey] = html;
        }
        return html;
    }

    public static bool IsMarkdown(string? contentType) =>
        contentType is not null && contentType.TrimStart().StartsWith("text/markdown", StringComparison.OrdinalIgnoreCase);

    /// <summary>Sanitized HTML for Markdown <paramref name="markdown"/>; <paramref name="cacheKey"/> (the metadata sha256) when cacheable.</summary>
    public static string MarkdownToSafeHtml(string markdown, string? cacheKey = null) =>
        Cached(cacheKey, () => DemoteHeadings(Sanitizer.Sanitize(Markdown.ToHtml(markdown.Length > MaxLength ? markdown[..MaxLength] : markdown, Pipeline))));

    /// <summary>The description sits under the page's h1 and "Description" h2: its own headings start at h3 (keeps the outline in order).</summary>
    internal static string DemoteHeadings(string html) =>
        HeadingTag().Replace(html, m => $"<{m.Groups[1].Value}h{Math.Min(6, m.Groups[2].Value[0] - '0' + 2)}");

    [GeneratedRegex(@"<(/?)h([1-6])(?=[\s>])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HeadingTag();

    [GeneratedRegex(@"^language-[A-Za-z0-9_+#.-]{1,40}$", RegexOptions.CultureInvariant)]
    private static partial Regex CodeLanguageClass();

    private static HtmlSanitizer NewSanitizer()
    {
        var sanitizer = new HtmlSanitizer();
        sanitizer.AllowedSchemes.Clear();
        foreach (var scheme in new[] { "http", "https", "mailto" }) sanitizer.AllowedSchemes.Add(scheme);
        sanitizer.AllowedAttributes.Remove("style");
        // Ids and names could collide with the page's own (id="main") and are not needed for reading.
        sanitizer.AllowedAttributes.Remove("id");
        sanitizer.AllowedAttributes.Remove("name");
        sanitizer.AllowedAttributes.Remove("target");
        foreach (var tag in new[] { "form", "input", "button", "select", "textarea", "style", "link", "meta", "base", "audio", "video", "source", "picture" })
            sanitizer.AllowedTags.Remove(tag);
        sanitizer.AllowDataAttributes = false;
        sanitizer.AllowedAttributes.Add("class");
        sanitizer.PostProcessNode += (_, e) =>
        {
            if (e.Node is not AngleSharp.Dom.IElement element) return;
            if (element.LocalName == "img")
            {
                // An image is its alt text: no request leaves the page (CSP img-src 'self' would refuse it anyway).
                var alt = element.GetAttribute("alt");
                e.ReplacementNodes.Add(e.Document.CreateTextNode(string.IsNullOrWhiteSpace(alt) ? "" : alt));
            }
            else if (element.LocalName == "a" && element.HasAttribute("href"))
            {
                element.SetAttribute("rel", "nofollow noopener");
            }
            // Classes only for code languages and admonitions: a description must not borrow the page's own
            // (a fake "notice notice-error", a hidden "visually-hidden" block).
            if (element.GetAttribute("class") is { } classes)
            {
                var kept = classes.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(c => c == "admonition" || CodeLanguageClass().IsMatch(c)).ToList();
                if (kept.Count == 0) element.RemoveAttribute("class");
                else element.SetAttribute("class", string.Join(' ', kept));
            }
        };
        return sanitizer;
    }
}
