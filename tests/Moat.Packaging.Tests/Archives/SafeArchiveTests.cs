using System.Text;
using Moat.Packaging.Archives;

namespace Moat.Packaging.Tests.Archives;

public class SafeArchiveTests
{
    private static readonly Entry[] SamplePackage =
    [
        Entry.Dir("pkg-1.0/pkg"),
        Entry.Text("pkg-1.0/pkg/__init__.py", "__version__ = '1.0'\n"),
        Entry.Text("pkg-1.0/pkg/sub/mod.py", "def f():\n    return 'ünïcode'\n"),
        Entry.Text("pkg-1.0/PKG-INFO", "Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n"),
        new Entry("pkg-1.0/empty.txt", []),
    ];

    public static TheoryData<ArchiveFormat> WritableFormats =>
        [ArchiveFormat.Zip, ArchiveFormat.Tar, ArchiveFormat.TarGzip, ArchiveFormat.TarBzip2];

    [Theory]
    [MemberData(nameof(WritableFormats))]
    public void Every_format_round_trips(ArchiveFormat format) => AssertRoundTrip(format, seekable: true);

    [Theory]
    [MemberData(nameof(WritableFormats))]
    public void Every_format_round_trips_from_a_forward_only_stream(ArchiveFormat format) => AssertRoundTrip(format, seekable: false);

    [XzFact]
    public void Tar_xz_round_trips()
    {
        AssertRoundTrip(ArchiveFormat.TarXz, seekable: true);
        AssertRoundTrip(ArchiveFormat.TarXz, seekable: false);
    }

    private static void AssertRoundTrip(ArchiveFormat format, bool seekable)
    {
        var archive = ArchiveFactory.Build(format, SamplePackage);
        var outcome = ReadOutcome.Of(archive, ArchiveFactory.FileName(format), seekable: seekable);

        Assert.Equal(format, outcome.Result.Format);
        Assert.Empty(outcome.Result.Issues);
        Assert.True(outcome.Result.Completed);
        Assert.Equal(SamplePackage.Length, outcome.Result.MemberCount);
        Assert.Equal(SamplePackage.Select(e => e.Name), outcome.Paths);
        foreach (var expected in SamplePackage)
        {
            var seen = outcome.Member(expected.Name);
            Assert.Equal(expected.Data is null ? ArchiveMemberKind.Directory : ArchiveMemberKind.File, seen.Kind);
            Assert.Equal(expected.Data ?? [], seen.Data);
            Assert.Equal(expected.Data?.Length ?? 0, seen.Size);
            Assert.Equal(0, seen.Depth);
            Assert.Null(seen.Container);
        }
    }

    [Theory]
    [InlineData("x.bin", new byte[] { 0x50, 0x4B, 3, 4 }, ArchiveFormat.Zip)]
    [InlineData("x.bin", new byte[] { 0x50, 0x4B, 5, 6 }, ArchiveFormat.Zip)]          // empty zip
    [InlineData("x.zip", new byte[] { 0x1F, 0x8B, 8, 0 }, ArchiveFormat.TarGzip)]      // magic beats the name
    [InlineData("x", new byte[] { (byte)'B', (byte)'Z', (byte)'h', (byte)'9' }, ArchiveFormat.TarBzip2)]
    [InlineData("x", new byte[] { 0xFD, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0 }, ArchiveFormat.TarXz)]
    [InlineData("pkg-1.0-py3-none-any.whl", new byte[] { 1, 2, 3 }, ArchiveFormat.Zip)] // no magic: the name decides
    [InlineData("pkg-1.0.egg", new byte[0], ArchiveFormat.Zip)]
    [InlineData("pkg-1.0.TGZ", new byte[0], ArchiveFormat.TarGzip)]
    [InlineData("pkg-1.0.tar.bz2", new byte[0], ArchiveFormat.TarBzip2)]
    [InlineData("pkg-1.0.tbz2", new byte[0], ArchiveFormat.TarBzip2)]
    [InlineData("pkg-1.0.txz", new byte[0], ArchiveFormat.TarXz)]
    [InlineData("pkg-1.0.tar", new byte[0], ArchiveFormat.Tar)]
    [InlineData("README.md", new byte[] { (byte)'#', (byte)' ' }, ArchiveFormat.Unknown)]
    [InlineData("pkg-1.0.tar.gz.asc", new byte[0], ArchiveFormat.Unknown)]
    public void DetectFormat_prefers_magic_bytes_then_the_name(string name, byte[] header, ArchiveFormat expected) =>
        Assert.Equal(expected, SafeArchive.DetectFormat(name, header));

    [Fact]
    public void DetectFormat_sees_the_ustar_magic_at_offset_257()
    {
        var tar = ArchiveFactory.Tar(Entry.Text("a.py", "x = 1\n"));
        Assert.Equal(ArchiveFormat.Tar, SafeArchive.DetectFormat("no-extension", tar.AsSpan(0, SafeArchive.HeaderLength)));
    }

    [Fact]
    public void Reads_from_a_file_path()
    {
        var path = Path.Combine(Path.GetTempPath(), $"moat-test-{Guid.NewGuid():N}.tar.gz");
        try
        {
            File.WriteAllBytes(path, ArchiveFactory.Build(ArchiveFormat.TarGzip, SamplePackage));
            var names = new List<string>();
            var result = SafeArchive.Read(path, m => names.Add(m.Path));
            Assert.True(result.Completed);
            Assert.Equal(SamplePackage.Select(e => e.Name), names);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Nested_archives_are_offered_then_read_through_the_same_code()
    {
        var inner = ArchiveFactory.Zip(Entry.Text("inner/mod.py", "import os\n"));
        var middle = ArchiveFactory.Build(ArchiveFormat.TarGzip, Entry.Text("setup.py", "setup()\n"), new Entry("vendor/inner-1.0-py3-none-any.whl", inner));
        var outer = ArchiveFactory.Zip(new Entry("dist/middle-1.0.tar.gz", middle), Entry.Text("top.py", "pass\n"));

        var outcome = ReadOutcome.Of(outer, "outer.zip");

        Assert.True(outcome.Result.Completed);
        Assert.Empty(outcome.Result.Issues);
        Assert.Equal(
        [
            "dist/middle-1.0.tar.gz",
            "dist/middle-1.0.tar.gz!/setup.py",
            "dist/middle-1.0.tar.gz!/vendor/inner-1.0-py3-none-any.whl",
            "dist/middle-1.0.tar.gz!/vendor/inner-1.0-py3-none-any.whl!/inner/mod.py",
            "top.py",
        ], outcome.Paths);
        var container = outcome.Member("dist/middle-1.0.tar.gz");
        Assert.Equal(ArchiveFormat.TarGzip, container.NestedFormat);
        Assert.Equal(middle, container.Data);                   // the visitor sees the nested archive's own bytes
        var deepest = outcome.Member("dist/middle-1.0.tar.gz!/vendor/inner-1.0-py3-none-any.whl!/inner/mod.py");
        Assert.Equal(2, deepest.Depth);
        Assert.Equal("dist/middle-1.0.tar.gz!/vendor/inner-1.0-py3-none-any.whl", deepest.Container);
        Assert.Equal("import os\n", deepest.Text);
        Assert.Equal(5, outcome.Result.MemberCount);
    }

    [Fact]
    public void A_large_nested_archive_is_spooled_to_disk_and_still_read()
    {
        // Over the 4 MB in-memory spool threshold, incompressible so the member really is that large.
        var noise = new byte[6 * 1024 * 1024];
        new Random(7).NextBytes(noise);
        var inner = ArchiveFactory.Build(ArchiveFormat.Tar, new Entry("noise.bin", noise), Entry.Text("after.py", "ok\n"));
        var outer = ArchiveFactory.Zip(new Entry("inner.tar", inner));

        var outcome = ReadOutcome.Of(outer, "outer.zip");

        Assert.True(outcome.Result.Completed);
        Assert.Equal(noise, outcome.Member("inner.tar!/noise.bin").Data);
        Assert.Equal("ok\n", outcome.Member("inner.tar!/after.py").Text);
    }

    [Fact]
    public void Member_helpers_read_text_and_expire_after_the_callback()
    {
        var archive = ArchiveFactory.Zip(Entry.Text("a/b.py", "\uFEFFprint('hi')\n"));
        ArchiveMember? kept = null;
        string? text = null;
        SafeArchive.Read(new MemoryStream(archive), "a.zip", m =>
        {
            kept = m;
            text = m.ReadAllText();
            Assert.Equal("b.py", m.Name);
            Assert.Throws<InvalidOperationException>(() => m.OpenRead());   // streams once
        });
        Assert.Equal("print('hi')\n", text);
        Assert.Throws<ObjectDisposedException>(() => kept!.OpenRead());
    }

    [Fact]
    public void Exceptions_thrown_by_the_visitor_propagate()
    {
        var archive = ArchiveFactory.Build(ArchiveFormat.TarGzip, SamplePackage);
        var thrown = Assert.Throws<InvalidOperationException>(() =>
            SafeArchive.Read(new MemoryStream(archive), "x.tar.gz", _ => throw new InvalidOperationException("visitor bug")));
        Assert.Equal("visitor bug", thrown.Message);
    }

    [Fact]
    public void A_visitor_that_swallows_a_limit_exception_cannot_hide_the_issue()
    {
        var buffer = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            ArchiveFactory.WriteTarOfZeros(gzip, "zeros.bin", 30 * 1024 * 1024);
        }
        ArchiveIssue? caught = null;
        var result = SafeArchive.Read(new MemoryStream(buffer.ToArray()), "bomb.tar.gz", m =>
        {
            try
            {
                m.ReadAllBytes();
            }
            catch (ArchiveReadException e)
            {
                caught = e.Issue;       // swallowed: a careless visitor
            }
        });
        Assert.Equal(ArchiveIssueKind.CompressionRatioExceeded, caught?.Kind);
        Assert.Equal(caught, Assert.Single(result.Issues));
        Assert.False(result.Completed);
    }
}
