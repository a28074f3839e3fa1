using System.Text;
using System.Text.Encodings.Web;
using System.Text.RegularExpressions;

namespace Moat.Index.Web.Browse;

/// <summary>
/// The subset of reStructuredText that package descriptions use, as HTML (no .NET library renders RST): section
/// titles (underlined, or over- and underlined; levels in order of appearance), paragraphs, bullet and enumerated
/// lists (nested by indentation), definition and field lists, block quotes, literal blocks (<c>::</c>), doctest
/// blocks, <c>code-block</c>/<c>code</c>/<c>sourcecode</c> directives, admonitions (note, warning…), transitions,
/// tables shown as preformatted text, and inline emphasis, strong, literals, roles, hyperlinks
/// (<c>`name &lt;url&gt;`_</c>, named targets <c>.. _name: url</c>, bare URLs) and <c>replace::</c> substitutions.
/// Images (<c>image</c>, <c>figure</c>, image substitutions such as badges) become their alt text or nothing: the
/// page's CSP loads no outside images. Anything else a directive could do (<c>raw</c>, <c>include</c>) is dropped.
/// <para>
/// Every piece of text is HTML-encoded here and the result still goes through the sanitizer
/// (<see cref="Descriptions"/>); links are kept only for http, https and mailto. Nesting deeper than
/// <see cref="MaxDepth"/> is shown as preformatted text, so a hostile description cannot recurse without bound.
/// </para>
/// </summary>
public static partial class ReStructuredText
{
    public const int MaxDepth = 8;
    private static readonly HtmlEncoder Html = HtmlEncoder.Default;

    /// <summary>HTML for <paramref name="rst"/>; section titles start at <c>h</c><paramref name="firstHeading"/>.</summary>
    public static string ToHtml(string rst, int firstHeading = 3)
    {
        var lines = rst.Replace("\r\n", "\n").Replace('\r', '\n').Replace("\t", "        ").Split('\n');
        var document = new Document(firstHeading);
        CollectDefinitions(lines, document);
        var html = new StringBuilder(rst.Length + rst.Length / 4);
        RenderBlocks(lines, 0, lines.Length, html, document, 0);
        return html.ToString();
    }

    /// <summary>What the whole document defines: hyperlink targets, substitutions, and the heading styles met so far.</summary>
    private sealed class Document(int firstHeading)
    {
        public int FirstHeading { get; } = firstHeading;
        public Dictionary<string, string> Targets { get; } = new(StringComparer.OrdinalIgnoreCase);
        /// <summary>Substitution name → its text (a replace:: substitution) or "" (an image: dropped).</summary>
        public Dictionary<string, string> Substitutions { get; } = new(StringComparer.Ordinal);
        public List<string> HeadingStyles { get; } = [];
    }

    private static void CollectDefinitions(string[] lines, Document document)
    {
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (TargetDefinition().Match(line) is { Success: true } target)
            {
                var url = target.Groups["url"].Value.Trim();
                if (url.Length > 0) document.Targets.TryAdd(Unquote(target.Groups["name"].Value), url);
            }
            else if (SubstitutionDefinition().Match(line) is { Success: true } substitution)
            {
                document.Substitutions.TryAdd(substitution.Groups["name"].Value,
                    substitution.Groups["kind"].Value == "replace" ? substitution.Groups["text"].Value.Trim() : "");
            }
        }
    }

    private static string Unquote(string name) => name.Trim().Trim('`');

    private static void RenderBlocks(string[] lines, int start, int end, StringBuilder html, Document document, int depth)
    {
        if (depth > MaxDepth)
        {
            Pre(html, Dedent(lines, start, end), null);
            return;
        }
        var i = start;
        while (i < end)
        {
            var line = lines[i];
            if (IsBlank(line))
            {
                i++;
                continue;
            }
            var indent = Indent(line);
            var text = line.Trim();

            // An indented block here (not after "::" or a list item) is a block quote.
            if (indent > 0)
            {
                var blockEnd = IndentedBlockEnd(lines, i, end, 1);
                html.Append("<blockquote>");
                RenderBlocks(DedentLines(lines, i, blockEnd), 0, blockEnd - i, html, document, depth + 1);
                html.Append("</blockquote>\n");
                i = blockEnd;
                continue;
            }

            if (text.StartsWith("..", StringComparison.Ordinal) && (text.Length == 2 || text[2] == ' '))
            {
                i = Explicit(lines, i, end, html, document, depth);
                continue;
            }

            if (TryHeading(lines, i, end, out var title, out var style, out var consumed))
            {
                var level = document.HeadingStyles.IndexOf(style);
                if (level < 0)
                {
                    document.HeadingStyles.Add(style);
                    level = document.HeadingStyles.Count - 1;
                }
                var h = Math.Min(6, document.FirstHeading + level);
                html.Append("<h").Append(h).Append('>').Append(Inline(title, document)).Append("</h").Append(h).Append(">\n");
                i += consumed;
                continue;
            }

            if (IsAdornment(text) && text.Length >= 4 && (i + 1 >= end || IsBlank(lines[i + 1])))
            {
                html.Append("<hr>\n");
                i++;
                continue;
            }

            if (text.StartsWith('+') && GridTableBorder().IsMatch(text) || SimpleTableBorder().IsMatch(text))
            {
                var tableEnd = TableEnd(lines, i, end, text[0] == '+');
                Pre(html, string.Join('\n', lines[i..tableEnd].Select(l => l.TrimEnd())), null);
                i = tableEnd;
                continue;
            }

            if (text.StartsWith(">>>", StringComparison.Ordinal))
            {
                var blockEnd = i;
                while (blockEnd < end && !IsBlank(lines[blockEnd])) blockEnd++;
                Pre(html, Dedent(lines, i, blockEnd), "language-pycon");
                i = blockEnd;
                continue;
            }

            if (ListMarker(text) is { } marker)
            {
                i = List(lines, i, end, indent, marker.Ordered, html, document, depth);
                continue;
            }

            if (FieldMarker().Match(text) is { Success: true })
            {
                i = FieldList(lines, i, end, indent, html, document, depth);
                continue;
            }

            // Definition list: a one-line term followed at once by an indented definition.
            if (i + 1 < end && !IsBlank(lines[i + 1]) && Indent(lines[i + 1]) > indent && !text.EndsWith("::", StringComparison.Ordinal))
            {
                html.Append("<dl>\n");
                while (i < end && !IsBlank(lines[i]) && Indent(lines[i]) == indent && i + 1 < end && !IsBlank(lines[i + 1]) && Indent(lines[i + 1]) > indent)
                {
                    html.Append("<dt>").Append(Inline(lines[i].Trim(), document)).Append("</dt><dd>");
                    var bodyEnd = IndentedBlockEnd(lines, i + 1, end, indent + 1);
                    RenderBlocks(DedentLines(lines, i + 1, bodyEnd), 0, bodyEnd - i - 1, html, document, depth + 1);
                    html.Append("</dd>\n");
                    i = bodyEnd;
                    while (i < end && IsBlank(lines[i]) && i + 1 < end && Indent(lines[i + 1]) == indent && !IsBlank(lines[i + 1])
                        && i + 2 < end && !IsBlank(lines[i + 2]) && Indent(lines[i + 2]) > indent) i++;
                }
                html.Append("</dl>\n");
                continue;
            }

            i = Paragraph(lines, i, end, indent, html, document, depth);
        }
    }

    /// <summary>A paragraph; one ending in "::" introduces the indented literal block after it.</summary>
    private static int Paragraph(string[] lines, int i, int end, int indent, StringBuilder html, Document document, int depth)
    {
        var first = i;
        while (i < end && !IsBlank(lines[i]) && Indent(lines[i]) == indent && (i == first || ListMarker(lines[i].Trim()) is null)) i++;
        if (i < end && !IsBlank(lines[i]) && Indent(lines[i]) > indent) // a block quote with no blank line: take it as text
            while (i < end && !IsBlank(lines[i])) i++;
        var text = string.Join('\n', lines[first..i].Select(l => l.Trim()));
        var literal = text.EndsWith("::", StringComparison.Ordinal);
        if (literal) text = text == "::" ? "" : text.EndsWith(" ::", StringComparison.Ordinal) ? text[..^3] : text[..^1];
        // A line of badge substitutions renders to nothing: no empty paragraph.
        if (text.Length > 0 && Inline(text, document) is var inline && !string.IsNullOrWhiteSpace(inline)) html.Append("<p>").Append(inline).Append("</p>\n");
        if (!literal) return i;
        while (i < end && IsBlank(lines[i])) i++;
        if (i >= end) return i;
        if (Indent(lines[i]) > indent)
        {
            var blockEnd = IndentedBlockEnd(lines, i, end, indent + 1);
            Pre(html, Dedent(lines, i, blockEnd), null);
            return blockEnd;
        }
        // A quoted literal block: unindented lines starting with the same punctuation.
        var quote = lines[i].TrimStart()[0];
        if (char.IsPunctuation(quote) || char.IsSymbol(quote))
        {
            var blockEnd = i;
            while (blockEnd < end && !IsBlank(lines[blockEnd]) && lines[blockEnd].TrimStart().StartsWith(quote)) blockEnd++;
            Pre(html, string.Join('\n', lines[i..blockEnd]), null);
            return blockEnd;
        }
        return i;
    }

    /// <summary>Explicit markup: directives, targets, substitution definitions and comments.</summary>
    private static int Explicit(string[] lines, int i, int end, StringBuilder html, Document document, int depth)
    {
        var indent = Indent(lines[i]);
        var text = lines[i].Trim();
        var blockEnd = IndentedBlockEnd(lines, i + 1, end, indent + 1);
        if (Directive().Match(text) is not { Success: true } directive) return blockEnd; // comment, target, substitution
        var name = directive.Groups["name"].Value.ToLowerInvariant();
        var argument = directive.Groups["arg"].Value.Trim();
        // Options (":linenos:", ":alt: text") come first in the body, then a blank line, then the content.
        var body = i + 1;
        var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        while (body < blockEnd && !IsBlank(lines[body]) && OptionLine().Match(lines[body].Trim()) is { Success: true } option)
        {
            options[option.Groups["name"].Value] = option.Groups["value"].Value.Trim();
            body++;
        }
        switch (name)
        {
            case "code-block" or "code" or "sourcecode":
                var language = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
                Pre(html, Dedent(lines, body, blockEnd), language is null ? null : "language-" + language);
                break;
            case "image" or "figure":
                if (options.TryGetValue("alt", out var alt) && alt.Length > 0) html.Append("<p>").Append(Html.Encode(alt)).Append("</p>\n");
                if (name == "figure" && body < blockEnd) RenderBlocks(DedentLines(lines, body, blockEnd), 0, blockEnd - body, html, document, depth + 1);
                break;
            case "note" or "warning" or "tip" or "important" or "hint" or "caution" or "attention" or "danger" or "error" or "seealso" or "admonition":
                var title = name == "admonition" ? argument : name == "seealso" ? "See also" : char.ToUpperInvariant(name[0]) + name[1..];
                html.Append("<div class=\"admonition\"><p><strong>").Append(Html.Encode(title)).Append("</strong></p>\n");
                if (name != "admonition" && argument.Length > 0) html.Append("<p>").Append(Inline(argument, document)).Append("</p>\n");
                RenderBlocks(DedentLines(lines, body, blockEnd), 0, blockEnd - body, html, document, depth + 1);
                html.Append("</div>\n");
                break;
            case "topic" or "rubric" or "sidebar":
                if (argument.Length > 0) html.Append("<p><strong>").Append(Inline(argument, document)).Append("</strong></p>\n");
                RenderBlocks(DedentLines(lines, body, blockEnd), 0, blockEnd - body, html, document, depth + 1);
                break;
            // raw, include, toctree, contents, meta…: nothing a description page should do.
        }
        return blockEnd;
    }

    private static int List(string[] lines, int i, int end, int indent, bool ordered, StringBuilder html, Document document, int depth)
    {
        html.Append(ordered ? "<ol>\n" : "<ul>\n");
        while (i < end)
        {
            if (IsBlank(lines[i]))
            {
                var next = i;
                while (next < end && IsBlank(lines[next])) next++;
                if (next < end && Indent(lines[next]) == indent && ListMarker(lines[next].Trim()) is { } again && again.Ordered == ordered)
                {
                    i = next;
                    continue;
                }
                break;
            }
            if (Indent(lines[i]) != indent || ListMarker(lines[i].Trim()) is not { } marker || marker.Ordered != ordered) break;
            // The item's text starts after the marker; its continuation lines are indented past the marker.
            var content = indent + marker.Width;
            var itemEnd = i + 1;
            while (itemEnd < end && (IsBlank(lines[itemEnd]) || Indent(lines[itemEnd]) >= content || Indent(lines[itemEnd]) > indent))
            {
                if (IsBlank(lines[itemEnd]))
                {
                    var next = itemEnd;
                    while (next < end && IsBlank(lines[next])) next++;
                    if (next >= end || Indent(lines[next]) <= indent) break;
                }
                itemEnd++;
            }
            var item = new string[itemEnd - i];
            item[0] = lines[i].TrimStart()[marker.Width..].TrimStart();
            for (var k = i + 1; k < itemEnd; k++) item[k - i] = lines[k].Length > content ? lines[k][Math.Min(content, Indent(lines[k]))..] : lines[k].TrimStart();
            html.Append("<li>");
            // A one-paragraph item is its text, not a <p> (tight lists).
            var oneParagraph = item.Skip(1).All(l => !IsBlank(l) && Indent(l) == 0 && ListMarker(l.Trim()) is null) && !item[0].EndsWith("::", StringComparison.Ordinal);
            if (oneParagraph) html.Append(Inline(string.Join('\n', item.Select(l => l.Trim())), document));
            else RenderBlocks(item, 0, item.Length, html, document, depth + 1);
            html.Append("</li>\n");
            i = itemEnd;
        }
        html.Append(ordered ? "</ol>\n" : "</ul>\n");
        return i;
    }

    private static int FieldList(string[] lines, int i, int end, int indent, StringBuilder html, Document document, int depth)
    {
        html.Append("<dl class=\"fields\">\n");
        while (i < end && !IsBlank(lines[i]) && Indent(lines[i]) == indent && FieldMarker().Match(lines[i].Trim()) is { Success: true } field)
        {
            var bodyEnd = IndentedBlockEnd(lines, i + 1, end, indent + 1);
            var text = field.Groups["value"].Value.Trim();
            if (bodyEnd > i + 1) text += "\n" + Dedent(lines, i + 1, bodyEnd);
            html.Append("<dt>").Append(Inline(field.Groups["name"].Value, document)).Append("</dt><dd>").Append(Inline(text.Trim(), document)).Append("</dd>\n");
            i = bodyEnd;
            while (i < end && IsBlank(lines[i]) && i + 1 < end && FieldMarker().IsMatch(lines[i + 1].Trim()) && Indent(lines[i + 1]) == indent) i++;
        }
        html.Append("</dl>\n");
        return i;
    }

    private readonly record struct Marker(bool Ordered, int Width);

    private static Marker? ListMarker(string text)
    {
        if (text.Length >= 2 && text[0] is '-' or '*' or '+' && text[1] == ' ') return new(false, 2);
        if (text.Length == 1 && text[0] is '-' or '*' or '+') return new(false, 1);
        var m = EnumeratorMarker().Match(text);
        return m.Success ? new(true, m.Length) : null;
    }

    private static bool TryHeading(string[] lines, int i, int end, out string title, out string style, out int consumed)
    {
        title = style = "";
        consumed = 0;
        var text = lines[i].TrimEnd();
        // Overline, title, underline.
        if (IsAdornment(text) && text.Length >= 3 && i + 2 < end && !IsBlank(lines[i + 1]) && !IsAdornment(lines[i + 1].Trim())
            && lines[i + 2].TrimEnd() is var under && IsAdornment(under) && under[0] == text[0])
        {
            title = lines[i + 1].Trim();
            style = "over" + text[0];
            consumed = 3;
            return true;
        }
        // Title, underline at least as long (a shorter one of 4+ characters is accepted, as docutils warns but renders).
        if (Indent(lines[i]) == 0 && !IsAdornment(text) && i + 1 < end && lines[i + 1].TrimEnd() is var line && line.Length >= Math.Min(text.Length, 4)
            && IsAdornment(line) && Indent(lines[i + 1]) == 0 && (i + 2 >= end || IsBlank(lines[i + 2]) || !IsAdornment(lines[i + 2].Trim())))
        {
            title = text.Trim();
            style = "under" + line[0];
            consumed = 2;
            return true;
        }
        return false;
    }

    private static bool IsAdornment(string text)
    {
        if (text.Length < 2) return false;
        var c = text[0];
        if (!"=-`:'\"~^_*+#<>.!$%&,/;?@\\|".Contains(c)) return false;
        foreach (var ch in text) if (ch != c) return false;
        return true;
    }

    private static int TableEnd(string[] lines, int i, int end, bool grid)
    {
        if (grid)
        {
            var j = i;
            while (j < end && !IsBlank(lines[j]) && lines[j].TrimStart()[0] is '+' or '|') j++;
            return j;
        }
        // A simple table: a border, rows, a border (maybe a header border in between), ending at a border before a blank line.
        var borders = 0;
        var k = i;
        for (; k < end; k++)
        {
            if (SimpleTableBorder().IsMatch(lines[k].Trim())) borders++;
            if (IsBlank(lines[k]) && borders >= 2 && k > 0 && SimpleTableBorder().IsMatch(lines[k - 1].Trim())) break;
        }
        return k;
    }

    private static int IndentedBlockEnd(string[] lines, int i, int end, int minIndent)
    {
        var last = i;
        for (var k = i; k < end; k++)
        {
            if (IsBlank(lines[k])) continue;
            if (Indent(lines[k]) < minIndent) break;
            last = k + 1;
        }
        return last;
    }

    private static string[] DedentLines(string[] lines, int start, int end)
    {
        var min = int.MaxValue;
        for (var k = start; k < end; k++) if (!IsBlank(lines[k])) min = Math.Min(min, Indent(lines[k]));
        if (min == int.MaxValue) min = 0;
        var result = new string[end - start];
        for (var k = start; k < end; k++) result[k - start] = IsBlank(lines[k]) ? "" : lines[k][min..];
        return result;
    }

    private static string Dedent(string[] lines, int start, int end) => string.Join('\n', DedentLines(lines, start, end)).Trim('\n');

    private static void Pre(StringBuilder html, string text, string? language)
    {
        html.Append("<pre><code");
        if (language is not null && LanguageName().IsMatch(language)) html.Append(" class=\"").Append(language).Append('"');
        html.Append('>').Append(Html.Encode(text)).Append("</code></pre>\n");
    }

    private static bool IsBlank(string line) => string.IsNullOrWhiteSpace(line);

    private static int Indent(string line)
    {
        var n = 0;
        while (n < line.Length && line[n] == ' ') n++;
        return n;
    }

    /// <summary>Inline markup of one paragraph's text (already joined), HTML-encoded.</summary>
    private static string Inline(string text, Document document)
    {
        var html = new StringBuilder(text.Length + 16);
        var last = 0;
        foreach (Match m in InlineMarkup().Matches(text))
        {
            html.Append(Text(text[last..m.Index]));
            last = m.Index + m.Length;
            if (m.Groups["literal"].Success) html.Append("<code>").Append(Html.Encode(m.Groups["literal"].Value)).Append("</code>");
            else if (m.Groups["strong"].Success) html.Append("<strong>").Append(Text(m.Groups["strong"].Value)).Append("</strong>");
            else if (m.Groups["em"].Success) html.Append("<em>").Append(Text(m.Groups["em"].Value)).Append("</em>");
            else if (m.Groups["url"].Success)
            {
                var url = m.Groups["url"].Value.Trim();
                var label = m.Groups["label"].Value.Trim();
                if (label.Length == 0) label = url;
                else if (!m.Groups["anonymous"].Success) document.Targets.TryAdd(label, url); // `name <url>`_ also defines name_
                Link(html, url, label);
            }
            else if (m.Groups["role"].Success)
            {
                var role = m.Groups["role"].Value;
                var content = m.Groups["rolecontent"].Value;
                if (role is "strong") html.Append("<strong>").Append(Html.Encode(content)).Append("</strong>");
                else if (role is "emphasis" or "title-reference" or "t" or "title") html.Append("<em>").Append(Html.Encode(content)).Append("</em>");
                else html.Append("<code>").Append(Html.Encode(RoleText(content))).Append("</code>");
            }
            else if (m.Groups["reference"].Success)
            {
                var name = m.Groups["reference"].Value;
                if (document.Targets.TryGetValue(name, out var url)) Link(html, url, name);
                else html.Append(Html.Encode(name));
            }
            else if (m.Groups["interpreted"].Success) html.Append("<em>").Append(Html.Encode(m.Groups["interpreted"].Value)).Append("</em>");
            else if (m.Groups["substitution"].Success)
                html.Append(Html.Encode(document.Substitutions.TryGetValue(m.Groups["substitution"].Value, out var replacement) ? replacement : m.Groups["substitution"].Value));
            else if (m.Groups["bare"].Success) Link(html, m.Groups["bare"].Value, m.Groups["bare"].Value);
            else if (m.Groups["word"].Success)
            {
                var word = m.Groups["word"].Value;
                if (document.Targets.TryGetValue(word, out var url)) Link(html, url, word);
                else html.Append(Html.Encode(m.Value)); // not a reference after all: MAX_ stays MAX_
            }
        }
        html.Append(Text(text[last..]));
        return html.ToString();
    }

    /// <summary>Plain text: backslash escapes removed, encoded.</summary>
    private static string Text(string text) => Html.Encode(Escape().Replace(text, "$1"));

    /// <summary>A role's target text: "Title &lt;target&gt;" shows the title (":class:`Session &lt;requests.Session&gt;`").</summary>
    private static string RoleText(string content)
    {
        var lt = content.LastIndexOf('<');
        return lt > 0 && content.EndsWith('>') ? content[..lt].Trim() : content.TrimStart('~', '!');
    }

    private static void Link(StringBuilder html, string url, string label)
    {
        if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" or "mailto")
            html.Append("<a href=\"").Append(Html.Encode(uri.AbsoluteUri)).Append("\">").Append(Html.Encode(label)).Append("</a>");
        else html.Append(Html.Encode(label));
    }

    [GeneratedRegex(@"^\.\.\s+_(?<name>`[^`]+`|[^:]+):\s*(?<url>\S*)\s*$")]
    private static partial Regex TargetDefinition();

    [GeneratedRegex(@"^\.\.\s+\|(?<name>[^|]+)\|\s+(?<kind>[A-Za-z-]+)::\s*(?<text>.*)$")]
    private static partial Regex SubstitutionDefinition();

    [GeneratedRegex(@"^\.\.\s+(?<name>[A-Za-z][A-Za-z0-9_.:+-]*?)::(?:\s+(?<arg>.*))?$")]
    private static partial Regex Directive();

    [GeneratedRegex(@"^:(?<name>[A-Za-z][\w-]*):(?:\s+(?<value>.*))?$")]
    private static partial Regex OptionLine();

    [GeneratedRegex(@"^:(?<name>[^:\s][^:]*):(?:\s+(?<value>.*))?$")]
    private static partial Regex FieldMarker();

    [GeneratedRegex(@"^(?:\d+|#|[a-zA-Z]|[ivxlcdmIVXLCDM]+)[.)]\s+|^\((?:\d+|#|[a-zA-Z])\)\s+")]
    private static partial Regex EnumeratorMarker();

    [GeneratedRegex(@"^\+(?:-+\+|=+\+)+$")]
    private static partial Regex GridTableBorder();

    [GeneratedRegex(@"^=+(?:\s+=+)+$")]
    private static partial Regex SimpleTableBorder();

    [GeneratedRegex(@"^language-[A-Za-z0-9_+#.-]{1,40}$")]
    private static partial Regex LanguageName();

    [GeneratedRegex(@"\\(.)")]
    private static partial Regex Escape();

    // Start-strings must follow whitespace or punctuation, end-strings precede it (the RST inline-markup rules, simplified).
    [GeneratedRegex("""
        (?<![\w\\])``(?<literal>\S(?:[\s\S]*?\S)?)``(?!\w)
        | (?<![\w\\*])\*\*(?<strong>\S(?:[^*]*?\S)?)\*\*(?!\w)
        | (?<![\w\\*])\*(?<em>[^\s*](?:[^*]*?[^\s*\\])?)\*(?![\w*])
        | (?<![\w\\`])`(?<label>[^`<]*?)\s*<(?<url>[^<>`\s]+)>`_(?<anonymous>_)?(?!\w)
        | :(?<role>[A-Za-z][\w+.-]*(?::[\w+.-]+)?):`(?<rolecontent>[^`]+)`
        | (?<![\w\\`])`(?<reference>[^`]+)`__?(?!\w)
        | (?<![\w\\`])`(?<interpreted>[^`]+)`(?!`)
        | (?<![\w\\])\|(?<substitution>[^|\s](?:[^|]*[^|\s])?)\|(?:__?)?(?!\w)
        | (?<bare>(?:https?://|mailto:)[^\s<>`"]+[^\s<>`".,;:!?)\]'])
        | (?<![\w\\])(?<word>[A-Za-z0-9][\w.+-]*?)__?(?!\w)
        """, RegexOptions.IgnorePatternWhitespace | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 2000)]
    private static partial Regex InlineMarkup();
}
