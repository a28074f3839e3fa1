using Moat.Index.Web.Browse;
using Moat.Index.Web.Firewall;

namespace Moat.Web.Tests;

/// <summary>The pages' pure helpers, without a browser.</summary>
public sealed class RenderingTests
{
    [Theory]
    [InlineData("<script>alert(1)</script>", "<script")]
    [InlineData("<img src=x onerror=alert(1)>", "<img")]
    [InlineData("[x](javascript:alert(1))", "javascript:")]
    [InlineData("<a href=\"https://example.com\" onclick=\"steal()\">x</a>", "onclick")]
    [InlineData("<iframe src=\"https://example.com\"></iframe>", "<iframe")]
    [InlineData("<p class=\"notice notice-error\" id=\"main\">Your account is locked</p>", "notice")]
    [InlineData("<img src=\"https://tracker.example.com/p.gif\" alt=\"build passing\">", "tracker")]
    public void Markdown_descriptions_never_carry_markup_or_script(string markdown, string forbidden)
    {
        var html = Descriptions.MarkdownToSafeHtml("# Title\n\n" + markdown + "\n");
        Assert.DoesNotContain(forbidden, html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(@"<[^>]*\son\w+\s*=", html); // no event-handler attribute inside any real tag (escaped text is fine)
        Assert.Contains("<h3", html, StringComparison.Ordinal); // "# Title" demoted below the page's headings
    }

    [Fact]
    public void Markdown_html_is_sanitized_not_escaped_and_images_become_their_alt_text()
    {
        var html = Descriptions.MarkdownToSafeHtml("<p align=\"center\"><b>Fast</b> widgets</p>\n\n<img src=\"https://img.example.com/logo.png\" alt=\"Widgets logo\">\n\n```python\nx = 1\n```\n");
        Assert.Contains("<b>Fast</b> widgets", html, StringComparison.Ordinal);
        Assert.DoesNotContain("&lt;b&gt;", html, StringComparison.Ordinal);
        Assert.Contains("Widgets logo", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", html, StringComparison.Ordinal);
        Assert.Contains("<code class=\"language-python\">", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Safe_markdown_keeps_links_emphasis_and_code()
    {
        var html = Descriptions.MarkdownToSafeHtml("See [docs](https://example.com/docs) for **more**.\n\n```\npip install x\n```\n");
        Assert.Contains("href=\"https://example.com/docs\"", html, StringComparison.Ordinal);
        Assert.Contains("<strong>more</strong>", html, StringComparison.Ordinal);
        Assert.Contains("<code>pip install x", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Evidence_decodes_base64_and_hex_payloads_even_when_cut_short_and_ignores_plain_text()
    {
        var b64 = Convert.ToBase64String("import os\nos.system('echo hi')\n"u8.ToArray());
        Assert.Equal("base64", Evidence.Decode($"exec(base64.b64decode(\"{b64}\"))")!.Encoding);
        Assert.StartsWith("import os", Evidence.Decode($"exec(base64.b64decode(\"{b64[..21]}…")!.Text, StringComparison.Ordinal);
        var hex = Convert.ToHexStringLower("print('defanged payload')"u8.ToArray());
        Assert.Equal("print('defanged payload')", Evidence.Decode($"bytes.fromhex('{hex}')")!.Text);
        Assert.Null(Evidence.Decode("os.system('start /B pythonw')"));
        Assert.Null(Evidence.Decode(Convert.ToBase64String(new byte[] { 0, 1, 2, 3, 250, 251, 252, 253, 254, 255, 0, 1, 2, 3, 4, 5, 6, 7 })));
        Assert.Null(Evidence.Decode(null));
    }

    [Fact]
    public void Dashboard_counts_verdicts_per_day_top_rules_and_typosquats()
    {
        var now = new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
        const string code = """[{"rule":"MOAT-CODE-020","severity":"critical","message":"exec"}]""";
        const string name = """[{"rule":"MOAT-NAME-001","severity":"high","message":"'reqeusts' imitates 'requests'"},{"rule":"MOAT-CODE-020","severity":"critical","message":"exec"}]""";
        Moat.Index.Storage.StoredVerdict V(string verdict, string action, string findings, int daysAgo) =>
            new(Guid.NewGuid().ToString("N"), "f.whl", action, verdict, 0.5, findings, null, now.AddDays(-daysAgo));
        var dashboard = Dashboard.From([V("clean", "accept", "[]", 0), V("malicious", "quarantine", code, 0), V("malicious", "reject", name, 1), V("clean", "accept", "[]", 30)], now);

        Assert.Equal(Dashboard.DaysShown, dashboard.Days.Count);
        Assert.Equal(new DayCount(DateOnly.FromDateTime(now.UtcDateTime), 1, 0, 1), dashboard.Days[^1]);
        Assert.Equal(1, dashboard.Days[^2].Malicious);
        Assert.Equal(new RuleCount("MOAT-CODE-020", 2), dashboard.TopRules[0]);
        var squat = Assert.Single(dashboard.Typosquats);
        Assert.Contains("imitates 'requests'", squat.Finding.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, null, null, ProxiedState.NotDownloaded)]
    [InlineData("available", null, null, ProxiedState.Passed)]
    [InlineData("available", null, "allowlisted: judged malicious", ProxiedState.Allowlisted)]
    [InlineData("quarantined", null, "judged malicious", ProxiedState.Quarantined)]
    [InlineData("quarantined", "released", "false positive", ProxiedState.Released)]
    [InlineData("available", "blocked", "known bad", ProxiedState.Blocked)]
    [InlineData("pending", null, "waiting for the firewall's scan", ProxiedState.BeingChecked)]
    [InlineData("pending", "blocked", "known bad", ProxiedState.Blocked)]
    public void A_proxied_files_state_is_the_admins_override_else_the_gates_decision(string? state, string? @override, string? reason, ProxiedState expected)
    {
        var decided = state is null ? null : new Moat.Index.Proxy.ProxiedFile(new string('a', 64), "x-1.0.tar.gz", "x",
            Moat.Index.Proxy.ProxiedFileStates.ParseState(state), reason, DateTimeOffset.UtcNow, Moat.Index.Proxy.ProxiedFileStates.ParseOverride(@override));
        Assert.Equal(expected, ProxiedStates.Of(decided));
    }

    [Fact]
    public void Event_details_read_as_key_value_pairs()
    {
        Assert.Equal("by: admin; role: maintainer; critical: true", Moat.Index.Web.Pages.Account.HistoryPage.Details("""{"by":"admin","role":"maintainer","critical":true}"""));
        Assert.Equal("[1,2]", Moat.Index.Web.Pages.Account.HistoryPage.Details("[1,2]"));
        Assert.Equal("not json", Moat.Index.Web.Pages.Account.HistoryPage.Details("not json"));
        Assert.Null(Moat.Index.Web.Pages.Account.HistoryPage.Details(null));
    }
}
