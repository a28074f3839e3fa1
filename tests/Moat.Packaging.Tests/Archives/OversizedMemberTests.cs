using Moat.Packaging.Archives;

namespace Moat.Packaging.Tests.Archives;

/// <summary>
/// A member over the size limit is offered, on request, to be sampled head and tail (a payload padded past the limit
/// must not vanish); it is never readable whole, and the issue is reported all the same.
/// </summary>
public class OversizedMemberTests
{
    private const int MiB = 1024 * 1024;

    private static byte[] Noise(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    public static TheoryData<ArchiveFormat, string> Formats => new()
    {
        { ArchiveFormat.Zip, "big-1.0-py3-none-any.whl" },
        { ArchiveFormat.TarGzip, "big-1.0.tar.gz" },
    };

    private static byte[] Archive(ArchiveFormat format, params Entry[] entries) =>
        format == ArchiveFormat.Zip ? ArchiveFactory.Zip(entries) : ArchiveFactory.Gzip(ArchiveFactory.Tar(entries));

    [Theory]
    [MemberData(nameof(Formats))]
    public void An_oversized_member_is_sampled_head_and_tail_when_asked(ArchiveFormat format, string name)
    {
        var data = Noise(3 * MiB, 1);
        var archive = Archive(format, new Entry("big.pth", data), Entry.Text("after.py", "ok\n"));
        var limits = ArchiveLimits.Default with { MaxMemberBytes = MiB, OfferOversizedMembers = true };
        MemberSample? sample = null;
        var refused = false;
        var paths = new List<string>();

        var result = SafeArchive.Read(new MemoryStream(archive), name, member =>
        {
            paths.Add(member.Path);
            if (member.Path != "big.pth") return;
            Assert.True(member.ExceedsSizeLimit);
            try { member.OpenRead(); }
            catch (ArchiveReadException ex) when (ex.Issue.Kind == ArchiveIssueKind.MemberSizeExceeded) { refused = true; }
        }, limits);
        Assert.True(refused, "an oversized member is never readable whole");

        result = SafeArchive.Read(new MemoryStream(archive), name, member =>
        {
            if (member.Path == "big.pth") sample = member.ReadHeadAndTail(64 * 1024, 32 * 1024);
        }, limits);

        Assert.Equal(["big.pth", "after.py"], paths);
        Assert.Equal([ArchiveIssueKind.MemberSizeExceeded], result.Issues.Select(i => i.Kind));
        Assert.Contains("head and tail", result.Issues[0].Message);
        Assert.NotNull(sample);
        Assert.True(sample.Complete);
        Assert.Equal(data.Length, sample.Length);
        Assert.Equal(data[..(64 * 1024)], sample.Head);
        Assert.Equal(data[^(32 * 1024)..], sample.Tail);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Without_the_option_an_oversized_member_is_skipped_as_before(ArchiveFormat format, string name)
    {
        var archive = Archive(format, new Entry("big.pth", Noise(2 * MiB, 2)));
        var offered = 0;
        var result = SafeArchive.Read(new MemoryStream(archive), name, _ => offered++, ArchiveLimits.Default with { MaxMemberBytes = MiB });
        Assert.Equal(0, offered);
        Assert.Equal([ArchiveIssueKind.MemberSizeExceeded], result.Issues.Select(i => i.Kind));
    }

    [Fact]
    public void Sampling_is_still_bounded_by_the_total_budget()
    {
        var archive = ArchiveFactory.Gzip(ArchiveFactory.Tar(new Entry("big.pth", Noise(3 * MiB, 3))));
        var limits = ArchiveLimits.Default with { MaxMemberBytes = MiB, MaxTotalBytes = 2 * MiB, OfferOversizedMembers = true };
        MemberSample? sample = null;
        var result = SafeArchive.Read(new MemoryStream(archive), "big.tar.gz", member => sample = member.ReadHeadAndTail(1024, 1024), limits);

        Assert.NotNull(sample);
        Assert.False(sample.Complete);
        Assert.Equal(1024, sample.Head.Length);
        Assert.Contains(result.Issues, i => i.Kind == ArchiveIssueKind.TotalSizeExceeded);
    }

    [Theory]
    [InlineData(0, 10, 10)]
    [InlineData(5, 10, 10)]
    [InlineData(25, 10, 10)]
    [InlineData(200_000, 1000, 70_000)]
    [InlineData(200_000, 100_000, 100)]
    public void A_sample_holds_exactly_the_first_and_last_bytes_and_counts_the_lines_before_the_tail(int length, int head, int tail)
    {
        var data = Noise(length, length);
        for (var i = 0; i < data.Length; i += 97) data[i] = (byte)'\n';
        // A stream that hands out odd-sized pieces, as decompressors do.
        var sample = MemberSample.Read(new ChunkyStream(data), head, tail);

        var headLength = Math.Min(length, head);
        var tailLength = Math.Min(length - headLength, tail);
        Assert.Equal(data[..headLength], sample.Head);
        Assert.Equal(data[(length - tailLength)..], sample.Tail);
        Assert.Equal(length, sample.Length);
        Assert.Equal(data.AsSpan(0, length - tailLength).Count((byte)'\n'), sample.NewlinesBeforeTail);
        Assert.True(sample.Complete);
    }

    private sealed class ChunkyStream(byte[] data) : MemoryStream(data)
    {
        private int _turn;
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, 1 + (_turn++ * 7919 % 50_000)));
    }
}
