namespace Moat.Packaging.Tests;

public sealed class NormalizedNameTests
{
    [Theory]
    [InlineData("Foo_Bar", "foo-bar")]
    [InlineData("foo.bar", "foo-bar")]
    [InlineData("FOO--__..bar", "foo-bar")]
    [InlineData("requests", "requests")]
    public void Of_normalizes_any_spelling_per_PEP_503(string spelling, string normalized)
    {
        var name = NormalizedName.Of(spelling);

        Assert.Equal(normalized, name.Value);
        Assert.Equal(normalized, (string)name);
        Assert.Equal(normalized, $"{name}");
    }

    [Fact]
    public void Two_spellings_of_one_project_are_the_same_name_and_others_order_ordinally()
    {
        Assert.Equal(NormalizedName.Of("Django_REST.framework"), NormalizedName.Of("django-rest-framework"));
        Assert.NotEqual(NormalizedName.Of("django"), NormalizedName.Of("djangoo"));
        Assert.True(NormalizedName.Of("alpha").CompareTo(NormalizedName.Of("Beta")) < 0);
    }

    [Fact]
    public void An_unset_name_reads_as_empty_not_null() => Assert.Equal("", default(NormalizedName).Value);
}
