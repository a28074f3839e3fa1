using Moat.Packaging;

namespace Moat.Packaging.Tests;

public class ProjectNameTests
{
    [Theory]
    [InlineData("friendly-bard", "friendly-bard")]
    [InlineData("Friendly-Bard", "friendly-bard")]
    [InlineData("FRIENDLY-BARD", "friendly-bard")]
    [InlineData("friendly.bard", "friendly-bard")]
    [InlineData("friendly_bard", "friendly-bard")]
    [InlineData("friendly--bard", "friendly-bard")]
    [InlineData("FrIeNdLy-._.-bArD", "friendly-bard")]
    [InlineData("zope.interface", "zope-interface")]
    public void Normalize_follows_pep_503(string name, string expected) =>
        Assert.Equal(expected, ProjectName.Normalize(name));

    [Theory]
    [InlineData("requests", true)]
    [InlineData("a", true)]
    [InlineData("zope.interface", true)]
    [InlineData("-leading", false)]
    [InlineData("trailing.", false)]
    [InlineData("", false)]
    [InlineData("spaces here", false)]
    [InlineData("reqüests", false)]
    public void IsValid_follows_pypis_rule(string name, bool expected) =>
        Assert.Equal(expected, ProjectName.IsValid(name));

    [Theory]
    [InlineData("pillow", "p1110w")]
    [InlineData("PIL-low", "p1110w")]
    [InlineData("python-dateutil", "pyth0ndateut11")]
    public void Ultranormalize_folds_lookalikes_and_separators(string name, string expected) =>
        Assert.Equal(expected, ProjectName.Ultranormalize(name));

    [Fact]
    public void Ultranormalize_collides_for_lookalike_names() =>
        Assert.Equal(ProjectName.Ultranormalize("colorama"), ProjectName.Ultranormalize("c0l0rama"));
}
