using Moat.Analysis.Text;

namespace Moat.Analysis.Tests.Text;

public class TextPrimitivesTests
{
    [Fact]
    public void Confusables_table_is_loaded_from_the_embedded_file() => Assert.True(Confusables.Count > 6000);

    [Theory]
    [InlineData("раураl", "paypal")]      // Cyrillic р, а, у
    [InlineData("rеquests", "requests")]  // Cyrillic е
    public void Skeletons_of_homoglyph_strings_match(string lookalike, string original) =>
        Assert.Equal(Confusables.Skeleton(original), Confusables.Skeleton(lookalike));

    [Theory]
    [InlineData("ｒｅｑｕｅｓｔｓ", "requests")] // fullwidth: NFKC, not the confusables table, maps these
    [InlineData("раураl", "paypal")]
    [InlineData("PayPaI", "paypal")]           // capital I for l
    public void Fold_also_maps_compatibility_forms_and_case(string lookalike, string original) =>
        Assert.Equal(Confusables.Fold(original), Confusables.Fold(lookalike));

    [Fact]
    public void Different_words_keep_different_skeletons() =>
        Assert.NotEqual(Confusables.Skeleton("requests"), Confusables.Skeleton("request"));

    [Fact]
    public void Ascii_rn_and_m_share_a_skeleton() =>
        Assert.Equal(Confusables.Skeleton("rnodern"), Confusables.Skeleton("modem"));

    [Theory]
    [InlineData("requests", "reqeusts", 1)]
    [InlineData("requests", "requets", 1)]
    [InlineData("requests", "rrequests", 1)]
    [InlineData("requests", "reqests", 1)]
    [InlineData("colorama", "colourama", 1)]
    [InlineData("python-dateutil", "python-dateutils", 1)]
    [InlineData("numpy", "nmupy", 1)]
    [InlineData("urllib3", "urlib", 2)]
    [InlineData("django", "flask", 3)]
    [InlineData("", "abc", 3)]
    [InlineData("same", "same", 0)]
    public void Bounded_distance_counts_edits_and_swaps(string a, string b, int expected) =>
        Assert.Equal(expected, EditDistance.Bounded(a, b, 2) is var d && d > 2 ? 3 : d);

    [Fact]
    public void Bounded_distance_stops_early_on_far_strings() =>
        Assert.Equal(2, EditDistance.Bounded("abcdefghij", "zyxwvutsrq", 1));

    [Theory]
    [InlineData('q', 'w', true)]
    [InlineData('z', 'u', true)]   // neighbours on QWERTZ only (z sits where QWERTY has y)
    [InlineData('q', 'z', true)]   // neighbours on AZERTY (q is beside s, z above it... and a/q)
    [InlineData('q', 'p', false)]
    public void Keyboard_neighbours_cover_three_layouts(char a, char b, bool expected) =>
        Assert.Equal(expected, KeyboardNeighbours.AreNeighbours(a, b));

    [Fact]
    public void Qwerty_neighbours_of_s() =>
        Assert.Equal("adewxz", new string([.. KeyboardNeighbours.Of('s', KeyboardLayout.Qwerty).Order()]));

    [Fact]
    public void Lookalike_variants_include_rn_for_m() =>
        Assert.Contains(AsciiLookalikes.Variants("numpy"), v => v.Variant == "nurnpy");
}
