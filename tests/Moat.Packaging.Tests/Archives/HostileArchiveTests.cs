using System.Buffers.Binary;
using System.Formats.Tar;
using System.Text;
using Moat.Packaging.Archives;

namespace Moat.Packaging.Tests.Archives;

/// <summary>
/// Generated hostile archives: each must give a structured result, read a bounded number of bytes and allocate a
/// bounded amount of memory (measured, never timed).
/// </summary>
public class HostileArchiveTests
{
    private const long MiB = 1024 * 1024;

    /// <summary>Reads and measures the bytes this thread allocated, to show bombs cost no more than the limits.</summary>
    private static (ReadOutcome Outcome, long Allocated) Measure(byte[] archive, string name, ArchiveLimits? limits = null)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var outcome = ReadOutcome.Of(archive, name, limits);
        return (outcome, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Zip_bomb_declaring_a_high_ratio_is_skipped_without_decompressing()
    {
        var bomb = ArchiveFactory.ZipOfZeros("bomb.bin", 20 * MiB);      // ~20 KB compressed, ratio ~1000:1
        var (outcome, allocated) = Measure(bomb, "bomb.zip");

        var issue = Assert.Single(outcome.Result.Issues);
        Assert.Equal(ArchiveIssueKind.CompressionRatioExceeded, issue.Kind);
        Assert.Equal("bomb.bin", issue.MemberPath);
        Assert.Empty(outcome.Members);
        Assert.Equal(0, outcome.Result.TotalBytes);
        Assert.True(allocated < 4 * MiB, $"allocated {allocated:N0} bytes");
    }

    [Fact]
    public void Zip_member_declaring_more_than_the_member_limit_is_skipped()
    {
        var big = ArchiveFactory.ZipOfZeros("big.bin", 3 * MiB);
        var limits = ArchiveLimits.Default with { MaxMemberBytes = 2 * MiB, MaxCompressionRatio = 10_000 };
        var (outcome, _) = Measure(big, "big.zip", limits);

        Assert.Equal([ArchiveIssueKind.MemberSizeExceeded], outcome.IssueKinds);
        Assert.Empty(outcome.Members);
    }

    [Fact]
    public void Zip_bomb_with_lying_size_headers_is_reported_and_never_decompressed()
    {
        var bomb = ArchiveFactory.ZipOfZeros("liar.bin", 40 * MiB);
        LieAboutUncompressedSize(bomb, claimed: 1000);
        var (outcome, allocated) = Measure(bomb, "liar.zip");

        var issue = Assert.Single(outcome.Result.Issues);
        Assert.Equal(ArchiveIssueKind.Corrupt, issue.Kind);
        Assert.Contains("header lies", issue.Message);
        Assert.Empty(outcome.Members);
        Assert.Equal(0, outcome.Result.TotalBytes);
        Assert.True(allocated < 4 * MiB, $"allocated {allocated:N0} bytes");
    }

    [Fact]
    public void Zip_member_with_an_understated_size_is_rejected_as_lying()
    {
        var noise = new byte[3 * MiB];
        new Random(1).NextBytes(noise);
        var zip = ArchiveFactory.Zip(new Entry("noise.bin", noise));
        LieAboutUncompressedSize(zip, claimed: 1000);
        var outcome = Measure(zip, "noise.zip").Outcome;
        Assert.Equal([ArchiveIssueKind.Corrupt], outcome.IssueKinds);
        Assert.Empty(outcome.Members);
    }

    [Fact]
    public void Member_stream_counts_what_it_produces_and_cuts_at_the_member_limit()
    {
        // Whatever a header claimed, the stream handed to the visitor stops at the member limit.
        var session = new ReadSession(ArchiveLimits.Default with { MaxMemberBytes = 1 * MiB }, _ => { });
        using var stream = new MemberStream(new MemoryStream(new byte[3 * MiB]), session, "m.bin", compressedLength: 3 * MiB, chargeTotal: true, ownsData: true);
        var thrown = Assert.Throws<ArchiveReadException>(() => stream.CopyTo(Stream.Null));
        Assert.Equal(ArchiveIssueKind.MemberSizeExceeded, thrown.Issue.Kind);
        Assert.True(session.TotalBytes <= 1 * MiB, $"{session.TotalBytes:N0}");
    }

    [Fact]
    public void Member_stream_cuts_a_bomb_at_the_ratio_limit_once_past_the_floor()
    {
        var session = new ReadSession(ArchiveLimits.Default, _ => { });
        using var stream = new MemberStream(new MemoryStream(new byte[8 * MiB]), session, "zeros.bin", compressedLength: 8 * 1024, chargeTotal: true, ownsData: true);
        var thrown = Assert.Throws<ArchiveReadException>(() => stream.CopyTo(Stream.Null));
        Assert.Equal(ArchiveIssueKind.CompressionRatioExceeded, thrown.Issue.Kind);
        Assert.True(session.TotalBytes < 2 * MiB + 81920, $"{session.TotalBytes:N0}");
        Assert.Single(session.Issues);
    }

    /// <summary>Rewrites the uncompressed size in every local and central header, as a hostile zip would.</summary>
    private static void LieAboutUncompressedSize(byte[] zip, uint claimed)
    {
        for (var i = 0; i + 4 <= zip.Length; i++)
        {
            var signature = BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(i));
            if (signature == 0x04034b50) BinaryPrimitives.WriteUInt32LittleEndian(zip.AsSpan(i + 22), claimed);
            else if (signature == 0x02014b50) BinaryPrimitives.WriteUInt32LittleEndian(zip.AsSpan(i + 24), claimed);
        }
    }

    [Fact]
    public void Gzip_bomb_tar_gz_stops_at_the_ratio_limit()
    {
        var buffer = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            ArchiveFactory.WriteTarOfZeros(gzip, "zeros.bin", 60 * MiB);
        }
        var bomb = buffer.ToArray();
        Assert.True(bomb.Length < 200_000);

        var (outcome, allocated) = Measure(bomb, "bomb-1.0.tar.gz");

        Assert.Contains(ArchiveIssueKind.CompressionRatioExceeded, outcome.IssueKinds);
        Assert.False(outcome.Result.Completed);
        Assert.True(outcome.Result.TotalBytes < 8 * MiB, $"decompressed {outcome.Result.TotalBytes:N0} bytes");
        Assert.True(allocated < 16 * MiB, $"allocated {allocated:N0} bytes");
    }

    [Fact]
    public void Total_budget_stops_a_stream_of_many_moderate_members()
    {
        var noise = new byte[512 * 1024];
        new Random(2).NextBytes(noise);
        var entries = Enumerable.Range(0, 8).Select(i => new Entry($"part{i}.bin", noise)).ToArray();
        var archive = ArchiveFactory.Build(ArchiveFormat.TarGzip, entries);
        var limits = ArchiveLimits.Default with { MaxTotalBytes = 2 * MiB };

        var outcome = Measure(archive, "many.tar.gz", limits).Outcome;

        var issue = Assert.Single(outcome.Result.Issues);
        Assert.Equal(ArchiveIssueKind.TotalSizeExceeded, issue.Kind);
        Assert.True(issue.StopsRead);
        Assert.False(outcome.Result.Completed);
        Assert.InRange(outcome.Members.Count, 1, 4);
        Assert.True(outcome.Result.TotalBytes <= 2 * MiB + 128 * 1024);
    }

    [Fact]
    public void Total_budget_applies_to_zip_member_bytes_across_members()
    {
        var noise = new byte[512 * 1024];
        new Random(3).NextBytes(noise);
        var zip = ArchiveFactory.Zip(Enumerable.Range(0, 8).Select(i => new Entry($"part{i}.bin", noise)).ToArray());
        var outcome = Measure(zip, "many.zip", ArchiveLimits.Default with { MaxTotalBytes = 2 * MiB }).Outcome;

        Assert.Equal([ArchiveIssueKind.TotalSizeExceeded], outcome.IssueKinds);
        Assert.Equal(4, outcome.Members.Count);      // 4 × 512 KiB fit exactly; the fifth tips it over
    }

    [Theory]
    [InlineData(ArchiveFormat.Zip)]
    [InlineData(ArchiveFormat.TarGzip)]
    public void Too_many_members_stops_the_read(ArchiveFormat format)
    {
        var entries = Enumerable.Range(0, 50).Select(i => Entry.Text($"m{i:D2}.py", "x = 1\n")).ToArray();
        var archive = ArchiveFactory.Build(format, entries);
        var outcome = Measure(archive, ArchiveFactory.FileName(format), ArchiveLimits.Default with { MaxMembers = 10 }).Outcome;

        Assert.Equal([ArchiveIssueKind.TooManyMembers], outcome.IssueKinds);
        Assert.False(outcome.Result.Completed);
        // A zip declares its count up front and is refused whole; a tar stream is read up to the limit.
        Assert.Equal(format == ArchiveFormat.Zip ? 0 : 10, outcome.Members.Count);
        Assert.True(outcome.Result.MemberCount <= 10);
    }

    [Fact]
    public void Tar_member_over_the_member_limit_is_skipped_and_the_rest_read()
    {
        var archive = ArchiveFactory.Build(ArchiveFormat.TarGzip,
            new Entry("big.bin", new byte[2 * MiB]), Entry.Text("after.py", "ok\n"));
        var outcome = Measure(archive, "x.tar.gz", ArchiveLimits.Default with { MaxMemberBytes = 1 * MiB, MaxCompressionRatio = 1e6 }).Outcome;

        Assert.Equal([ArchiveIssueKind.MemberSizeExceeded], outcome.IssueKinds);
        Assert.Equal(["after.py"], outcome.Paths);
        Assert.True(outcome.Result.Completed);
    }

    public static TheoryData<string, ArchiveIssueKind> UnsafeNames => new()
    {
        { "../evil.py", ArchiveIssueKind.PathTraversal },
        { "pkg/../../evil.py", ArchiveIssueKind.PathTraversal },
        { "..\\..\\evil.py", ArchiveIssueKind.PathTraversal },
        { "/etc/passwd", ArchiveIssueKind.AbsolutePath },
        { "C:\\Windows\\evil.py", ArchiveIssueKind.AbsolutePath },
        { "c:/evil.py", ArchiveIssueKind.AbsolutePath },
        { "\\\\server\\share\\evil.py", ArchiveIssueKind.AbsolutePath },
        { "pkg\\evil.py", ArchiveIssueKind.UnsafeName },
        { "pkg/evil\n.py", ArchiveIssueKind.UnsafeName },
        { "pkg/evil\u001b[2J.py", ArchiveIssueKind.UnsafeName },
    };

    [Theory]
    [MemberData(nameof(UnsafeNames))]
    public void Unsafe_zip_member_names_are_reported_and_never_offered(string name, ArchiveIssueKind kind) =>
        AssertUnsafeNameRejected(ArchiveFormat.Zip, name, kind);

    [Theory]
    [MemberData(nameof(UnsafeNames))]
    public void Unsafe_tar_member_names_are_reported_and_never_offered(string name, ArchiveIssueKind kind) =>
        AssertUnsafeNameRejected(ArchiveFormat.TarGzip, name, kind);

    private static void AssertUnsafeNameRejected(ArchiveFormat format, string name, ArchiveIssueKind kind)
    {
        var archive = ArchiveFactory.Build(format, Entry.Text(name, "import os; os.system('echo defanged')\n"), Entry.Text("ok.py", "pass\n"));
        var outcome = ReadOutcome.Of(archive, ArchiveFactory.FileName(format));
        if (format != ArchiveFormat.Zip && name.Contains('\n'))
        {
            // System.Formats.Tar refuses a PAX path record holding a newline: the whole tar is reported corrupt.
            Assert.Empty(outcome.Members);
            Assert.Equal([ArchiveIssueKind.Corrupt], outcome.IssueKinds);
            return;
        }

        Assert.Equal(["ok.py"], outcome.Paths);
        var issue = Assert.Single(outcome.Result.Issues);
        Assert.Equal(kind, issue.Kind);
        Assert.DoesNotContain(issue.MemberPath!, c => char.IsControl(c));   // safe to print in a report
        Assert.True(outcome.Result.Completed);
    }

    [Fact]
    public void Nul_in_a_tar_member_name_is_reported()
    {
        // TarWriter cuts names at NUL, so write the header by hand.
        var tar = RawTarHeader("evil.py\0.txt", (byte)'0', size: 0).Concat(new byte[1024]).ToArray();
        var outcome = ReadOutcome.Of(tar, "x.tar");
        // System.Formats.Tar already stops the name at the NUL; either way nothing unsafe is offered.
        Assert.All(outcome.Paths, p => Assert.DoesNotContain('\0', p));
    }

    [Fact]
    public void Normalization_removes_dot_segments_and_doubled_slashes()
    {
        var archive = ArchiveFactory.Build(ArchiveFormat.Tar, Entry.Dir("./"), Entry.Text("./pkg//./mod.py", "x\n"));
        var outcome = ReadOutcome.Of(archive, "x.tar");
        Assert.Equal(["pkg/mod.py"], outcome.Paths);
        Assert.Empty(outcome.Result.Issues);
    }

    [Fact]
    public void Tar_links_are_reported_and_never_followed()
    {
        var archive = ArchiveFactory.Build(ArchiveFormat.TarGzip,
            new Entry("pkg/passwd", TarType: TarEntryType.SymbolicLink, LinkName: "/etc/passwd"),
            new Entry("pkg/hard", TarType: TarEntryType.HardLink, LinkName: "../../etc/shadow"),
            Entry.Text("pkg/ok.py", "pass\n"));
        var outcome = ReadOutcome.Of(archive, "links.tar.gz");

        Assert.Equal(["pkg/ok.py"], outcome.Paths);
        Assert.Equal([ArchiveIssueKind.Symlink, ArchiveIssueKind.Hardlink], outcome.IssueKinds);
        Assert.Contains("/etc/passwd", outcome.Result.Issues[0].Message);
        Assert.Equal(3, outcome.Result.MemberCount);
    }

    [Fact]
    public void Zip_symlink_members_are_reported_and_never_offered()
    {
        const int SymlinkMode = 0xA000 | 0x1FF;
        var zip = ArchiveFactory.Zip(new Entry("pkg/link", Encoding.ASCII.GetBytes("/etc/passwd"), UnixMode: SymlinkMode), Entry.Text("pkg/ok.py", "pass\n"));
        var outcome = ReadOutcome.Of(zip, "x.zip");

        Assert.Equal(["pkg/ok.py"], outcome.Paths);
        Assert.Equal([ArchiveIssueKind.Symlink], outcome.IssueKinds);
    }

    [Theory]
    [InlineData(TarEntryType.Fifo)]
    [InlineData(TarEntryType.CharacterDevice)]
    [InlineData(TarEntryType.BlockDevice)]
    public void Tar_device_and_fifo_members_are_skipped(TarEntryType type)
    {
        var archive = ArchiveFactory.Build(ArchiveFormat.Tar, new Entry("dev/thing", TarType: type), Entry.Text("ok.py", "pass\n"));
        var outcome = ReadOutcome.Of(archive, "x.tar");
        Assert.Equal(["ok.py"], outcome.Paths);
        Assert.Equal([ArchiveIssueKind.SpecialFile], outcome.IssueKinds);
    }

    [Fact]
    public void Zip_fifo_member_is_skipped()
    {
        var zip = ArchiveFactory.Zip(new Entry("fifo", [], UnixMode: 0x1000 | 0x1A4), Entry.Text("ok.py", "pass\n"));
        var outcome = ReadOutcome.Of(zip, "x.zip");
        Assert.Equal(["ok.py"], outcome.Paths);
        Assert.Equal([ArchiveIssueKind.SpecialFile], outcome.IssueKinds);
    }

    [Fact]
    public void Duplicate_members_are_reported_and_both_offered()
    {
        var zip = ArchiveFactory.Zip(Entry.Text("pkg/setup.py", "safe\n"), Entry.Text("pkg/setup.py", "evil\n"));
        var outcome = ReadOutcome.Of(zip, "x.zip");

        Assert.Equal(["pkg/setup.py", "pkg/setup.py"], outcome.Paths);
        Assert.Equal(["safe\n", "evil\n"], outcome.Members.Select(m => m.Text));
        Assert.Equal([ArchiveIssueKind.DuplicateMember], outcome.IssueKinds);
    }

    [Fact]
    public void Deep_nesting_stops_at_the_depth_limit()
    {
        // zip in tar.gz in zip in tar.gz in zip: the default limit opens three nested archives, not the fourth.
        var l5 = ArchiveFactory.Zip(Entry.Text("payload.py", "print('deepest')\n"));
        var l4 = ArchiveFactory.Build(ArchiveFormat.TarGzip, new Entry("l5.zip", l5));
        var l3 = ArchiveFactory.Zip(new Entry("l4.tar.gz", l4));
        var l2 = ArchiveFactory.Build(ArchiveFormat.TarGzip, new Entry("l3.zip", l3));
        var l1 = ArchiveFactory.Zip(new Entry("l2.tar.gz", l2));
        var (outcome, allocated) = Measure(l1, "l1.zip");

        const string Deepest = "l2.tar.gz!/l3.zip!/l4.tar.gz!/l5.zip";
        Assert.Equal(["l2.tar.gz", "l2.tar.gz!/l3.zip", "l2.tar.gz!/l3.zip!/l4.tar.gz", Deepest], outcome.Paths);
        var issue = Assert.Single(outcome.Result.Issues);
        Assert.Equal(ArchiveIssueKind.NestingTooDeep, issue.Kind);
        Assert.Equal(Deepest, issue.MemberPath);
        Assert.Equal(ArchiveFormat.Unknown, outcome.Member(Deepest).NestedFormat);
        Assert.Equal(l5, outcome.Member(Deepest).Data);      // still offered, as a file
        Assert.Equal(3, outcome.Member(Deepest).Depth);
        Assert.True(allocated < 16 * MiB);

        var none = ReadOutcome.Of(l1, "l1.zip", ArchiveLimits.Default with { MaxDepth = 0 });
        Assert.Equal(["l2.tar.gz"], none.Paths);
        Assert.Equal([ArchiveIssueKind.NestingTooDeep], none.IssueKinds);
    }

    [Fact]
    public void Nested_bombs_share_one_budget()
    {
        // Ten copies of a 1 MiB-of-zeros zip inside a zip: each fits the ratio floor, but together they exceed 4 MiB.
        var inner = ArchiveFactory.ZipOfZeros("zeros.bin", 1 * MiB);
        var outer = ArchiveFactory.Zip(Enumerable.Range(0, 10).Select(i => new Entry($"inner{i}.zip", inner)).ToArray());
        var outcome = ReadOutcome.Of(outer, "outer.zip", ArchiveLimits.Default with { MaxTotalBytes = 4 * MiB });

        Assert.Contains(ArchiveIssueKind.TotalSizeExceeded, outcome.IssueKinds);
        Assert.True(outcome.Result.TotalBytes <= 4 * MiB + 81920);
    }

    [Fact]
    public void Oversized_pax_header_is_refused_before_the_tar_reader_buffers_it()
    {
        // A PAX record that claims 1.5 GB: System.Formats.Tar would rent a buffer that large and fill it.
        var header = RawTarHeader("PaxHeaders/x", (byte)'x', size: 1_500_000_000);
        var body = new MemoryStream();
        body.Write(header);
        ArchiveFactory.WriteZeros(body, 4 * MiB);
        var archive = ArchiveFactory.Gzip(body.ToArray());

        var (outcome, allocated) = Measure(archive, "pax.tar.gz");

        var issue = Assert.Single(outcome.Result.Issues);
        Assert.Equal(ArchiveIssueKind.MemberSizeExceeded, issue.Kind);
        Assert.Contains("metadata", issue.Message);
        Assert.True(allocated < 8 * MiB, $"allocated {allocated:N0} bytes");
    }

    /// <summary>A ustar header block with a correct checksum, for cases TarWriter refuses to write.</summary>
    private static byte[] RawTarHeader(string name, byte type, long size)
    {
        var header = new byte[512];
        Encoding.UTF8.GetBytes(name).AsSpan(0, Math.Min(100, Encoding.UTF8.GetByteCount(name))).CopyTo(header);
        Encoding.ASCII.GetBytes("0000644\0").CopyTo(header, 100);
        Encoding.ASCII.GetBytes("0000000\0").CopyTo(header, 108);
        Encoding.ASCII.GetBytes("0000000\0").CopyTo(header, 116);
        Encoding.ASCII.GetBytes(Convert.ToString(size, 8).PadLeft(11, '0') + "\0").CopyTo(header, 124);
        Encoding.ASCII.GetBytes("00000000000\0").CopyTo(header, 136);
        header[156] = type;
        Encoding.ASCII.GetBytes("ustar\0" + "00").CopyTo(header, 257);
        "        "u8.CopyTo(header.AsSpan(148));
        var sum = header.Sum(b => (long)b);
        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(header, 148);
        return header;
    }

    public static TheoryData<ArchiveFormat> Formats()
    {
        var data = new TheoryData<ArchiveFormat> { ArchiveFormat.Zip, ArchiveFormat.Tar, ArchiveFormat.TarGzip, ArchiveFormat.TarBzip2 };
        if (ArchiveFactory.XzCommand is not null) data.Add(ArchiveFormat.TarXz);
        return data;
    }

    private static Entry[] Realistic()
    {
        var random = new Random(11);
        return Enumerable.Range(0, 6).Select(i =>
        {
            var text = new StringBuilder();
            for (var line = 0; line < 400; line++) text.Append($"value_{i}_{line} = {random.Next()}  # {random.Next():x}\n");
            return Entry.Text($"pkg/mod{i}.py", text.ToString());
        }).ToArray();
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Truncated_archives_report_truncation_or_corruption_with_what_was_read(ArchiveFormat format)
    {
        var archive = ArchiveFactory.Build(format, Realistic());
        foreach (var fraction in new[] { 0.1, 0.5, 0.9 })
        {
            var cut = archive.AsSpan(0, (int)(archive.Length * fraction)).ToArray();
            var outcome = ReadOutcome.Of(cut, ArchiveFactory.FileName(format));

            Assert.False(outcome.Result.Completed, $"{format} cut at {fraction}");
            Assert.Contains(outcome.IssueKinds, k => k is ArchiveIssueKind.Truncated or ArchiveIssueKind.Corrupt);
            if (fraction < 0.5) Assert.True(outcome.Members.Count < 6);
        }
    }

    public static TheoryData<ArchiveFormat> CompressedTarFormats()
    {
        var data = new TheoryData<ArchiveFormat> { ArchiveFormat.TarGzip, ArchiveFormat.TarBzip2 };
        if (ArchiveFactory.XzCommand is not null) data.Add(ArchiveFormat.TarXz);
        return data;
    }

    [Theory]
    [MemberData(nameof(CompressedTarFormats))]
    public void A_compressed_tar_cut_anywhere_is_never_complete(ArchiveFormat format)
    {
        // Some decompressors fed a cut stream produce zero-filled output, which a tar parser reads as the end-of-archive
        // blocks: only the compressor's own end (its lengths and check values) tells a whole stream from a cut one.
        var archive = ArchiveFactory.Build(format, Realistic()[..3]);
        var completed = new System.Collections.Concurrent.ConcurrentBag<int>();
        // Every 16th length, and every length that cuts into the compressor's trailer.
        var lengths = Enumerable.Range(archive.Length / 4, archive.Length * 3 / 4).Where(n => n % 16 == 0 || n >= archive.Length - 32);
        Parallel.ForEach(lengths, length =>
        {
            if (ReadOutcome.Of(archive[..length], ArchiveFactory.FileName(format)).Result.Completed) completed.Add(length);
        });
        Assert.True(completed.IsEmpty, $"{format}: cut to {string.Join(", ", completed.Order().Take(10))} of {archive.Length} bytes read as complete");
        Assert.True(ReadOutcome.Of(archive, ArchiveFactory.FileName(format)).Result.Completed);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void The_same_entries_build_the_same_bytes(ArchiveFormat format)
    {
        var first = ArchiveFactory.Build(format, Realistic());
        Thread.Sleep(1100); // past a second, so a recorded "now" would differ
        Assert.Equal(first, ArchiveFactory.Build(format, Realistic()));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Corrupted_archives_give_structured_issues(ArchiveFormat format)
    {
        var archive = ArchiveFactory.Build(format, Realistic());
        // Overwrite a run of bytes in the middle (zip: the compressed data; tar: a header or data block; compressed
        // tars: the compressed stream) with noise.
        var random = new Random(5);
        var detected = 0;
        const int Attempts = 8;
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var corrupt = (byte[])archive.Clone();
            // A plain tar's damage goes in a header block (its data has no checksum); elsewhere anywhere past the magic.
            var at = format == ArchiveFormat.Tar ? random.GetItems(TarHeaderOffsets(corrupt), 1)[0] : random.Next(64, corrupt.Length - 200);
            random.NextBytes(corrupt.AsSpan(at, 128));

            // Reading must not throw, whatever the damage; every member offered still has a safe path.
            var outcome = ReadOutcome.Of(corrupt, ArchiveFactory.FileName(format));
            Assert.All(outcome.Paths, p => Assert.True(MemberPaths.Normalize(p).Path == p, p));
            if (!outcome.Result.Completed || outcome.IssueKinds.Any(k => k is ArchiveIssueKind.Corrupt or ArchiveIssueKind.Truncated))
            {
                Assert.Contains(outcome.IssueKinds, k => k is ArchiveIssueKind.Truncated or ArchiveIssueKind.Corrupt or ArchiveIssueKind.UnsupportedFormat);
                detected++;
            }
        }
        // Noise that decompresses to plausible tar data can go unseen (System.IO.Compression does not check gzip's
        // CRC), so only require that most damage is seen.
        Assert.True(detected >= Attempts / 2, $"{format}: {detected} of {Attempts} corruptions detected");
    }

    private static int[] TarHeaderOffsets(byte[] tar) =>
        Enumerable.Range(0, tar.Length / 512).Select(b => b * 512)
            .Where(o => o + 262 <= tar.Length && tar.AsSpan(o + 257, 5).SequenceEqual("ustar"u8)).ToArray();

    [Theory]
    [InlineData("pkg-1.0.zip")]
    [InlineData("pkg-1.0-py3-none-any.whl")]
    [InlineData("pkg-1.0.tar")]
    [InlineData("pkg-1.0.tar.gz")]
    [InlineData("pkg-1.0.tar.bz2")]
    [InlineData("pkg-1.0.tar.xz")]
    public void Random_bytes_empty_files_and_impostors_give_structured_results(string name)
    {
        var random = new byte[64 * 1024];
        new Random(name.Length).NextBytes(random);
        var noise = ReadOutcome.Of(random, name);
        Assert.False(noise.Result.Completed);
        Assert.Contains(noise.IssueKinds, k => k is ArchiveIssueKind.Corrupt or ArchiveIssueKind.Truncated);
        Assert.Empty(noise.Members);

        var empty = ReadOutcome.Of([], name);
        Assert.Equal([ArchiveIssueKind.Truncated], empty.IssueKinds);
        Assert.False(empty.Result.Completed);

        var text = Encoding.UTF8.GetBytes("#!/bin/sh\necho this is not an archive\n" + new string('x', 2000));
        var impostor = ReadOutcome.Of(text, name);
        Assert.False(impostor.Result.Completed);
        Assert.Contains(impostor.IssueKinds, k => k is ArchiveIssueKind.Corrupt or ArchiveIssueKind.Truncated);
        Assert.Empty(impostor.Members);
    }

    [Fact]
    public void A_file_that_is_not_an_archive_by_name_or_bytes_is_unsupported()
    {
        var outcome = ReadOutcome.Of(Encoding.UTF8.GetBytes("hello"), "notes.txt");
        Assert.Equal(ArchiveFormat.Unknown, outcome.Result.Format);
        Assert.Equal([ArchiveIssueKind.UnsupportedFormat], outcome.IssueKinds);
    }

    [Fact]
    public void A_corrupt_nested_archive_is_reported_at_its_path_and_the_outer_read_continues()
    {
        var outer = ArchiveFactory.Zip(new Entry("vendor/broken.tar.gz", Encoding.ASCII.GetBytes("not gzip at all")), Entry.Text("z.py", "pass\n"));
        var outcome = ReadOutcome.Of(outer, "outer.zip");

        Assert.Equal(["vendor/broken.tar.gz", "z.py"], outcome.Paths);
        var issue = Assert.Single(outcome.Result.Issues);
        Assert.Equal(ArchiveIssueKind.Corrupt, issue.Kind);
        Assert.Equal("vendor/broken.tar.gz", issue.MemberPath);
        Assert.False(outcome.Result.Completed);
    }

    [Fact]
    public void Issue_count_is_capped()
    {
        var entries = Enumerable.Range(0, 30).Select(i => Entry.Text($"../evil{i}.py", "x\n")).ToArray();
        var outcome = ReadOutcome.Of(ArchiveFactory.Build(ArchiveFormat.Tar, entries), "x.tar", ArchiveLimits.Default with { MaxIssues = 10 });
        Assert.Equal(11, outcome.Result.Issues.Count);
        Assert.Equal(ArchiveIssueKind.TooManyIssues, outcome.Result.Issues[^1].Kind);
        Assert.Equal(30, outcome.Result.MemberCount);
    }
}
