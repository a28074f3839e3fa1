using System.IO.Compression;
using Moat.Packaging.Archives;

namespace Moat.Packaging.Tests.Archives;

/// <summary>
/// The wheels Debian ships (python3-pip-whl, python3-setuptools-whl, python3-wheel-whl; .ci/run installs them),
/// read by the safe reader and checked against System.IO.Compression's own listing.
/// </summary>
public class RealWheelTests
{
    private const string WheelDirectory = "/usr/share/python-wheels";

    public static TheoryData<string> Wheels()
    {
        var data = new TheoryData<string>();
        foreach (var project in new[] { "pip", "setuptools", "wheel" })
        {
            var found = Directory.Exists(WheelDirectory) ? Directory.GetFiles(WheelDirectory, project + "-*.whl") : [];
            // A missing wheel is a missing test dependency, not a pass: the test fails with how to install it.
            data.Add(found.Length > 0 ? found[0] : Path.Combine(WheelDirectory, $"{project}-MISSING (apt-get install python3-{project}-whl).whl"));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Wheels))]
    public void Debian_wheels_read_like_system_io_compression_lists_them(string wheel)
    {
        Assert.True(File.Exists(wheel), $"{wheel} not found");
        List<(string Path, long Length)> expected;
        using (var zip = ZipFile.OpenRead(wheel))
        {
            expected = zip.Entries.Select(e => (e.FullName.TrimEnd('/'), e.FullName.EndsWith('/') ? 0L : e.Length)).ToList();
        }

        var seen = new List<(string Path, long Length)>();
        string? metadata = null;
        var result = SafeArchive.Read(wheel, m =>
        {
            var bytes = m.ReadAllBytes();
            Assert.Equal(m.Size, bytes.Length);
            seen.Add((m.Path, bytes.Length));
            if (m.Depth == 0 && m.Path.EndsWith(".dist-info/METADATA", StringComparison.Ordinal)) metadata = System.Text.Encoding.UTF8.GetString(bytes);
        });

        Assert.Equal(ArchiveFormat.Zip, result.Format);
        Assert.True(result.Completed);
        Assert.Empty(result.Issues);
        Assert.Equal(expected.Count, result.MemberCount);
        Assert.Equal(expected, seen);
        Assert.Equal(seen.Sum(s => s.Length), result.TotalBytes);

        // METADATA is readable and names the project the file name says.
        Assert.NotNull(metadata);
        var project = Path.GetFileName(wheel).Split('-')[0];
        Assert.Contains("Metadata-Version: ", metadata);
        Assert.Contains($"\nName: {project}\n", metadata);
        Assert.Contains($"\nVersion: {Path.GetFileName(wheel).Split('-')[1]}\n", metadata);
    }

    [Fact]
    public void Debian_wheels_nested_in_a_tarball_are_read_through_the_same_code()
    {
        var wheels = Directory.Exists(WheelDirectory) ? Directory.GetFiles(WheelDirectory, "*.whl") : [];
        Assert.NotEmpty(wheels);
        var tar = ArchiveFactory.Build(ArchiveFormat.TarGzip, wheels.Select(w => new Entry("wheels/" + Path.GetFileName(w), File.ReadAllBytes(w))).ToArray());

        var outcome = ReadOutcome.Of(tar, "bundle.tar.gz");

        Assert.True(outcome.Result.Completed);
        Assert.Empty(outcome.Result.Issues);
        foreach (var wheel in wheels)
        {
            using var zip = ZipFile.OpenRead(wheel);
            var prefix = "wheels/" + Path.GetFileName(wheel) + "!/";
            Assert.Equal(zip.Entries.Select(e => prefix + e.FullName), outcome.Paths.Where(p => p.StartsWith(prefix, StringComparison.Ordinal)));
        }
    }
}
