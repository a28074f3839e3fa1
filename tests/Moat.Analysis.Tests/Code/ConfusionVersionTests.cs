using Moat.Analysis.Code;

namespace Moat.Analysis.Tests.Code;

public class ConfusionVersionTests
{
    [Theory]
    [InlineData("0.0.0", true)]
    [InlineData("0", true)]
    [InlineData("v0.0.0.0", true)]
    [InlineData("99.0.1", true)]
    [InlineData("999.0.4", true)]
    [InlineData("1!99.0", true)]
    [InlineData("99rc1", true)]
    [InlineData("0.0.1", false)]
    [InlineData("2024.10.1", false)]
    [InlineData("98.0", false)]
    [InlineData("not a version", false)]
    public void Dependency_confusion_versions_are_all_zero_or_99_and_up_but_not_calendar_years(string version, bool expected) =>
        Assert.Equal(expected, PackageScanner.IsConfusionVersion(version));
}
