using System.Text;
using Moat.Analysis.Domains.Links;

namespace Moat.Analysis.Tests.Domains;

public class LinkExtractionTests
{
    [Fact]
    public void Finds_urls_bare_domains_and_mail_domains_with_lines()
    {
        var text = "Log in at https://pypj.org/account/login/.\nWrite to security@pypi-support.net or see www.pypi-mirror.org/help, (https://example.com/a).\n";
        var links = LinkExtractor.FromText(text);
        Assert.Contains(links, l => l is { Text: "https://pypj.org/account/login/", Host: "pypj.org", IsUrl: true, Line: 1 });
        Assert.Contains(links, l => l is { Text: "pypi-support.net", IsUrl: false, Line: 2 });
        Assert.Contains(links, l => l is { Text: "www.pypi-mirror.org/help", Host: "www.pypi-mirror.org", IsUrl: true });
        Assert.Contains(links, l => l.Text == "https://example.com/a");
        // The host inside a URL is not reported again as a bare domain.
        Assert.DoesNotContain(links, l => l is { Text: "pypj.org", IsUrl: false });
    }

    [Fact]
    public void Skips_file_names_versions_and_abbreviations()
    {
        var links = LinkExtractor.FromText("Edit setup.py, README.md and requirements.in; v1.2.3 e.g. i.e. build/lib.linux-x86_64 and notes.txt");
        Assert.Empty(links);
    }

    [Fact]
    public void Reads_unicode_and_punycode_hosts()
    {
        var links = LinkExtractor.FromText("Visit https://руpi.org/simple/ or xn--pi-kmcm.org today");
        Assert.Contains(links, l => l.Host == "руpi.org" && l.IsUrl);
        Assert.Contains(links, l => l.Text == "xn--pi-kmcm.org" && !l.IsUrl);
    }

    [Theory]
    [InlineData("https://user:pw@PyPj.org:8443/x?y#z", "PyPj.org")]
    [InlineData("http://pypj.org.", "pypj.org")]
    [InlineData("www.pypj.org/path", "www.pypj.org")]
    [InlineData("https://[2001:db8::1]/", null)]
    public void Host_of_url(string url, string? host)
    {
        Assert.Equal(host, LinkExtractor.HostOf(url));
    }

    [Fact]
    public void Refang_restores_defanged_links_and_leaves_clean_text_alone()
    {
        Assert.Equal("https://pypj.org/login and a@pypi-support.net", Refang.Apply("hxxps[://]pypj[.]org/login and a[@]pypi-support(.)net"));
        const string clean = "nothing to see";
        Assert.Same(clean, Refang.Apply(clean));
    }

    [Fact]
    public void Html_links_report_href_src_action_and_shown_host_mismatch()
    {
        const string html = """
            <p><a class="btn" href="https://pypj.org/verify?a=1&amp;b=2">https://pypi.org/verify</a></p>
            <a href='https://pypi.org/project/x/'>https://www.pypi.org/project/x/</a>
            <img src=https://cdn.example.com/logo.png><form action="https://pypi-mirror.org/login"></form>
            <script>var u = "https://tracker.invalid/x";</script> Visit docs.python.org
            """;
        var links = HtmlLinks.Extract(html);
        var verify = Assert.Single(links, l => l.Source == LinkSource.Href && l.Host == "pypj.org");
        Assert.Equal("https://pypj.org/verify?a=1&b=2", verify.Text);
        Assert.Equal("pypi.org", verify.ShownHost);
        Assert.Equal(1, verify.Line);
        // www.pypi.org shown for pypi.org: same registrable domain, no mismatch.
        Assert.Null(Assert.Single(links, l => l.Text == "https://pypi.org/project/x/").ShownHost);
        Assert.Contains(links, l => l is { Source: LinkSource.Src, Host: "cdn.example.com", Line: 3 });
        Assert.Contains(links, l => l.Host == "pypi-mirror.org");
        Assert.Contains(links, l => l is { Text: "docs.python.org", Line: 4 });
        Assert.DoesNotContain(links, l => l.Host == "tracker.invalid");
    }

    [Theory]
    [InlineData("Your account will be suspended unless you verify within 72 hours.", 2)]
    [InlineData("We noticed unusual sign-in activity. Immediate action required.", 2)]
    [InlineData("Mandatory 2FA validation: failure to comply means your packages will be removed.", 3)]
    [InlineData("Version 2.0 is released. Thanks for using PyPI; see the changelog.", 0)]
    [InlineData("We verified the release within the usual process.", 0)]
    public void Urgency_language(string text, int phrases)
    {
        Assert.Equal(phrases, UrgencyLanguage.Find(text).Count);
    }

    [Fact]
    public void Hostile_text_is_bounded()
    {
        var text = string.Concat(Enumerable.Repeat("a.b.c.example.com ", 20_000));
        var links = LinkExtractor.FromText(text);
        Assert.Equal(LinkExtractor.MaxLinks, links.Count);
        var deep = "<a href=\"" + new string('<', 100_000);
        Assert.Empty(HtmlLinks.Extract(deep));
        Assert.Empty(LinkExtractor.FromText(new string('.', 200_000)));
    }
}

public class MimeMessageTests
{
    private static MimeMessage Parse(string raw) => MimeMessage.Parse(Encoding.Latin1.GetBytes(raw.Replace("\n", "\r\n", StringComparison.Ordinal)));

    [Fact]
    public void Decodes_quoted_printable_base64_and_charsets_in_nested_multiparts()
    {
        var html = Convert.ToBase64String(Encoding.UTF8.GetBytes("<a href=\"https://pypj.org/x\">Vérifier</a>"));
        var message = Parse($"""
            From: =?utf-8?B?UHlQSSDinJM=?= <noreply@pypj.org>
            Subject: =?iso-8859-1?Q?Compte_suspendu_=E0_partir?=
             =?iso-8859-1?Q?_de_demain?=
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="outer"

            preamble
            --outer
            Content-Type: multipart/alternative; boundary=inner

            --inner
            Content-Type: text/plain; charset=iso-8859-1
            Content-Transfer-Encoding: quoted-printable

            Caf=E9 https://pypi-=
            mirror.org/login
            --inner
            Content-Type: text/html; charset="utf-8"
            Content-Transfer-Encoding: base64

            {html[..20]}
            {html[20..]}
            --inner--
            --outer
            Content-Type: image/png
            Content-Transfer-Encoding: base64

            iVBORw0KGgo=
            --outer--
            """);
        Assert.Equal("PyPI ✓ <noreply@pypj.org>", message.Header("From"));
        Assert.Equal("Compte suspendu à partir de demain", message.Header("subject"));
        Assert.Equal(2, message.TextParts.Count);
        Assert.Equal("text/plain", message.TextParts[0].ContentType);
        Assert.Equal("Café https://pypi-mirror.org/login", message.TextParts[0].Text.Trim());
        Assert.Equal("<a href=\"https://pypj.org/x\">Vérifier</a>", message.TextParts[1].Text);
    }

    [Fact]
    public void Truncated_and_unknown_parts_still_read()
    {
        var message = Parse("""
            Content-Type: multipart/alternative; boundary=b
            Content-Transfer-Encoding: 7bit

            --b
            Content-Type: text/plain; charset=x-unknown-charset

            see https://pypj.org/
            """);
        Assert.Contains("https://pypj.org/", Assert.Single(message.TextParts).Text);
    }

    [Fact]
    public void Deep_nesting_and_part_floods_are_bounded()
    {
        var raw = new StringBuilder();
        for (var i = 0; i < 50; i++) raw.Append($"Content-Type: multipart/mixed; boundary=b{i}\n\n--b{i}\n");
        raw.Append("Content-Type: text/plain\n\nhttps://pypj.org/\n");
        Assert.Empty(Parse(raw.ToString()).TextParts);

        var flood = new StringBuilder("Content-Type: multipart/mixed; boundary=f\n\n");
        for (var i = 0; i < 2000; i++) flood.Append("--f\nContent-Type: text/plain\n\nx\n");
        Assert.Equal(MimeMessage.MaxParts, Parse(flood.ToString()).TextParts.Count);
    }

    [Fact]
    public void Recognizes_messages()
    {
        Assert.True(MimeMessage.LooksLikeMessage("Received: from x\r\nFrom: a@b.c\r\n\r\nbody"u8));
        Assert.False(MimeMessage.LooksLikeMessage("Just some text: with a colon\nand more"u8));
    }
}
