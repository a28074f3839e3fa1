using Moat.Packaging.Distributions;

namespace Moat.Packaging.Tests.Distributions;

public sealed class PackageTypeTests
{
    [Theory]
    [InlineData("bdist_wheel", PackageType.Wheel)]
    [InlineData("sdist", PackageType.Sdist)]
    public void The_wire_names_round_trip(string wire, PackageType type)
    {
        Assert.True(PackageTypeNames.TryParse(wire, out var parsed));
        Assert.Equal(type, parsed);
        Assert.Equal(wire, PackageTypeNames.Of(type));
        Assert.Equal(type, PackageTypeNames.Parse(wire));
    }

    [Theory]
    [InlineData("bdist_egg")]
    [InlineData("Sdist")]
    [InlineData("wheel")]
    [InlineData("")]
    [InlineData(null)]
    public void Anything_else_is_refused(string? wire)
    {
        Assert.False(PackageTypeNames.TryParse(wire, out _));
        if (wire is not null) Assert.Throws<InvalidDataException>(() => PackageTypeNames.Parse(wire));
    }

    [Theory]
    [InlineData("demo_pkg-1.0-py3-none-any.whl", PackageType.Wheel)]
    [InlineData("demo_pkg-1.0.tar.gz", PackageType.Sdist)]
    public void The_filename_decides_the_type(string filename, PackageType type) =>
        Assert.Equal(type, DistributionInspector.ParseFilename(filename, out _)?.PackageType);
}
