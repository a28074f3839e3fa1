using System.IO.Compression;
using Moat.Packaging.Filenames;
using Moat.Packaging.Metadata;
using Moat.Packaging.Requirements;

namespace Moat.Packaging.Tests.Metadata;

/// <summary>
/// The wheels Debian ships in python3-pip-whl, python3-setuptools-whl and python3-wheel-whl (installed by .ci/run):
/// real files written by real build tools, parsed end to end.
/// </summary>
public class RealWheelTests
{
    private const string WheelDirectory = "/usr/share/python-wheels";

    public static TheoryData<string> Wheels()
    {
        var data = new TheoryData<string>();
        foreach (var expected in new[] { "pip-", "setuptools-", "wheel-" })
        {
            var found = Directory.Exists(WheelDirectory) ? Directory.GetFiles(WheelDirectory, expected + "*.whl") : [];
            // A missing wheel must fail loudly, not shrink the test: .ci/run installs these packages.
            data.Add(found.Length > 0 ? found[0] : Path.Combine(WheelDirectory, expected + "MISSING (apt-get install python3-pip-whl python3-setuptools-whl python3-wheel-whl).whl"));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Wheels))]
    public void Filename_and_metadata_agree_with_the_wheel_contents(string path)
    {
        Assert.True(File.Exists(path), $"{path} not found");
        var filename = WheelFilename.Parse(Path.GetFileName(path));
        Assert.Contains(new WheelTag("py3", "none", "any"), filename.Tags);

        using var zip = ZipFile.OpenRead(path);
        var metadataEntry = zip.GetEntry($"{filename.Name}-{filename.Version}.dist-info/METADATA");
        Assert.NotNull(metadataEntry);
        byte[] bytes;
        using (var stream = metadataEntry.Open())
        using (var buffer = new MemoryStream())
        {
            stream.CopyTo(buffer);
            bytes = buffer.ToArray();
        }
        var metadata = CoreMetadata.Parse(bytes);
        Assert.Empty(metadata.Problems);
        Assert.Equal(filename.NormalizedName, metadata.NormalizedName);
        Assert.Equal(filename.Version, metadata.Version);

        // Independent reading of the header block: every Requires-Dist line became a requirement.
        var headerLines = System.Text.Encoding.UTF8.GetString(bytes).ReplaceLineEndings("\n").Split("\n\n")[0].Split('\n');
        string[] Header(string name) => headerLines.Where(l => l.StartsWith(name + ": ", StringComparison.Ordinal)).Select(l => l[(name.Length + 2)..]).ToArray();
        Assert.Equal(Header("Requires-Dist").Length, metadata.RequiresDist.Count);
        Assert.Equal(Header("Requires-Python").Single(), metadata.RequiresPython!.ToString());
        Assert.Equal(Header("Provides-Extra"), metadata.ProvidesExtra);
        Assert.Equal(Header("Metadata-Version").Single(), metadata.MetadataVersion);
        Assert.True(metadata.RequiresPython.Contains("3.11.2"));
        Assert.False(metadata.RequiresPython.Contains("2.7"));

        // Markers evaluate: a requirement guarded by `extra == X` applies exactly when X is requested.
        var environment = MarkerEnvironment.ForCPython("3.11.2", MarkerEnvironment.Platform.Linux);
        foreach (var requirement in metadata.RequiresDist)
        {
            Assert.True(requirement.Marker is not null, $"{requirement} has no marker");
            var text = requirement.Marker!.ToString();
            var extra = metadata.ProvidesExtra.FirstOrDefault(e => text.Contains($"extra == \"{e}\"", StringComparison.Ordinal));
            Assert.NotNull(extra);
            Assert.False(requirement.AppliesTo(environment), $"{requirement} applies without its extra");
            // With the extra, a marker that is only the extra test holds; a compound one (extra and platform) is
            // evaluated for real and must at least not throw.
            var withExtra = requirement.Marker.Evaluate(environment.WithExtra(extra));
            if (text == $"extra == \"{extra}\"") Assert.True(withExtra, $"{requirement} does not apply with extra {extra}");
        }
    }

    [Fact]
    public void Setuptools_declares_its_docs_and_testing_extras()
    {
        var path = Directory.GetFiles(WheelDirectory, "setuptools-*.whl").Single();
        using var zip = ZipFile.OpenRead(path);
        var entry = zip.Entries.Single(e => e.FullName.EndsWith(".dist-info/METADATA", StringComparison.Ordinal));
        using var reader = new StreamReader(entry.Open());
        var metadata = CoreMetadata.Parse(reader.ReadToEnd());
        var packaging = metadata.RequiresDist.Single(r => r.Name == "jaraco.packaging");
        Assert.Equal(">=9", packaging.Specifier.ToString());
        Assert.Equal("extra == \"docs\"", packaging.Marker!.ToString());
        Assert.Contains("docs", metadata.ProvidesExtra);
        Assert.True(packaging.AppliesTo(MarkerEnvironment.ForCPython().WithExtra("docs")));
        Assert.False(packaging.AppliesTo(MarkerEnvironment.ForCPython().WithExtra("certs")));
        Assert.False(string.IsNullOrWhiteSpace(metadata.Description));
    }
}
