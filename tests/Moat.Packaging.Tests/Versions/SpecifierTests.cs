using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Moat.Packaging.Versions;

namespace Moat.Packaging.Tests.Versions;

public class SpecifierTests
{
    [Theory]
    // ==, with zero padding and local versions
    [InlineData("2.0", "==2")] [InlineData("2.0", "==2.0")] [InlineData("2.0", "==2.0.0")] [InlineData("2.0+deadbeef", "==2")]
    [InlineData("2.0+deadbeef", "==2.0.0")] [InlineData("2.0+deadbeef", "==2+deadbeef")] [InlineData("2.0+deadbeef", "==2.0.0+deadbeef")]
    [InlineData("2.0+deadbeef.0", "==2.0.0+deadbeef.00")] [InlineData("2.0", "== 2.0")] [InlineData("2.0", "==v2.0")]
    // == wildcards (prefix matching with zero padding)
    [InlineData("2.dev1", "==2.*")] [InlineData("2a1", "==2.*")] [InlineData("2a1.post1", "==2.*")] [InlineData("2b1", "==2.*")]
    [InlineData("2rc1", "==2.*")] [InlineData("2", "==2.*")] [InlineData("2.0", "==2.*")] [InlineData("2.0.0", "==2.*")]
    [InlineData("2.0.1", "==2.*")] [InlineData("2.9.post3+local", "==2.*")] [InlineData("1.0", "==1.0.0.*")] [InlineData("1", "==1.0.*")]
    [InlineData("1!2.0", "==1!2.*")]
    // !=
    [InlineData("2.1", "!=2")] [InlineData("2.1", "!=2.0")] [InlineData("2.0.1", "!=2")] [InlineData("2.0.1", "!=2.0.0")]
    [InlineData("2.0", "!=2.0+deadbeef")] [InlineData("2.0", "!=3.*")] [InlineData("2.1", "!=2.0.*")] [InlineData("1!2.0", "!=2.*")]
    // >=
    [InlineData("2.0", ">=2")] [InlineData("2.0", ">=2.0.0")] [InlineData("2.0.post1", ">=2")] [InlineData("2.0.post1.dev1", ">=2")]
    [InlineData("3", ">=2")] [InlineData("2.0+local", ">=2")]
    // <=, where a local label does not lift a version
    [InlineData("2.0", "<=2")] [InlineData("2.0.dev1", "<=2")] [InlineData("2.0a1", "<=2")] [InlineData("2.0b1.post1", "<=2")]
    [InlineData("2.0c1.post1.dev1", "<=2")] [InlineData("1", "<=2")] [InlineData("2.0+local", "<=2")]
    // >
    [InlineData("3", ">2")] [InlineData("2.1", ">2.0")] [InlineData("2.0.1", ">2")] [InlineData("2.1.post1", ">2")]
    [InlineData("2.1+local.version", ">2")] [InlineData("2.post2", ">2.post1")] [InlineData("1.7.post1", ">1.7a1")]
    [InlineData("1.7.1", ">1.7.post2")] [InlineData("1.7.dev2", ">1.7.dev1")] [InlineData("1.7", ">1.7.dev1")]
    // <
    [InlineData("1", "<2")] [InlineData("2.0", "<2.1")] [InlineData("2.0.dev0", "<2.1")] [InlineData("1.7a1", "<1.7a2")]
    [InlineData("1.7", "<1.7.post1")] [InlineData("1.6+local", "<1.7")]
    // ~=
    [InlineData("1", "~=1.0")] [InlineData("1.0.1", "~=1.0")] [InlineData("1.1", "~=1.0")] [InlineData("1.9999999", "~=1.0")]
    [InlineData("1.1", "~=1.0a1")] [InlineData("2022.01.01", "~=2022.01.01")] [InlineData("1.4.5", "~=1.4.5a4")]
    [InlineData("2.2.post3", "~=2.2")] [InlineData("2.3", "~=2.2")] [InlineData("1.4.9", "~=1.4.5")] [InlineData("1!1.1", "~=1!1.0")]
    [InlineData("2.2.0+local", "~=2.2.0")]
    // ===
    [InlineData("1.0", "===1.0")] [InlineData("1.0a1", "===1.0a1")] [InlineData("1.0+downstream1", "===1.0+downstream1")]
    public void Contains(string version, string specifier)
    {
        var spec = Specifier.Parse(specifier);
        Assert.True(spec.Contains(PackageVersion.Parse(version), prereleases: true), $"{specifier} should contain {version}");
        Assert.True(spec.Contains(version, prereleases: true));
        Assert.True(SpecifierSet.Parse(specifier).Contains(version, prereleases: true));
    }

    [Theory]
    [InlineData("2.1", "==2")] [InlineData("2.1", "==2.0")] [InlineData("2.0", "==2.0+deadbeef")] [InlineData("2.0+other", "==2.0+deadbeef")]
    [InlineData("2.0", "==3.*")] [InlineData("2.1", "==2.0.*")] [InlineData("1.0.1", "==1.0.0.*")] [InlineData("2.0", "==1!2.*")]
    [InlineData("2.0", "!=2")] [InlineData("2.0", "!=2.0.0")] [InlineData("2.0+deadbeef", "!=2")] [InlineData("2.0+deadbeef", "!=2.0+deadbeef")]
    [InlineData("2.0", "!=2.*")] [InlineData("2.0", "!=2.0.*")] [InlineData("2.0a1", "!=2.*")]
    [InlineData("2.0.dev1", ">=2")] [InlineData("2.0a1", ">=2")] [InlineData("1", ">=2")]
    [InlineData("2.0.post1", "<=2")] [InlineData("2.0.post1.dev1", "<=2")] [InlineData("3", "<=2")]
    // > excludes V, V+local and V's post-releases
    [InlineData("1", ">2")] [InlineData("2.0.dev1", ">2")] [InlineData("2.0a1", ">2")] [InlineData("2.0a1.post1", ">2")]
    [InlineData("2.0rc1", ">2")] [InlineData("2", ">2")] [InlineData("2.0.post1", ">2")] [InlineData("2.0.post1.dev1", ">2")]
    [InlineData("2.0+local.version", ">2")] [InlineData("1.7.post1", ">1.7")] [InlineData("1.7a1.post1", ">1.7a1")]
    [InlineData("1.7.post2+local", ">1.7.post2")] [InlineData("1.7.dev1+local", ">1.7.dev1")]
    // < excludes V's pre-releases unless V is one
    [InlineData("2.0.dev1", "<2")] [InlineData("2.0a1", "<2")] [InlineData("2.0a1.post1.dev1", "<2")] [InlineData("2.0rc1", "<2")]
    [InlineData("2.0", "<2")] [InlineData("2.post1", "<2")] [InlineData("3", "<2")] [InlineData("1.7a1", "<1.7")]
    [InlineData("1.7a2", "<1.7a2")] [InlineData("0.dev0", "<0")] [InlineData("1.7+local", "<1.7")]
    [InlineData("2.0", "~=1.0")] [InlineData("1.1.0", "~=1.0.0")] [InlineData("1.1.post1", "~=1.0.0")] [InlineData("1.4.5a3", "~=1.4.5a4")]
    [InlineData("2.0.dev0", "~=1.0")] [InlineData("1.0", "~=1!1.0")]
    [InlineData("1.0.0", "===1.0")] [InlineData("2.0", "===1.0")]
    public void Does_not_contain(string version, string specifier)
    {
        var spec = Specifier.Parse(specifier);
        Assert.False(spec.Contains(PackageVersion.Parse(version), prereleases: true), $"{specifier} should not contain {version}");
        Assert.False(SpecifierSet.Parse(specifier).Contains(PackageVersion.Parse(version), prereleases: true));
    }

    [Theory]
    [InlineData("lolwat", "expected an operator")] [InlineData("2.0", "expected an operator")] [InlineData("=>2.0", "expected an operator")]
    [InlineData("==", "expected a version")] [InlineData("~=1", "at least two components")] [InlineData("~=1.0.*", "only allowed with == and !=")]
    [InlineData(">=1.0+local", "local versions")] [InlineData("<=1.0.*", "only allowed")] [InlineData("==1.0a1.*", "can only follow a release")]
    [InlineData("==1.0.post1.*", "can only follow a release")] [InlineData("==1.0+abc.*", "can only follow a release")]
    [InlineData("~=1.0+abc", "local versions")] [InlineData(">=1.0 1.1", "whitespace")] [InlineData("==1.0.*.5", "invalid version")]
    [InlineData("===a b", "whitespace")] [InlineData("===a;b", "';'")] [InlineData(">=french", "invalid version")]
    public void Rejects_invalid_specifiers_with_a_reason(string text, string reason)
    {
        Assert.False(Specifier.TryParse(text, out _, out var error));
        Assert.Contains(reason, error);
        Assert.Throws<FormatException>(() => Specifier.Parse(text));
        Assert.False(SpecifierSet.TryParse(">=0.1," + text, out _, out var setError));
        Assert.Contains(reason, setError);
    }

    [Fact]
    public void Arbitrary_equality_matches_unparseable_strings_case_insensitively()
    {
        var set = SpecifierSet.Parse("===lolwat");
        Assert.True(set.Contains("lolwat"));
        Assert.True(set.Contains("LOLWAT"));
        Assert.False(set.Contains("lolwat2"));
        Assert.True(Specifier.Parse("===foo-bar_1").Contains("Foo-Bar_1"));
        Assert.Null(Specifier.Parse("===lolwat").Prereleases);
        // Standard operators never match a string that is not a version.
        Assert.False(SpecifierSet.Parse(">=1.0").Contains("lolwat"));
        Assert.False(SpecifierSet.Parse("===lolwat,>=1.0").Contains("lolwat"));
        Assert.Equal(["lolwat"], SpecifierSet.Parse("===lolwat").Filter(["lolwat", "1.0", "other"]));
    }

    [Fact]
    public void Specifiers_ask_for_prereleases_when_their_version_is_one()
    {
        Assert.True(Specifier.Parse(">=1.0a1").Prereleases);
        Assert.True(Specifier.Parse("==1.0.dev1").Prereleases);
        Assert.False(Specifier.Parse(">=1.0").Prereleases);
        Assert.False(Specifier.Parse("!=1.0a1").Prereleases);
        Assert.False(Specifier.Parse("==1.0.*").Prereleases);
        Assert.Null(SpecifierSet.Parse("").Prereleases);
        Assert.Null(SpecifierSet.Parse(">=1.0").Prereleases);
        Assert.True(SpecifierSet.Parse(">=1.0,<2.0a3").Prereleases);
        Assert.False(SpecifierSet.Parse(">=1.0a1", prereleases: false).Prereleases);
    }

    [Fact]
    public void Contains_accepts_a_matching_prerelease_unless_told_not_to()
    {
        Assert.True(Specifier.Parse(">=1.2.3").Contains("1.3.0a1"));
        Assert.False(Specifier.Parse(">=1.2.3", prereleases: false).Contains("1.3.0a1"));
        Assert.False(Specifier.Parse(">=1.2.3").Contains("1.3.0a1", prereleases: false));
        Assert.True(SpecifierSet.Parse(">=1.0.0,!=1.0.1").Contains("1.3.0a1"));
        Assert.False(SpecifierSet.Parse(">=1.0.0,!=1.0.1", prereleases: false).Contains("1.3.0a1"));
        Assert.True(SpecifierSet.Parse(">=1.0.0,!=1.0.1", prereleases: false).Contains("1.3.0a1", prereleases: true));
        Assert.True(SpecifierSet.Parse(">=1.0", prereleases: false).Contains("1.1a1", installed: true));
        Assert.True(SpecifierSet.Empty.Contains("1.0a1"));
        Assert.False(SpecifierSet.Empty.Contains("1.0a1", prereleases: false));
        Assert.False(SpecifierSet.Parse(">=1.0.0,!=1.0.1").Contains("1.0.1"));
    }

    [Fact]
    public void Filter_prefers_final_releases_per_pep_440()
    {
        static string[] Filter(string set, string[] versions, bool? pre = null, bool? setPre = null) =>
            SpecifierSet.Parse(set, setPre).Filter(versions.Select(PackageVersion.Parse), pre).Select(v => v.ToString()).ToArray();

        Assert.Equal(["1.3"], Filter(">=1.2.3", ["1.2", "1.3", "1.5a1"]));
        Assert.Equal(["1.5a1"], Filter(">=1.2.3", ["1.2", "1.5a1"]));
        Assert.Equal(["1.3", "1.5a1"], Filter(">=1.2.3", ["1.3", "1.5a1"], pre: true));
        Assert.Equal(["1.3", "1.5a1"], Filter(">=1.2.3", ["1.3", "1.5a1"], setPre: true));
        Assert.Equal([], Filter(">=1.2.3", ["1.2", "1.5a1"], pre: false));
        Assert.Equal(["1.3"], Filter("", ["1.3", "1.5a1"]));
        Assert.Equal(["1.5a1"], Filter("", ["1.5a1"]));
        Assert.Equal(["1.3", "1.5a1"], Filter("", ["1.3", "1.5a1"], pre: true));
        // A pre-release in the specifier opts the whole set in.
        Assert.Equal(["1.0", "1.1a1"], Filter(">=1.0a1", ["1.0", "1.1a1"]));
        Assert.Equal(["2.0a1", "1.5"], Filter(">=1.0a1,<3", ["2.0a1", "1.5", "0.9"]));
        Assert.Equal(["1.5"], Specifier.Parse(">=1.0").Filter(new[] { "1.5a1", "1.5", "0.1" }.Select(PackageVersion.Parse)).Select(v => v.ToString()));
        Assert.Equal(["1.3", "1.4"], SpecifierSet.Parse(">=1.2.3").Filter(["1.2", "1.3", "1.4", "1.5a1", "bogus"]));
        Assert.Equal(["1.3", "bogus"], SpecifierSet.Empty.Filter(["1.3", "1.5a1", "bogus"]));
    }

    [Fact]
    public void Equality_and_text_are_canonical()
    {
        Assert.Equal(Specifier.Parse("==1.2.3"), Specifier.Parse("== 1.2.3.0"));
        Assert.NotEqual(Specifier.Parse("~=1.2.3"), Specifier.Parse("~=1.2.3.0"));
        Assert.NotEqual(Specifier.Parse("==1.2.3"), Specifier.Parse("~=1.2.3"));
        Assert.Equal(">=1.0", Specifier.Parse("  >= 1.0 ").ToString());
        Assert.Equal("!=1.0.1,>=1.0.0", SpecifierSet.Parse(">=1.0.0, !=1.0.1").ToString());
        Assert.Equal(SpecifierSet.Parse(">=1.0.0,!=1.0.1"), SpecifierSet.Parse("!=1.0.1 , >=1.0"));
        Assert.Equal("!=1.0.1,!=2.0.1,<=2.0.0,>=1.0.0", SpecifierSet.Parse(">=1.0.0,!=1.0.1").And(SpecifierSet.Parse("<=2.0.0,!=2.0.1")).ToString());
        Assert.Equal(0, SpecifierSet.Parse(" , ").Count);
    }

    // ---------------------------------------------------------------- properties

    private static Arbitrary<(PackageVersion Spec, PackageVersion Candidate)> Pairs() => Arb.From(
        from a in VersionGenerators.VersionString
        from b in VersionGenerators.VersionString
        select (PackageVersion.Parse(a).PublicVersion, PackageVersion.Parse(b)));

    [Property(Arbitrary = [typeof(VersionGenerators)], MaxTest = 300)]
    public bool Equal_specifier_contains_its_own_version(string text)
    {
        var version = PackageVersion.Parse(text);
        return Specifier.Parse("==" + version).Contains(version, prereleases: true)
            && Specifier.Parse("==" + version.PublicVersion).Contains(version, prereleases: true)
            && !Specifier.Parse("!=" + version).Contains(version, prereleases: true)
            && Specifier.Parse("===" + version).Contains(version)
            && Specifier.Parse("==" + version.BaseVersion + ".*").Contains(version, prereleases: true);
    }

    [Property(MaxTest = 400)]
    public Property Greater_or_equal_and_less_are_complementary() => Prop.ForAll(Pairs(), pair =>
    {
        var (spec, candidate) = pair;
        var atLeast = Specifier.Parse(">=" + spec).Contains(candidate, prereleases: true);
        var below = Specifier.Parse("<" + spec).Contains(candidate, prereleases: true);
        // The only versions in neither: pre-releases of V's own release, which <V excludes when V is final.
        var carvedOut = !spec.IsPrerelease && candidate.IsPrerelease && candidate < spec
            && candidate.Epoch == spec.Epoch && PackageVersion.CompareRelease(candidate.Release.ToArray(), spec.Release.ToArray()) == 0;
        return atLeast == (candidate >= spec) && !(atLeast && below) && (atLeast || below || carvedOut)
            && (!below || candidate < spec);
    });

    [Property(MaxTest = 400)]
    public Property Less_or_equal_and_greater_never_overlap() => Prop.ForAll(Pairs(), pair =>
    {
        var (spec, candidate) = pair;
        var atMost = Specifier.Parse("<=" + spec).Contains(candidate, prereleases: true);
        var above = Specifier.Parse(">" + spec).Contains(candidate, prereleases: true);
        return !(atMost && above) && (!above || candidate > spec) && (atMost == (candidate.PublicVersion <= spec));
    });
}
