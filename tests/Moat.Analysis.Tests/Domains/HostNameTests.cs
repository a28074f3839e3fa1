using Moat.Analysis.Domains;

namespace Moat.Analysis.Tests.Domains;

public class HostNameTests
{
    [Theory]
    [InlineData("PyPI.org.", "pypi.org", "pypi.org")]
    [InlineData("руpi.org", "xn--pi-kmcm.org", "руpi.org")]
    [InlineData("xn--pi-kmcm.org", "xn--pi-kmcm.org", "руpi.org")]
    [InlineData("ｐｙｐｉ．ｏｒｇ", "pypi.org", "pypi.org")]
    public void Normalizes_case_trailing_dot_and_idn(string raw, string ascii, string unicode)
    {
        Assert.True(HostName.TryNormalize(raw, out var host));
        Assert.Equal(ascii, host.Ascii);
        Assert.Equal(unicode, host.Unicode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("pypi")]
    [InlineData("-pypi.org")]
    [InlineData("pypi-.org")]
    [InlineData("py_pi.org")]
    [InlineData("ab--cd.org")]
    [InlineData("xn--zz.org")]
    [InlineData("a..org")]
    public void Rejects_invalid_hosts(string raw)
    {
        Assert.False(HostName.TryNormalize(raw, out _));
    }

    [Fact]
    public void Rejects_overlong_labels_and_hosts()
    {
        Assert.False(HostName.TryNormalize(new string('a', 64) + ".org", out _));
        Assert.True(HostName.TryNormalize(new string('a', 63) + ".org", out _));
        Assert.False(HostName.TryNormalize(string.Join('.', Enumerable.Repeat("abcdefghi", 30)) + ".org", out _));
    }

    [Theory]
    [InlineData("upload.pypi.org", "upload", "pypi", "org")]
    [InlineData("pypi.org", "", "pypi", "org")]
    [InlineData("shop.example.co.uk", "shop", "example", "co.uk")]
    [InlineData("a.b.pypi-login.github.io", "a.b", "pypi-login", "github.io")]
    [InlineData("github.io", "", "github", "io")]
    [InlineData("co.uk", "", "co", "uk")]
    public void Splits_registrable_domain(string host, string subdomain, string label, string suffix)
    {
        Assert.Equal(new DomainParts(subdomain, label, suffix), PublicSuffixes.Split(host));
    }
}
