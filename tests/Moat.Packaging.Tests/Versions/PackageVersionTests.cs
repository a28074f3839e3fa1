using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Moat.Packaging.Versions;

namespace Moat.Packaging.Tests.Versions;

public class PackageVersionTests
{
    /// <summary>PEP 440's ordering example plus packaging's VERSIONS list: strictly ascending.</summary>
    public static readonly string[] AscendingVersions =
    [
        "1.dev0", "1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12", "1.0b1.dev456", "1.0b2",
        "1.0b2.post345.dev456", "1.0b2.post345", "1.0b2-346", "1.0c1.dev456", "1.0c1", "1.0rc2", "1.0c3", "1.0",
        "1.0+abc.5", "1.0+abc.7", "1.0+5", "1.0.post456.dev34", "1.0.post456", "1.0.15", "1.1.dev1",
        "1.2+123abc", "1.2+123abc456", "1.2+abc", "1.2+abc123", "1.2+abc123def", "1.2+1234.abc", "1.2+123456",
        "1.2.r32+123456", "1.2.rev33+123456",
        "1!1.0.dev456", "1!1.0a1", "1!1.0a2.dev456", "1!1.0a12.dev456", "1!1.0a12", "1!1.0b1.dev456", "1!1.0b2",
        "1!1.0b2.post345.dev456", "1!1.0b2.post345", "1!1.0b2-346", "1!1.0c1.dev456", "1!1.0c1", "1!1.0rc2",
        "1!1.0c3", "1!1.0", "1!1.0.post456.dev34", "1!1.0.post456", "1!1.1.dev1", "1!1.2+123abc",
        "1!1.2+123abc456", "1!1.2+abc", "1!1.2+abc123", "1!1.2+abc123def", "1!1.2+1234.abc", "1!1.2+123456",
        "1!1.2.r32+123456", "1!1.2.rev33+123456",
    ];

    [Fact]
    public void Spec_ordering_examples_sort_ascending()
    {
        var parsed = AscendingVersions.Select(PackageVersion.Parse).ToList();
        for (var i = 0; i < parsed.Count; i++)
        {
            for (var j = 0; j < parsed.Count; j++)
            {
                Assert.True(Math.Sign(parsed[i].CompareTo(parsed[j])) == Math.Sign(i.CompareTo(j)),
                    $"{AscendingVersions[i]} vs {AscendingVersions[j]}");
            }
        }
        var shuffled = parsed.OrderBy(v => v.GetHashCode()).ThenBy(v => v.ToString().Length).ToList();
        shuffled.Sort();
        Assert.Equal(parsed, shuffled);
    }

    [Theory]
    // Development releases
    [InlineData("1.0dev", "1.0.dev0")] [InlineData("1.0.dev", "1.0.dev0")] [InlineData("1.0dev1", "1.0.dev1")]
    [InlineData("1.0-dev", "1.0.dev0")] [InlineData("1.0-dev1", "1.0.dev1")] [InlineData("1.0DEV", "1.0.dev0")]
    [InlineData("1.0.DEV1", "1.0.dev1")] [InlineData("1.0_dev_1", "1.0.dev1")]
    // Alphas
    [InlineData("1.0a", "1.0a0")] [InlineData("1.0.a", "1.0a0")] [InlineData("1.0.a1", "1.0a1")] [InlineData("1.0-a", "1.0a0")]
    [InlineData("1.0-a1", "1.0a1")] [InlineData("1.0alpha", "1.0a0")] [InlineData("1.0.alpha1", "1.0a1")]
    [InlineData("1.0-alpha1", "1.0a1")] [InlineData("1.0A", "1.0a0")] [InlineData("1.0ALPHA1", "1.0a1")] [InlineData("1.0a_1", "1.0a1")]
    // Betas
    [InlineData("1.0b", "1.0b0")] [InlineData("1.0.b1", "1.0b1")] [InlineData("1.0beta", "1.0b0")] [InlineData("1.0-beta1", "1.0b1")]
    [InlineData("1.0BETA", "1.0b0")] [InlineData("1.0B1", "1.0b1")]
    // Release candidates
    [InlineData("1.0c", "1.0rc0")] [InlineData("1.0.c1", "1.0rc1")] [InlineData("1.0-c1", "1.0rc1")] [InlineData("1.0rc", "1.0rc0")]
    [InlineData("1.0.rc1", "1.0rc1")] [InlineData("1.0-rc1", "1.0rc1")] [InlineData("1.0C", "1.0rc0")] [InlineData("1.0RC1", "1.0rc1")]
    [InlineData("1.0pre", "1.0rc0")] [InlineData("1.0.pre1", "1.0rc1")] [InlineData("1.0preview", "1.0rc0")] [InlineData("1.0-preview1", "1.0rc1")]
    // Post releases
    [InlineData("1.0post", "1.0.post0")] [InlineData("1.0.post", "1.0.post0")] [InlineData("1.0post1", "1.0.post1")]
    [InlineData("1.0-post", "1.0.post0")] [InlineData("1.0-post1", "1.0.post1")] [InlineData("1.0POST", "1.0.post0")]
    [InlineData("1.0r", "1.0.post0")] [InlineData("1.0rev", "1.0.post0")] [InlineData("1.0.r1", "1.0.post1")] [InlineData("1.0-rev1", "1.0.post1")]
    [InlineData("1.0-1", "1.0.post1")] [InlineData("1.0-5", "1.0.post5")] [InlineData("1.0.post-2", "1.0.post2")]
    // Combinations and implicit forms
    [InlineData("1.0a1.post2.dev3", "1.0a1.post2.dev3")] [InlineData("1.0a1post2dev3", "1.0a1.post2.dev3")]
    [InlineData("1.0-a1-post2-dev3", "1.0a1.post2.dev3")] [InlineData("1.0a1-1", "1.0a1.post1")] [InlineData("1.0a-1", "1.0a1")]
    [InlineData("1.0a.post1", "1.0a0.post1")] [InlineData("1.0.post1.dev2", "1.0.post1.dev2")]
    // Local versions
    [InlineData("1.0+AbC", "1.0+abc")] [InlineData("1.0+ubuntu-1", "1.0+ubuntu.1")] [InlineData("1.0+ubuntu_1", "1.0+ubuntu.1")]
    [InlineData("1.0+01.02", "1.0+1.2")] [InlineData("1.0+1.0a", "1.0+1.0a")]
    // Integer normalization
    [InlineData("1.01", "1.1")] [InlineData("1.0a05", "1.0a5")] [InlineData("1.0b07", "1.0b7")] [InlineData("1.0c056", "1.0rc56")]
    [InlineData("1.0rc09", "1.0rc9")] [InlineData("1.0.post000", "1.0.post0")] [InlineData("1.1.dev09000", "1.1.dev9000")]
    [InlineData("00!1.2", "1.2")] [InlineData("0100!0.0", "100!0.0")]
    // Prefix and whitespace
    [InlineData("v1.0", "1.0")] [InlineData("V1.0", "1.0")] [InlineData("   v1.0\t\n", "1.0")] [InlineData("1!2.0", "1!2.0")]
    [InlineData("1.0.0.0.0.0.0.0.0.0.1", "1.0.0.0.0.0.0.0.0.0.1")] [InlineData("2024.10.27", "2024.10.27")]
    public void Normalizes_every_spelling_the_spec_allows(string input, string expected)
    {
        var version = PackageVersion.Parse(input);
        Assert.Equal(expected, version.ToString());
        Assert.Equal(PackageVersion.Parse(expected), version);
    }

    [Theory]
    [InlineData("french toast")] [InlineData("")] [InlineData("   ")] [InlineData("1.0+a+")] [InlineData("1.0++")]
    [InlineData("1.0+_foobar")] [InlineData("1.0+foo&asd")] [InlineData("1.0+1+1")] [InlineData("1.0.")] [InlineData("1..0")]
    [InlineData("1.0a1a2")] [InlineData("1.0.post1.post2")] [InlineData("1.0.dev1.post1")] [InlineData("1.0-")] [InlineData("1.0+")]
    [InlineData("1.0_1")] [InlineData("v")] [InlineData("1.0 a1")] [InlineData("1!")] [InlineData("!1.0")] [InlineData("1.0.*")]
    [InlineData("1.0alphabet")] [InlineData("1.0previews")] [InlineData("1.0+abc.")] [InlineData("1.0.dev1+")]
    [InlineData("vv1.0")] [InlineData("1.2.3-4-5")] [InlineData("1.0\u0661")]
    public void Rejects_strings_that_are_not_pep_440(string input)
    {
        Assert.False(PackageVersion.TryParse(input, out _, out var error));
        Assert.False(string.IsNullOrWhiteSpace(error));
        var exception = Assert.Throws<FormatException>(() => PackageVersion.Parse(input));
        Assert.Contains(error, exception.Message);
    }

    [Fact]
    public void Errors_say_where_and_what_was_expected()
    {
        PackageVersion.TryParse("1.0+abc!", out _, out var error);
        Assert.Equal("unexpected '!' at position 7", error);
        PackageVersion.TryParse("x1", out _, out error);
        Assert.Equal("expected a release number at position 0, found 'x'", error);
        PackageVersion.TryParse("1.0.1234567890123456789", out _, out error);
        Assert.Contains("more than 18 digits", error);
    }

    [Fact]
    public void Leading_zeros_do_not_count_toward_the_digit_limit() =>
        Assert.Equal("1.5", PackageVersion.Parse("1.00000000000000000000000005").ToString());

    [Theory]
    [InlineData("1.0", "1.0.0")] [InlineData("1", "1.0.0.0")] [InlineData("1.0a1", "1.0.0a1")] [InlineData("1.0+1", "1.0+01")]
    [InlineData("0!1.0", "1.0")] [InlineData("1.0.post0", "1.0-0")] [InlineData("1.0+abc", "1.0+ABC")]
    public void Trailing_zeros_and_spellings_compare_equal(string a, string b)
    {
        var x = PackageVersion.Parse(a);
        var y = PackageVersion.Parse(b);
        Assert.Equal(x, y);
        Assert.Equal(x.GetHashCode(), y.GetHashCode());
        Assert.True(x == y);
        Assert.Equal(0, x.CompareTo(y));
    }

    [Theory]
    [InlineData("1.0", "1.0+local")] [InlineData("1.0+local", "1.0.post0")] [InlineData("1.0.dev0", "1.0a0")]
    [InlineData("1.0a1", "1.0a1.post0")] [InlineData("1.0+abc", "1.0+1")] [InlineData("1.0+abc", "1.0+abc.1")]
    [InlineData("1.0.post1.dev1", "1.0.post1")] [InlineData("0!9.9", "1!0.0")] [InlineData("1.0", "1.0.0.1")]
    [InlineData("1.9", "1.10")] [InlineData("1.0rc1", "1.0")] [InlineData("1.0c1", "1.0rc2")]
    public void Orders_pairs_per_pep_440(string lower, string higher)
    {
        Assert.True(PackageVersion.Parse(lower) < PackageVersion.Parse(higher));
        Assert.True(PackageVersion.Parse(higher) > PackageVersion.Parse(lower));
    }

    [Fact]
    public void Exposes_the_parts()
    {
        var v = PackageVersion.Parse("2!1.2.3rc4.post5.dev6+Ubuntu-7");
        Assert.Equal(2, v.Epoch);
        Assert.Equal([1L, 2, 3], v.Release);
        Assert.Equal(new PreRelease(PreReleaseKind.ReleaseCandidate, 4), v.Pre);
        Assert.Equal(5, v.Post);
        Assert.Equal(6, v.Dev);
        Assert.Equal("ubuntu.7", v.Local);
        Assert.Equal((1, 2, 3), (v.Major, v.Minor, v.Micro));
        Assert.True(v.IsPrerelease && v.IsPostRelease && v.IsDevRelease);
        Assert.Equal("2!1.2.3", v.BaseVersion.ToString());
        Assert.Equal("2!1.2.3rc4.post5.dev6", v.PublicVersion.ToString());
        Assert.Equal("1", PackageVersion.Parse("1.0.0").ToCanonicalString());
        Assert.Equal("1.0.1a1", PackageVersion.Parse("1.0.1a1").ToCanonicalString());
        Assert.False(PackageVersion.Parse("1.0.post1").IsPrerelease);
        Assert.True(PackageVersion.Parse("1.0.dev1").IsPrerelease);
    }

    // ---------------------------------------------------------------- properties

    [Property(Arbitrary = [typeof(VersionGenerators)], MaxTest = 500)]
    public Property Normalized_form_round_trips(string text) =>
        Prop.ToProperty(RoundTrips(text)).Label(text);

    private static bool RoundTrips(string text)
    {
        var version = PackageVersion.Parse(text);
        var normalized = version.ToString();
        var reparsed = PackageVersion.Parse(normalized);
        return reparsed.Equals(version) && reparsed.ToString() == normalized && reparsed.CompareTo(version) == 0;
    }

    [Property(MaxTest = 300)]
    public Property Ordering_is_a_total_order_consistent_with_equality() => Prop.ForAll(
        Arb.From(Gen.ArrayOf(VersionGenerators.VersionString, 3)),
        texts =>
        {
            var (a, b, c) = (PackageVersion.Parse(texts[0]), PackageVersion.Parse(texts[1]), PackageVersion.Parse(texts[2]));
            var antisymmetric = Math.Sign(a.CompareTo(b)) == -Math.Sign(b.CompareTo(a));
            var equalityAgrees = (a.CompareTo(b) == 0) == a.Equals(b) && (!a.Equals(b) || a.GetHashCode() == b.GetHashCode());
            var transitive = !(a <= b && b <= c) || a <= c;
            var reflexive = a.CompareTo(a) == 0 && a.Equals(PackageVersion.Parse(a.ToString()));
            return antisymmetric && equalityAgrees && transitive && reflexive;
        });

    [Property(Arbitrary = [typeof(VersionGenerators)], MaxTest = 300)]
    public bool Related_pairs_compare_consistently((string, string) pair)
    {
        var (a, b) = (PackageVersion.Parse(pair.Item1), PackageVersion.Parse(pair.Item2));
        return Math.Sign(a.CompareTo(b)) == -Math.Sign(b.CompareTo(a)) && (a.CompareTo(b) == 0) == a.Equals(b);
    }

    [Property(Arbitrary = [typeof(VersionGenerators)], MaxTest = 300)]
    public bool Trailing_zero_release_components_never_change_equality(string text)
    {
        var version = PackageVersion.Parse(text);
        var normalized = version.ToString();
        var baseText = version.BaseVersion.ToString();
        var padded = PackageVersion.Parse(baseText + ".0" + normalized[baseText.Length..]);
        return padded.Equals(version) && padded.GetHashCode() == version.GetHashCode();
    }
}

public class PackageVersionSortKeyTests
{
    /// <summary>
    /// Versions that reach every branch of the sort key: releases longer than the four numbers the key holds, and
    /// pre/post/dev numbers on both sides of the 20-bit packing limit, in related pairs so that ties get that far.
    /// </summary>
    private static Gen<(string, string)> Pairs()
    {
        var number = Gen.Frequency((6, Gen.Choose(0, 3)), (2, Gen.Choose((1 << 20) - 3, (1 << 20) + 1)), (1, Gen.Choose(0, int.MaxValue)))
            .Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var release = Gen.Choose(1, 7).SelectMany(count => Gen.ArrayOf(Gen.Frequency((5, Gen.Choose(0, 2)), (1, Gen.Choose(0, 99999))), count))
            .Select(parts => string.Join('.', parts));
        Gen<string> Optional(Gen<string> gen) => Gen.Frequency((1, Gen.Constant("")), (1, gen));
        var suffix = from pre in Optional(from label in Gen.Elements("a", "b", "rc") from n in number select label + n)
                     from post in Optional(number.Select(n => ".post" + n))
                     from dev in Optional(number.Select(n => ".dev" + n))
                     from local in Optional(Gen.Elements("+abc", "+1", "+1.abc", "+cu118"))
                     select pre + post + dev + local;
        return from ra in release
               from rb in Gen.Frequency((2, Gen.Constant(ra)), (1, Gen.Constant(ra + ".0")), (1, release))
               from sa in suffix
               from sb in Gen.Frequency((1, Gen.Constant(sa)), (3, suffix))
               select (ra + sa, rb + sb);
    }

    [Property(MaxTest = 2000)]
    public Property Fast_comparison_agrees_with_the_reference_comparison() => Prop.ForAll(Arb.From(Pairs()), pair =>
    {
        var (a, b) = (PackageVersion.Parse(pair.Item1), PackageVersion.Parse(pair.Item2));
        return (Math.Sign(a.CompareTo(b)) == Math.Sign(PackageVersion.CompareReference(a, b))
                && Math.Sign(b.CompareTo(a)) == Math.Sign(PackageVersion.CompareReference(b, a))).Label($"{a} vs {b}");
    });

    [Theory]
    [InlineData("1.0.0.0.1", "1.0.0.0.2")]          // differs past the four numbers in the key
    [InlineData("1.0.0.0", "1.0.0.0.0.1")]
    [InlineData("1.0a1048575", "1.0a1048576")]      // pre-release numbers at the packing limit
    [InlineData("1.0.post1048574", "1.0.post1048575")]
    [InlineData("1.0.dev1048575", "1.0.dev1048576")]
    [InlineData("1.0.dev1048576", "1.0a0")]
    [InlineData("1.0.post99999999999", "1.0.post99999999999+local")]
    public void Versions_beyond_the_packed_key_still_sort_by_the_spec(string lower, string higher)
    {
        var (a, b) = (PackageVersion.Parse(lower), PackageVersion.Parse(higher));
        Assert.True(a.CompareTo(b) < 0);
        Assert.True(b.CompareTo(a) > 0);
        Assert.True(PackageVersion.CompareReference(a, b) < 0);
    }
}
