using Moat.Analysis.Domains;
using Moat.Analysis.Domains.Checking;
using Moat.Analysis.Domains.Generation;

namespace Moat.Analysis.Tests.Domains;

public class LookalikeGeneratorTests
{
    private static readonly IReadOnlyList<DomainPermutation> Pypi = LookalikeGenerator.Generate("pypi.org");

    [Theory]
    [InlineData("pypj.org", Technique.Replacement)]      // j below i on QWERTY: the real proxy-phishing domain
    [InlineData("pypi-mirror.org", Technique.BrandKeyword)]
    [InlineData("pypi-support.net", Technique.BrandKeyword)]
    [InlineData("pypisupport.net", Technique.BrandKeyword)]
    [InlineData("secure-pypi.com", Technique.BrandKeyword)]
    [InlineData("pypi-org.com", Technique.BrandKeyword)]
    [InlineData("pypi.mirror.org", Technique.BrandSubdomain)]
    [InlineData("pypi.org.verify-login.com", Technique.BrandSubdomain)]
    [InlineData("pypi.org-login.com", Technique.BrandSubdomain)]
    [InlineData("pypi.net", Technique.TldSwap)]
    [InlineData("pypi.xyz", Technique.TldSwap)]
    [InlineData("pypi.co.uk", Technique.TldSwap)]
    [InlineData("pypia.org", Technique.Addition)]
    [InlineData("ppi.org", Technique.Omission)]
    [InlineData("ppypi.org", Technique.Repetition)]
    [InlineData("pyupi.org", Technique.Insertion)]
    [InlineData("pmypi.org", Technique.Insertion)]        // m beside p on AZERTY only
    [InlineData("yppi.org", Technique.Transposition)]
    [InlineData("pypa.org", Technique.VowelSwap)]
    [InlineData("py-pi.org", Technique.Hyphenation)]
    [InlineData("qypi.org", Technique.BitFlip)]
    [InlineData("pypies.org", Technique.Plural)]
    [InlineData("py.pi.org", Technique.Subdomain)]
    [InlineData("pyp1.org", Technique.AsciiLookalike)]
    [InlineData("xn--ypi-zed.org", Technique.Homoglyph)] // рypi.org, Cyrillic р
    [InlineData("xn--pi-kmcm.org", Technique.Homoglyph)] // руpi.org, Cyrillic р and у
    [InlineData("pypj.com", Technique.Combined)]
    [InlineData("pypl-login.org", Technique.Combined)]
    public void Covers_every_technique_including_what_others_miss(string host, Technique technique)
    {
        var found = Pypi.FirstOrDefault(p => p.Host == host);
        Assert.NotNull(found);
        Assert.Equal(technique, found.Technique);
    }

    [Fact]
    public void Output_is_unique_valid_deterministic_and_excludes_the_original()
    {
        Assert.Equal(Pypi.Count, Pypi.Select(p => p.Host).Distinct().Count());
        Assert.DoesNotContain(Pypi, p => p.Host == "pypi.org");
        Assert.All(Pypi, p => Assert.True(HostName.IsValidAscii(p.Host), p.Host));
        Assert.All(Pypi, p => Assert.Equal(p.Host, p.Host.ToLowerInvariant()));
        Assert.Equal(Pypi.Select(p => p.Host), LookalikeGenerator.Generate("PyPI.org.").Select(p => p.Host));
        // Techniques come out in their declared order.
        var order = Pypi.Select(p => (int)p.Technique).ToArray();
        Assert.True(order.Zip(order.Skip(1)).All(pair => pair.First <= pair.Second));
    }

    [Fact]
    public void Homoglyphs_are_real_idn_hosts_with_a_unicode_display()
    {
        var homoglyphs = Pypi.Where(p => p.Technique == Technique.Homoglyph).ToList();
        Assert.True(homoglyphs.Count >= 10, $"only {homoglyphs.Count} homoglyphs");
        Assert.All(homoglyphs, p =>
        {
            Assert.StartsWith("xn--", p.Host);
            Assert.NotEqual(p.Host, p.Display);
            Assert.Equal(p.Host, HostName.TryGetAscii(p.Display));
        });
        Assert.Contains(homoglyphs, p => p.Display == "рурі.org" && p.Detail == "whole label in Cyrillic");
    }

    [Fact]
    public void Counts_per_technique_add_up()
    {
        var counts = LookalikeGenerator.CountByTechnique(Pypi);
        Assert.Equal(Enum.GetValues<Technique>().Length, counts.Count);
        Assert.Equal(Pypi.Count, counts.Sum(c => c.Count));
        Assert.All(counts, c => Assert.True(c.Count > 0, $"{c.Technique} produced nothing"));
    }

    [Fact]
    public void Keeps_the_subdomain_and_multi_label_suffix()
    {
        var permutations = LookalikeGenerator.Generate("files.pythonhosted.org");
        Assert.Contains(permutations, p => p.Host == "files.pythonhostde.org");
        var uk = LookalikeGenerator.Generate("examplebank.co.uk");
        Assert.Contains(uk, p => p.Host == "examplebnak.co.uk");
        Assert.Contains(uk, p => p.Host == "examplebank-login.co.uk");
    }

    [Theory]
    [InlineData("not a domain")]
    [InlineData("localhost")]
    [InlineData("")]
    public void Rejects_invalid_input(string domain)
    {
        Assert.Throws<ArgumentException>(() => LookalikeGenerator.Generate(domain));
    }

    [Theory]
    [InlineData("pypi.org")]
    [InlineData("pythonhosted.org")]
    [InlineData("github.com")]
    public void The_checker_flags_what_the_generator_makes(string domain)
    {
        // The two halves agree: every generated lookalike is caught by key lookups, without generation on the
        // checking side. Exceptions are named: known-legitimate neighbours, and the brand as a plain subdomain of a
        // neutral domain (a note, scored low on purpose).
        var index = LookalikeIndex.Default;
        var missed = new List<string>();
        foreach (var permutation in LookalikeGenerator.Generate(domain))
        {
            var parts = PublicSuffixes.Split(permutation.Host);
            if (index.LegitimateReason(parts.Registrable) is not null) continue;
            if (index.IsProtected(permutation.Host)) continue;
            if (index.Check(permutation.Host) is null) missed.Add($"{permutation.Host} ({permutation.Technique})");
        }
        Assert.True(missed.Count == 0, $"{missed.Count} missed: {string.Join(", ", missed.Take(40))}");
    }
}
