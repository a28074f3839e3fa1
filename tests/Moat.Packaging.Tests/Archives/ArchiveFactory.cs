using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Moat.Packaging.Archives;
using Moat.Testing;
using SharpCompress.Compressors.BZip2;
using SharpCompressionMode = SharpCompress.Compressors.CompressionMode;

namespace Moat.Packaging.Tests.Archives;

/// <summary>A member to put in a generated archive. Null data makes a directory.</summary>
internal sealed record Entry(string Name, byte[]? Data = null, TarEntryType TarType = TarEntryType.RegularFile,
    string? LinkName = null, int? UnixMode = null)
{
    public static Entry Text(string name, string text) => new(name, Encoding.UTF8.GetBytes(text));
    public static Entry Dir(string name) => new(name, null, TarEntryType.Directory);
}

/// <summary>Builds archives of every format in memory, so no binary fixture is committed.</summary>
internal static class ArchiveFactory
{
    public static byte[] Zip(params Entry[] entries)
    {
        var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var e in entries)
            {
                var entry = zip.CreateEntry(e.Data is null && !e.Name.EndsWith('/') ? e.Name + "/" : e.Name, CompressionLevel.Optimal);
                entry.LastWriteTime = FixedTime;
                if (e.UnixMode is { } mode) entry.ExternalAttributes = mode << 16;
                if (e.Data is null) continue;
                using var stream = entry.Open();
                stream.Write(e.Data);
            }
        }
        return buffer.ToArray();
    }

    /// <summary>A zip with one member of <paramref name="size"/> zero bytes, written in chunks (a classic bomb).</summary>
    public static byte[] ZipOfZeros(string name, long size)
    {
        var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var stream = zip.CreateEntry(name, CompressionLevel.Optimal).Open();
            WriteZeros(stream, size);
        }
        return buffer.ToArray();
    }

    public static byte[] Tar(params Entry[] entries)
    {
        var buffer = new MemoryStream();
        using (var writer = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var e in entries) writer.WriteEntry(ToTarEntry(e));
        }
        return buffer.ToArray();
    }

    /// <summary>A tar with one member of <paramref name="size"/> zero bytes, streamed (never all in memory).</summary>
    public static void WriteTarOfZeros(Stream output, string name, long size)
    {
        using var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        var zeros = new ZeroStream(size);
        writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = zeros });
    }

    private static readonly DateTimeOffset FixedTime = new(2024, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly string FixedPaxTime = FixedTime.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static TarEntry ToTarEntry(Entry e)
    {
        var type = e.Data is null && e.TarType == TarEntryType.RegularFile ? TarEntryType.Directory : e.TarType;
        // Fixed times (a PAX entry otherwise records "now" in its header and extended attributes): the same entries
        // give the same bytes on every run, so the corruption tests damage the same places every time.
        var entry = new PaxTarEntry(type, e.Name, new Dictionary<string, string> { ["atime"] = FixedPaxTime, ["ctime"] = FixedPaxTime })
        {
            ModificationTime = FixedTime,
        };
        if (e.LinkName is not null) entry.LinkName = e.LinkName;
        if (e.Data is not null && type == TarEntryType.RegularFile) entry.DataStream = new MemoryStream(e.Data);
        return entry;
    }

    public static byte[] Gzip(byte[] data)
    {
        var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(data);
        return buffer.ToArray();
    }

    public static byte[] Bzip2(byte[] data)
    {
        var buffer = new MemoryStream();
        using (var bzip2 = BZip2Stream.Create(buffer, SharpCompressionMode.Compress, false, leaveOpen: true, false)) bzip2.Write(data);
        return buffer.ToArray();
    }

    /// <summary>SharpCompress reads xz but cannot write it: the <c>xz</c> command does (tests needing it skip without it).</summary>
    public static byte[] Xz(byte[] data)
    {
        var start = new ProcessStartInfo(XzCommand ?? throw new InvalidOperationException("xz not installed"), "-z -c -T1 -6")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start)!;
        var output = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(output);
        process.StandardInput.BaseStream.Write(data);
        process.StandardInput.Close();
        copy.GetAwaiter().GetResult();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        return output.ToArray();
    }

    public static string? XzCommand { get; } = new[] { "/usr/bin/xz", "/bin/xz", "/usr/local/bin/xz" }.FirstOrDefault(File.Exists);

    /// <summary>Packs a tar in the given format (Zip packs the entries directly).</summary>
    public static byte[] Build(ArchiveFormat format, params Entry[] entries) => format switch
    {
        ArchiveFormat.Zip => Zip(entries),
        ArchiveFormat.Tar => Tar(entries),
        ArchiveFormat.TarGzip => Gzip(Tar(entries)),
        ArchiveFormat.TarBzip2 => Bzip2(Tar(entries)),
        ArchiveFormat.TarXz => Xz(Tar(entries)),
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    public static string FileName(ArchiveFormat format, string stem = "pkg-1.0") => format switch
    {
        ArchiveFormat.Zip => stem + ".zip",
        ArchiveFormat.Tar => stem + ".tar",
        ArchiveFormat.TarGzip => stem + ".tar.gz",
        ArchiveFormat.TarBzip2 => stem + ".tar.bz2",
        ArchiveFormat.TarXz => stem + ".tar.xz",
        _ => stem,
    };

    public static void WriteZeros(Stream stream, long size)
    {
        var zeros = new byte[64 * 1024];
        for (long left = size; left > 0; left -= zeros.Length) stream.Write(zeros, 0, (int)Math.Min(left, zeros.Length));
    }

    /// <summary>A readable stream of <c>length</c> zero bytes.</summary>
    private sealed class ZeroStream(long length) : Stream
    {
        private long _position;
        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => _position = value; }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            Array.Clear(buffer, offset, n);
            _position += n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => _position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => length + offset,
        };
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>Reads an archive and keeps what the visitor saw, for assertions.</summary>
internal sealed record ReadOutcome(ArchiveReadResult Result, IReadOnlyList<SeenMember> Members)
{
    public static ReadOutcome Of(byte[] archive, string fileName, ArchiveLimits? limits = null, bool seekable = true)
    {
        var members = new List<SeenMember>();
        Stream input = seekable ? new MemoryStream(archive, writable: false) : new NonSeekableStream(archive);
        var result = SafeArchive.Read(input, fileName, m =>
        {
            members.Add(new SeenMember(m.Path, m.Kind, m.Size, m.Depth, m.Container, m.NestedFormat, m.ReadAllBytes()));
        }, limits);
        return new ReadOutcome(result, members);
    }

    public IEnumerable<string> Paths => Members.Select(m => m.Path);
    public IEnumerable<ArchiveIssueKind> IssueKinds => Result.Issues.Select(i => i.Kind);
    public SeenMember Member(string path) => Members.Single(m => m.Path == path);
}

internal sealed record SeenMember(string Path, ArchiveMemberKind Kind, long Size, int Depth, string? Container,
    ArchiveFormat NestedFormat, byte[] Data)
{
    public string Text => Encoding.UTF8.GetString(Data);
}

/// <summary>A [Fact] that skips, with the reason, when the <c>xz</c> command is not installed.</summary>
internal sealed class XzFactAttribute : FactAttribute
{
    public XzFactAttribute()
    {
        if (ArchiveFactory.XzCommand is null) Skip = "the xz command is not installed (apt-get install xz-utils); SharpCompress cannot write .xz";
    }
}
