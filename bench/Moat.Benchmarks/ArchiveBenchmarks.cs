using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using BenchmarkDotNet.Attributes;
using Moat.Packaging.Archives;

namespace Moat.Benchmarks;

/// <summary>
/// Reads a 50 MB package (about 2,500 source-like files of 20 KB) as a wheel and as a tar.gz, every member read to
/// its end, through the safe reader with its default limits. MB/s = 50 MB / mean time.
/// </summary>
[MemoryDiagnoser]
public class ArchiveBenchmarks
{
    public const int FileCount = 2_500;
    public const int FileSize = 20 * 1024;   // 2,500 × 20 KiB ≈ 50 MB uncompressed

    private string _wheel = "";
    private string _tarGz = "";
    private readonly byte[] _buffer = new byte[81920];

    [GlobalSetup]
    public void Setup()
    {
        var files = SourceLikeFiles().ToList();
        var directory = Path.Combine(Path.GetTempPath(), "moat-bench-archives");
        Directory.CreateDirectory(directory);
        _wheel = Path.Combine(directory, "bench-1.0-py3-none-any.whl");
        _tarGz = Path.Combine(directory, "bench-1.0.tar.gz");

        using (var zip = ZipFile.Open(_wheel, ZipArchiveMode.Create))
        {
            foreach (var (name, data) in files)
            {
                using var stream = zip.CreateEntry(name, CompressionLevel.Optimal).Open();
                stream.Write(data);
            }
        }
        using (var output = File.Create(_tarGz))
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            foreach (var (name, data) in files)
            {
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "bench-1.0/" + name) { DataStream = new MemoryStream(data) });
            }
        }
        Console.WriteLine($"// wheel {new FileInfo(_wheel).Length:N0} bytes, tar.gz {new FileInfo(_tarGz).Length:N0} bytes, " +
                          $"{FileCount:N0} members, {(long)FileCount * FileSize:N0} bytes uncompressed");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        File.Delete(_wheel);
        File.Delete(_tarGz);
    }

    [Benchmark]
    public long ReadWheel() => ReadEverything(_wheel);

    [Benchmark]
    public long ReadTarGz() => ReadEverything(_tarGz);

    /// <summary>Baseline: the same wheel through bare System.IO.Compression, no limits or checks.</summary>
    [Benchmark]
    public long ReadWheelUnchecked()
    {
        long bytes = 0;
        using var zip = ZipFile.OpenRead(_wheel);
        foreach (var entry in zip.Entries)
        {
            using var stream = entry.Open();
            int n;
            while ((n = stream.Read(_buffer)) > 0) bytes += n;
        }
        return bytes;
    }

    /// <summary>Baseline: the same tar.gz through bare GZipStream + TarReader, no limits or checks.</summary>
    [Benchmark]
    public long ReadTarGzUnchecked()
    {
        long bytes = 0;
        using var file = File.OpenRead(_tarGz);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        while (tar.GetNextEntry() is { } entry)
        {
            if (entry.DataStream is not { } stream) continue;
            int n;
            while ((n = stream.Read(_buffer)) > 0) bytes += n;
        }
        return bytes;
    }

    private long ReadEverything(string path)
    {
        long bytes = 0;
        var result = SafeArchive.Read(path, member =>
        {
            using var stream = member.OpenRead();
            int n;
            while ((n = stream.Read(_buffer)) > 0) bytes += n;
        });
        if (!result.Completed || result.Issues.Count > 0 || result.MemberCount != FileCount)
        {
            throw new InvalidOperationException($"unexpected read: {result}");
        }
        return bytes;
    }

    /// <summary>Python-looking modules: varied identifiers and numbers, so they compress like real source (~4:1).</summary>
    private static IEnumerable<(string Name, byte[] Data)> SourceLikeFiles()
    {
        var random = new Random(42);
        string[] words = ["request", "session", "config", "parse", "token", "value", "buffer", "handler", "result", "index",
            "client", "server", "stream", "packet", "header", "record", "schema", "filter", "cache", "worker"];
        for (var i = 0; i < FileCount; i++)
        {
            var text = new StringBuilder(FileSize + 256);
            text.Append("import os\nimport sys\nfrom typing import Any\n\n");
            while (text.Length < FileSize)
            {
                var a = words[random.Next(words.Length)];
                var b = words[random.Next(words.Length)];
                text.Append($"def {a}_{b}_{random.Next(1000)}({a}: Any, {b}: int = {random.Next(100)}) -> Any:\n");
                text.Append($"    \"\"\"Return the {b} of a {a}.\"\"\"\n");
                text.Append($"    if {b} > {random.Next(10_000)}:\n        return {a}.{b}({random.Next()})\n");
                text.Append($"    return os.environ.get('{a.ToUpperInvariant()}_{random.Next(100)}', {b})\n\n");
            }
            var data = Encoding.UTF8.GetBytes(text.ToString(0, FileSize));
            yield return ($"pkg/sub{i / 100:D2}/module_{i:D4}.py", data);
        }
    }
}
