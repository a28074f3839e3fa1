using Moat.Index.Web.Browse;
using Moat.Testing;

namespace Moat.Web.Tests;

/// <summary>
/// The reStructuredText renderer on the shapes real READMEs use (tests/fixtures/descriptions/readme-shapes.rst is
/// modelled on popular projects' READMEs: over- and underlined title, badges as image substitutions, literal blocks,
/// nested lists, code-block, admonitions, roles, targets, a grid table), and on hostile input.
/// </summary>
public sealed class ReStructuredTextTests
{
    private static readonly string Readme = File.ReadAllText(TestPaths.Fixtures("descriptions", "readme-shapes.rst"));

    [Fact]
    public void A_readme_renders_headings_paragraphs_lists_literals_code_and_links()
    {
        var html = Descriptions.ReStructuredTextToSafeHtml(Readme);
        // Title (over- and underlined) first, then "-" sections, then "~": levels by order of appearance, from h3.
        Assert.Contains("<h3>Widgetry: HTTP for Us</h3>", html);
        Assert.Contains("<h4>Installing</h4>", html);
        Assert.Contains("<h4>Features</h4>", html);
        Assert.Contains("<h5>Usage</h5>", html);
        Assert.Contains("<strong>Widgetry</strong> is an elegant and <em>simple</em> HTTP library, built for <code>human beings</code>.", html);
        Assert.Contains("<a href=\"https://widgetry.example.com/docs/\" rel=\"nofollow noopener\">the documentation</a>", html);
        Assert.Contains("<a href=\"https://widgetry.example.com/\" rel=\"nofollow noopener\">Widgetry</a> for more", html); // a named target defined at the end
        Assert.Contains("<a href=\"https://widgetry.example.com/faq\" rel=\"nofollow noopener\">https://widgetry.example.com/faq</a>.", html); // bare URL, the full stop left out
        // "simply::" keeps one colon and introduces the literal block.
        Assert.Contains("<p>To install Widgetry, simply:</p>", html);
        Assert.Contains("<pre><code>$ python -m pip install widgetry\n✨🍰✨</code></pre>", html);
        Assert.Contains("<li>Keep-Alive &amp; Connection Pooling</li>", html);
        Assert.Contains("<ul>\n<li>nested one</li>\n<li>nested two</li>\n</ul>", html);
        Assert.Contains("<li>Second step, which\ncontinues here</li>", html);
        Assert.Contains("<li>Auto-numbered</li>", html);
        Assert.Contains("<pre><code class=\"language-python\">&gt;&gt;&gt; import widgetry", html);
        Assert.Contains("<div class=\"admonition\"><p><strong>Note</strong></p>", html);
        Assert.Contains("<code>widgetry.get</code>", html);
        Assert.Contains("<code>Session</code>", html); // :class:`Session <widgetry.Session>` shows its title
        Assert.Contains("<dt>Options</dt><dd><p>A definition list entry.</p>\n</dd>", html);
        Assert.Contains("<dt>Author</dt><dd>Ada Lovelace</dd>", html);
        Assert.Contains("| Header 1   | Header 2   |", html); // a grid table stays readable as preformatted text
        Assert.Contains("<hr>", html);
        Assert.Contains("MAX_SIZE_ stays", html);
    }

    [Fact]
    public void Images_raw_html_and_unsafe_links_never_reach_the_page()
    {
        var html = Descriptions.ReStructuredTextToSafeHtml(Readme);
        Assert.DoesNotContain("<img", html);
        Assert.DoesNotContain("shields.io", html);
        Assert.Contains("Widgetry version", html); // the image's alt text instead
        Assert.DoesNotContain("|build|", html); // badge substitutions are dropped, with their line
        Assert.DoesNotContain("<p> </p>", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("raw directive", html);
        Assert.DoesNotContain("javascript:", html);
        Assert.Contains("javascript target", html); // its text stays, as text
    }

    [Theory]
    [InlineData("<script>alert(1)</script>", "<script")]
    [InlineData("`x <javascript:alert(1)>`_", "href=\"javascript")]
    [InlineData(".. raw:: html\n\n   <iframe src=\"https://example.com\"></iframe>", "<iframe")]
    [InlineData("**<b onclick=\"x()\">bold</b>**", "<b ")]
    [InlineData(".. image:: https://tracker.example.com/pixel.gif", "tracker")]
    public void Hostile_rst_is_text(string rst, string forbidden)
    {
        var html = Descriptions.ReStructuredTextToSafeHtml("Title\n=====\n\n" + rst + "\n");
        Assert.DoesNotContain(forbidden, html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Deep_nesting_is_bounded_and_shown_as_text()
    {
        var deep = string.Concat(Enumerable.Range(0, 200).Select(i => new string(' ', i * 2) + "- level " + i + "\n"));
        var html = Descriptions.ReStructuredTextToSafeHtml(deep);
        Assert.Contains("level 0", html);
        Assert.Contains("level 199", html);
        Assert.True(html.Split("<ul>").Length - 1 <= ReStructuredText.MaxDepth + 1);
    }

    [Fact]
    public void A_description_without_a_content_type_is_rst_and_plain_text_stays_text()
    {
        var rst = Moat.Packaging.Metadata.CoreMetadata.Parse("Metadata-Version: 2.1\nName: x\nVersion: 1\n\nHello\n=====\n\n*world*\n");
        Assert.Contains("<h3>Hello</h3>", Descriptions.Render(rst, null).Html);
        var plain = Moat.Packaging.Metadata.CoreMetadata.Parse("Metadata-Version: 2.1\nName: x\nVersion: 1\nDescription-Content-Type: text/plain\n\n*world*\n");
        Assert.Equal((null, "*world*"), Descriptions.Render(plain, null));
    }
}
