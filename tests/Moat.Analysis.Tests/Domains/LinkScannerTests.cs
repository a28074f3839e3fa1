using Moat.Analysis.Domains;
using Moat.Analysis.Domains.Checking;
using Moat.Analysis.Domains.Links;
using Moat.Testing;

namespace Moat.Analysis.Tests.Domains;

public class LinkScannerTests
{
    private static IReadOnlyList<ScanResult> Scan(string fixture, LinkScanOptions? options = null)
    {
        var path = TestPaths.Fixtures("domains", fixture);
        return LinkScanner.ScanDocument(File.ReadAllBytes(path), fixture, options ?? LinkScanOptions.Default);
    }

    private static ScanResult Result(IReadOnlyList<ScanResult> results, string target) => Assert.Single(results, r => r.Target == target);

    [Fact]
    public void Pypj_verification_mail_is_a_phishing_message()
    {
        var results = Scan("pypj-email-verification.eml");
        var message = Result(results, "pypj-email-verification.eml");
        Assert.Equal(TargetKind.File, message.Kind);
        Assert.Equal(Verdict.Malicious, message.Verdict);
        Assert.Contains(message.Findings, f => f.RuleId == DomainRules.PhishingMessage.Id);
        Assert.Contains(message.Findings, f => f.RuleId == DomainRules.Urgency.Id);

        // The sender (From and Return-Path), the button whose text shows pypi.org, and the tracking image.
        var sender = Result(results, "pypj.org");
        Assert.Equal(TargetKind.Domain, sender.Kind);
        Assert.Equal(Verdict.Malicious, sender.Verdict);
        var button = Result(results, "https://pypj.org/account/verify-email/?token=EXAMPLE-TOKEN-0000000000000000");
        Assert.Equal(TargetKind.Url, button.Kind);
        Assert.Contains(button.Findings, f => f.RuleId == DomainRules.Typo.Id && f.Message.Contains("imitates pypi.org", StringComparison.Ordinal));
        var mismatch = Assert.Single(button.Findings, f => f.RuleId == DomainRules.LinkTextMismatch.Id);
        Assert.Equal(Confidence.High, mismatch.Confidence);
        Assert.Contains("text/html", mismatch.Location.Path, StringComparison.Ordinal);
        Assert.Equal(Verdict.Malicious, Result(results, "https://pypj.org/static/images/logo-small.svg").Verdict);
        // The real pypi.org links in the same mail stay clean.
        Assert.Equal(Verdict.Clean, Result(results, "https://pypi.org/help/").Verdict);
    }

    [Fact]
    public void Pypi_mirror_mail_flags_link_sender_and_reply_to()
    {
        var results = Scan("pypi-mirror-account-verification.eml");
        Assert.Equal(Verdict.Malicious, Result(results, "pypi-mirror-account-verification.eml").Verdict);
        var link = Result(results, "https://pypi-mirror.org/account/login/?next=/manage/projects/");
        Assert.Contains(link.Findings, f => f.RuleId == DomainRules.BrandKeyword.Id);
        Assert.Equal(Verdict.Malicious, Result(results, "pypi-support.net").Verdict);
    }

    [Fact]
    public void Github_mail_finds_homograph_defanged_and_reply_to_lookalikes()
    {
        var results = Scan("github-homograph-signin.eml");
        var homograph = Result(results, "https://xn--gthub-n2e.com/login");
        Assert.Contains(homograph.Findings, f => f.RuleId == DomainRules.Homograph.Id && f.Severity == Severity.Critical);
        Assert.Contains(homograph.Findings, f => f.RuleId == DomainRules.LinkTextMismatch.Id);
        // Defanged in the quoted-printable iso-8859-1 part.
        Assert.Contains(Result(results, "https://github.com-login.xyz/sessions/verify").Findings, f => f.RuleId == DomainRules.BrandSubdomain.Id);
        Assert.Equal(Verdict.Malicious, Result(results, "githubb-support.com").Verdict);
        // The real sender domain and the real docs link are clean; the PDF attachment is not read as text.
        Assert.Equal(Verdict.Clean, Result(results, "github.com").Verdict);
        Assert.Equal(Verdict.Clean, Result(results, "https://docs.github.com/en/authentication").Verdict);
        Assert.Equal(Verdict.Malicious, Result(results, "github-homograph-signin.eml").Verdict);
    }

    [Fact]
    public void Keep_defanged_leaves_defanged_links_unread()
    {
        var options = LinkScanOptions.Default with { Refang = false };
        var results = Scan("github-homograph-signin.eml", options);
        Assert.DoesNotContain(results, r => r.Target.Contains("com-login", StringComparison.Ordinal));
        Assert.Contains(results, r => r.Target == "https://xn--gthub-n2e.com/login");
    }

    [Fact]
    public void Phishing_page_links_and_mismatches()
    {
        var results = Scan("phishing-page.html");
        Assert.Equal(Verdict.Malicious, Result(results, "https://pypi-mirror.org/account/login/").Verdict);
        Assert.Contains(Result(results, "https://pypi-mirror.org/help/#password").Findings, f => f.RuleId == DomainRules.LinkTextMismatch.Id);
        Assert.Contains(Result(results, "https://pypi-mirror.org/static/css/warehouse-ltr.css").Findings, f => f.RuleId == DomainRules.BrandKeyword.Id);
        Assert.Equal(Verdict.Clean, Result(results, "https://status.python.org/").Verdict);
        Assert.DoesNotContain(results, r => r.Kind == TargetKind.File); // a page, no pressure language
    }

    [Fact]
    public void Indicator_list_with_defanged_and_unicode_hosts()
    {
        var results = Scan("lookalikes.txt");
        foreach (var target in new[] { "https://pypj.org/account/login/", "https://pypi-mirror.org/account/login/", "pypi-support.net",
                     "https://pypi.org.verify-login.invalid/2fa", "https://руpi.org/simple/", "python-account.org", "npmjs-help.com" })
        {
            Assert.Equal(Verdict.Malicious, Result(results, target).Verdict);
        }
        Assert.Equal(Verdict.Suspicious, Result(results, "githubusercontnet.com").Verdict);
        Assert.Equal(Verdict.Clean, Result(results, "pypi.org").Verdict);
    }

    [Theory]
    [InlineData("pypi-release-notice.eml", 20)]
    [InlineData("safe-links.txt", 10)]
    [InlineData("newsletter.html", 6)]
    public void Legitimate_documents_stay_clean(string fixture, int links)
    {
        var results = Scan(fixture);
        Assert.Equal(links, results.Count);
        Assert.All(results, r => Assert.Empty(r.Findings));
    }

    [Fact]
    public void Custom_protection_applies_to_documents()
    {
        var options = new LinkScanOptions(new LookalikeIndex(["examplebank.co.uk"]));
        var results = LinkScanner.ScanDocument("Pay at https://examplebank-secure.co.uk/pay or https://pypj.org"u8.ToArray(), "note.txt", options);
        Assert.Equal(Verdict.Malicious, Result(results, "https://examplebank-secure.co.uk/pay").Verdict);
        Assert.Equal(Verdict.Clean, Result(results, "https://pypj.org").Verdict);
    }

    [Theory]
    [InlineData("pypj.org", TargetKind.Domain, Verdict.Malicious)]
    [InlineData("hxxps://pypi-mirror[.]org/login", TargetKind.Url, Verdict.Malicious)]
    [InlineData("https://upload.pypi.org/legacy/", TargetKind.Url, Verdict.Clean)]
    [InlineData("pypy.org", TargetKind.Domain, Verdict.Clean)]
    public void Scans_a_single_target(string target, TargetKind kind, Verdict verdict)
    {
        var result = LinkScanner.ScanTarget(target, LinkScanOptions.Default);
        Assert.Equal(kind, result.Kind);
        Assert.Equal(verdict, result.Verdict);
    }

    [Fact]
    public void Binary_and_empty_input_do_not_crash()
    {
        Assert.Empty(LinkScanner.ScanDocument([], "empty.txt", LinkScanOptions.Default));
        var noise = new byte[100_000];
        new Random(7).NextBytes(noise);
        _ = LinkScanner.ScanDocument(noise, "noise.bin", LinkScanOptions.Default);
        _ = LinkScanner.ScanDocument(noise, "noise.eml", LinkScanOptions.Default);
        Assert.Throws<ArgumentException>(() => LinkScanner.ScanTarget("not a host at all", LinkScanOptions.Default));
    }
}
