using Moat.Packaging.Filenames;

namespace Moat.Packaging.Tests.Filenames;

public class FilenameTests
{
    [Fact]
    public void Parses_a_wheel_with_compressed_tag_sets()
    {
        var wheel = WheelFilename.Parse("six-1.16.0-py2.py3-none-any.whl");
        Assert.Equal("six", wheel.Name);
        Assert.Equal("1.16.0", wheel.Version.ToString());
        Assert.Null(wheel.BuildTag);
        Assert.Equal(["py2-none-any", "py3-none-any"], wheel.Tags.Select(t => t.ToString()));
    }

    [Fact]
    public void Parses_build_tags_and_platform_sets()
    {
        var wheel = WheelFilename.Parse("Foo_Bar-2.0rc1-12abc-cp311.cp312-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl");
        Assert.Equal("Foo_Bar", wheel.Name);
        Assert.Equal("foo-bar", wheel.NormalizedName);
        Assert.Equal(new WheelBuildTag(12, "abc"), wheel.BuildTag);
        Assert.Equal(4, wheel.Tags.Count);
        Assert.Contains(new WheelTag("cp312", "abi3", "manylinux2014_x86_64"), wheel.Tags);
        Assert.Equal("foo_bar", WheelFilename.FormatName("Foo.Bar"));
    }

    [Theory]
    [InlineData("six-1.16.0-py3-none-any.zip", "extension must be '.whl'")]
    [InlineData("six-1.16.0-none-any.whl", "expected 5 or 6 dash-separated parts")]
    [InlineData("six-1.16.0-1-2-py3-none-any.whl", "expected 5 or 6")]
    [InlineData("six-french-py3-none-any.whl", "invalid version 'french'")]
    [InlineData("six__x-1.0-py3-none-any.whl", "invalid project name")]
    [InlineData("s%x-1.0-py3-none-any.whl", "invalid project name")]
    [InlineData("six-1.0-abc-py3-none-any.whl", "build tag 'abc' must start with a number")]
    [InlineData("six-1.0-py3..py2-none-any.whl", "empty compatibility tag")]
    public void Rejects_bad_wheel_filenames_with_a_reason(string filename, string reason)
    {
        Assert.False(WheelFilename.TryParse(filename, out _, out var error));
        Assert.Contains(reason, error);
        Assert.Throws<FormatException>(() => WheelFilename.Parse(filename));
    }

    [Theory]
    [InlineData("foo_bar-1.0.tar.gz", "foo_bar", "1.0", SdistFormat.TarGz, true)]
    [InlineData("Foo-Bar-1.0.tar.gz", "Foo-Bar", "1.0", SdistFormat.TarGz, false)]
    [InlineData("foo-1.0.post1.zip", "foo", "1.0.post1", SdistFormat.Zip, false)]
    [InlineData("foo-1.0.tgz", "foo", "1.0", SdistFormat.Tgz, false)]
    [InlineData("foo-1.0.tar.bz2", "foo", "1.0", SdistFormat.TarBz2, false)]
    [InlineData("foo-1.0.tar.xz", "foo", "1.0", SdistFormat.TarXz, false)]
    [InlineData("foo-1.0.tar", "foo", "1.0", SdistFormat.Tar, false)]
    [InlineData("foo-1.0a.tar.gz", "foo", "1.0a0", SdistFormat.TarGz, false)]
    [InlineData("zope.interface-6.0.tar.gz", "zope.interface", "6.0", SdistFormat.TarGz, false)]
    public void Parses_sdist_filenames(string filename, string name, string version, SdistFormat format, bool pep625)
    {
        var sdist = SdistFilename.Parse(filename);
        Assert.Equal(name, sdist.Name);
        Assert.Equal(version, sdist.Version.ToString());
        Assert.Equal(format, sdist.Format);
        Assert.Equal(pep625, sdist.IsPep625);
    }

    [Theory]
    [InlineData("foo-1.0.rar", "extension must be")]
    [InlineData("foo.tar.gz", "expected '{name}-{version}.tar.gz'")]
    [InlineData("foo-bar.tar.gz", "invalid version 'bar'")]
    [InlineData("-1.0.tar.gz", "expected '{name}-{version}.tar.gz'")]
    [InlineData("fo$o-1.0.zip", "invalid project name")]
    public void Rejects_bad_sdist_filenames_with_a_reason(string filename, string reason)
    {
        Assert.False(SdistFilename.TryParse(filename, out _, out var error));
        Assert.Contains(reason, error);
    }

    [Theory]
    [InlineData("setuptools-0.6c11-py2.7.egg", "setuptools", "0.6rc11", "2.7", null)]
    [InlineData("pyobjc_core-2.5-py2.7-macosx-10.8-intel.egg", "pyobjc_core", "2.5", "2.7", "macosx-10.8-intel")]
    [InlineData("foo-1.0.egg", "foo", "1.0", null, null)]
    public void Parses_egg_filenames(string filename, string name, string version, string? python, string? platform)
    {
        var egg = EggFilename.Parse(filename);
        Assert.Equal((name, version, python, platform), (egg.Name, egg.Version.ToString(), egg.PythonVersion, egg.Platform));
    }

    [Theory]
    [InlineData("foo.egg", "expected '{name}-{version}")]
    [InlineData("foo-1.0-2.7.egg", "expected a Python tag")]
    [InlineData("foo-x.y-py2.7.egg", "invalid version")]
    public void Rejects_bad_egg_filenames(string filename, string reason)
    {
        Assert.False(EggFilename.TryParse(filename, out _, out var error));
        Assert.Contains(reason, error);
    }

    [Fact]
    public void Dispatches_by_extension()
    {
        Assert.True(DistributionFilename.TryParse("a-1.0-py3-none-any.whl", out var wheel, out _));
        Assert.IsType<WheelFilename>(wheel);
        Assert.True(DistributionFilename.TryParse("a-1.0.tar.gz", out var sdist, out _));
        Assert.IsType<SdistFilename>(sdist);
        Assert.True(DistributionFilename.TryParse("a-1.0-py3.9.egg", out var egg, out _));
        Assert.IsType<EggFilename>(egg);
        Assert.False(DistributionFilename.TryParse("a.exe", out _, out var error));
        Assert.Contains("extension", error);
    }
}
