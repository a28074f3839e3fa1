using Moat.Analysis.Domains;
using Moat.Analysis.Domains.Checking;

namespace Moat.Analysis.Tests.Domains;

public class LookalikeIndexTests
{
    private static readonly LookalikeIndex Index = LookalikeIndex.Default;

    [Theory]
    // The phishing domains of the real campaigns against PyPI maintainers.
    [InlineData("pypj.org", "pypi.org", LookalikeKind.Visual)]
    [InlineData("pypi-mirror.org", "pypi.org", LookalikeKind.BrandKeyword)]
    [InlineData("pypi-support.net", "pypi.org", LookalikeKind.BrandKeyword)]
    // Homographs: Cyrillic р and у, Cyrillic і, Greek ο in the suffix, punycode spelled out.
    [InlineData("руpi.org", "pypi.org", LookalikeKind.Homograph)]
    [InlineData("pypі.org", "pypi.org", LookalikeKind.Homograph)]
    [InlineData("pypi.οrg", "pypi.org", LookalikeKind.Homograph)]
    [InlineData("xn--pi-kmcm.org", "pypi.org", LookalikeKind.Homograph)]
    [InlineData("gіthub.com", "github.com", LookalikeKind.Homograph)]
    [InlineData("руpi.com", "pypi.org", LookalikeKind.Homograph)]
    // Subdomain tricks.
    [InlineData("pypi.org.verify-login.com", "pypi.org", LookalikeKind.EmbeddedDomain)]
    [InlineData("github.com-login.xyz", "github.com", LookalikeKind.EmbeddedDomain)]
    [InlineData("pypi.mirror.org", "pypi.org", LookalikeKind.BrandSubdomain)]
    [InlineData("py.pi.org", "pypi.org", LookalikeKind.SplitLabel)]
    [InlineData("py-pi.org", "pypi.org", LookalikeKind.SplitLabel)]
    // Keyword + TLD.
    [InlineData("pypisupport.com", "pypi.org", LookalikeKind.BrandKeyword)]
    [InlineData("secure-pypi.net", "pypi.org", LookalikeKind.BrandKeyword)]
    [InlineData("github-2fa.com", "github.com", LookalikeKind.BrandKeyword)]
    [InlineData("python-account.org", "python.org", LookalikeKind.BrandKeyword)]
    [InlineData("pypj-support.org", "pypi.org", LookalikeKind.BrandKeyword)]
    [InlineData("npmjs-help.com", "npmjs.com", LookalikeKind.BrandKeyword)]
    [InlineData("pypi.net", "pypi.org", LookalikeKind.TldSwap)]
    [InlineData("github.co", "github.com", LookalikeKind.TldSwap)]
    // Typos.
    [InlineData("pyppi.org", "pypi.org", LookalikeKind.Typo)]
    [InlineData("pyip.org", "pypi.org", LookalikeKind.Typo)]
    [InlineData("githib.com", "github.com", LookalikeKind.Typo)]
    [InlineData("pythonhosed.org", "pythonhosted.org", LookalikeKind.Typo)]
    [InlineData("githubusercontnet.com", "githubusercontent.com", LookalikeKind.Typo)]
    [InlineData("githubusrcontnt.com", "githubusercontent.com", LookalikeKind.Typo)]
    [InlineData("gitlabb.com", "gitlab.com", LookalikeKind.Typo)]
    [InlineData("rnpmjs.com", "npmjs.com", LookalikeKind.Typo)]
    [InlineData("pyth0n.org", "python.org", LookalikeKind.Visual)]
    [InlineData("PYPJ.ORG.", "pypi.org", LookalikeKind.Visual)]
    public void Flags_lookalikes_with_technique_and_target(string host, string target, LookalikeKind kind)
    {
        var match = Index.Check(host);
        Assert.NotNull(match);
        Assert.Equal(target, match.Target);
        Assert.Equal(kind, match.Kind);
        Assert.InRange(match.Score, 0.55, 1.0);
    }

    [Theory]
    [InlineData("pypi.org")]
    [InlineData("test.pypi.org")]
    [InlineData("upload.pypi.org")]
    [InlineData("docs.pypi.org")]
    [InlineData("blog.pypi.org")]
    [InlineData("files.pythonhosted.org")]
    [InlineData("pypi.python.org")]
    [InlineData("www.python.org")]
    [InlineData("docs.python.org")]
    [InlineData("packaging.python.org")]
    [InlineData("github.com")]
    [InlineData("api.github.com")]
    [InlineData("gist.github.com")]
    [InlineData("objects.githubusercontent.com")]
    [InlineData("raw.githubusercontent.com")]
    [InlineData("registry.npmjs.com")]
    [InlineData("gitlab.com")]
    [InlineData("WWW.PYTHON.ORG.")]
    // Ordinary and neighbouring legitimate domains.
    [InlineData("google.com")]
    [InlineData("example.com")]
    [InlineData("readthedocs.io")]
    [InlineData("requests.readthedocs.io")]
    [InlineData("pypy.org")]
    [InlineData("doc.pypy.org")]
    [InlineData("pip.pypa.io")]
    [InlineData("jython.org")]
    [InlineData("cython.org")]
    [InlineData("ipython.org")]
    [InlineData("github.githubassets.com")]
    [InlineData("www.githubstatus.com")]
    [InlineData("registry.npmjs.org")]
    [InlineData("realpython.com")]
    [InlineData("micropython.org")]
    [InlineData("pythonanywhere.com")]
    [InlineData("python-poetry.org")]
    [InlineData("stackoverflow.com")]
    [InlineData("bbc.co.uk")]
    [InlineData("mail.example.co.uk")]
    [InlineData("numpy.org")]
    [InlineData("pytorch.org")]
    [InlineData("pydata.org")]
    [InlineData("gitea.io")]
    [InlineData("bitbucket.org")]
    [InlineData("fastapi.tiangolo.com")]
    public void Leaves_legitimate_hosts_alone(string host)
    {
        Assert.Null(Index.Check(host));
    }

    [Fact]
    public void Internal_mirror_named_after_the_brand_is_a_note_not_an_alarm()
    {
        var match = Index.Check("pypi.corp.example.com");
        Assert.NotNull(match);
        Assert.Equal(LookalikeKind.BrandSubdomain, match.Kind);
        Assert.True(match.Score < 0.5);
    }

    [Fact]
    public void Phishing_pages_on_hosting_suffixes_are_checked_on_their_own_name()
    {
        var match = Index.Check("pypi-login.github.io");
        Assert.NotNull(match);
        Assert.Equal(LookalikeKind.BrandKeyword, match.Kind);
    }

    [Fact]
    public void Unicode_match_reports_both_spellings()
    {
        var match = Index.Check("руpi.org")!;
        Assert.StartsWith("xn--", match.Host);
        Assert.Equal("руpi.org", match.Display);
    }

    [Fact]
    public void Custom_protected_set_with_multi_label_suffix()
    {
        var index = new LookalikeIndex(["examplebank.co.uk"]);
        Assert.Null(index.Check("login.examplebank.co.uk"));
        Assert.Equal(LookalikeKind.TldSwap, index.Check("examplebank.com")!.Kind);
        Assert.Equal(LookalikeKind.Typo, index.Check("examplebnak.co.uk")!.Kind);
        Assert.Equal(LookalikeKind.BrandKeyword, index.Check("examplebank-secure.co.uk")!.Kind);
        Assert.Null(index.Check("pypj.org"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a host")]
    [InlineData("-pypi.org")]
    [InlineData("localhost")]
    [InlineData("a..b")]
    public void Invalid_or_single_label_hosts_are_not_matches(string host)
    {
        Assert.Null(Index.Check(host));
    }

    [Fact]
    public void Invalid_protected_domain_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => new LookalikeIndex(["not a domain"]));
    }
}
