using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Moat.Analysis.Code;

namespace Moat.Benchmarks;

/// <summary>
/// Code analysis speed: MB/s of Python source, latency of one ~50 KB sdist, and many small sdists in parallel.
/// dotnet run -c Release --project bench/Moat.Benchmarks -- --filter '*CodeScan*'
/// </summary>
[MemoryDiagnoser]
public class CodeScanBenchmarks
{
    private string _source = "";
    private byte[] _sdist = [];
    private string _manyDirectory = "";

    internal string ManyDirectory => _manyDirectory;

    /// <summary>Realistic library code: classes, requests calls, subprocess, base64 data, f-strings, comprehensions.</summary>
    internal static string LibraryModule(int index) => $$"""
        import base64, json, os, subprocess, sys
        import requests
        from typing import Any, Optional

        ICON_{{index}} = base64.b64decode('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==')

        class Client{{index}}:
            '''A small HTTP client, as found in thousands of packages.'''

            def __init__(self, token: Optional[str] = None, base: str = "https://api.example.com") -> None:
                self.token = token or os.environ.get("EXAMPLE_TOKEN")
                self.base = base
                self.session = requests.Session()

            def get(self, path: str, **params: Any) -> dict:
                response = self.session.get(f"{self.base}/{path.lstrip('/')}", params=params, timeout=10)
                response.raise_for_status()
                return response.json()

            def items(self, kind: str) -> list:
                return [item for item in self.get(kind)["items"] if item.get("visible", True)]

        def git_version() -> str:
            try:
                return subprocess.check_output(["git", "describe", "--tags"], text=True).strip()
            except (OSError, subprocess.CalledProcessError):
                return "0+unknown"

        def main(argv=None) -> int:
            args = list(argv or sys.argv[1:])
            data = {k: v for k, v in zip(args[::2], args[1::2])}
            print(json.dumps(data, indent=2, sort_keys=True))
            return 0

        """;

    internal static byte[] Sdist(string name, int modules, int seed)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip))
        {
            void Add(string path, string text)
            {
                var entry = new PaxTarEntry(TarEntryType.RegularFile, $"{name}-1.0/{path}") { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)) };
                tar.WriteEntry(entry);
            }
            Add("PKG-INFO", $"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\nSummary: A benchmark package\n\nLong description of the benchmark package.\n");
            Add("setup.py", $"from setuptools import setup, find_packages\nsetup(name='{name}', version='1.0', packages=find_packages())\n");
            for (var i = 0; i < modules; i++) Add($"{name}/mod{i}.py", LibraryModule(seed + i));
        }
        return buffer.ToArray();
    }

    [GlobalSetup]
    public void Setup()
    {
        var text = new StringBuilder();
        for (var i = 0; text.Length < 1_000_000; i++) text.Append(LibraryModule(i));
        _source = text.ToString();
        _sdist = Sdist("typical", 32, 0); // ~50 KB of Python source
        _manyDirectory = Path.Combine(Path.GetTempPath(), "moat-bench-sdists");
        if (!Directory.Exists(_manyDirectory) || Directory.GetFiles(_manyDirectory).Length != 10_000)
        {
            Directory.CreateDirectory(_manyDirectory);
            for (var i = 0; i < 10_000; i++) File.WriteAllBytes(Path.Combine(_manyDirectory, $"small{i}-1.0.tar.gz"), Sdist($"small{i}", 1, i));
        }
    }

    /// <summary>
    /// Every benchmark scans the same input again and again: without the file analysis cache, each measures an analysis
    /// of input never seen before.
    /// </summary>
    internal static readonly CodeScanOptions Uncached = new() { FileCache = null };

    /// <summary>As <see cref="Uncached"/>, with the package's files analysed one after the other on the calling thread.</summary>
    internal static readonly CodeScanOptions UncachedOneThread = Uncached with { FileParallelism = 1 };

    private readonly CodeScanOptions _cached = new() { FileCache = new FileAnalysisCache() };

    /// <summary>1 MB of Python source through lexer, parser, evaluator and rules (MB/s = 1 / mean seconds).</summary>
    [Benchmark]
    public int Source_1MB() => PackageScanner.Scan(new MemoryStream(Encoding.UTF8.GetBytes(_source)), "big.py", Uncached).Findings.Count;

    /// <summary>One sdist of ~50 KB of Python source, from the compressed bytes.</summary>
    [Benchmark]
    public int Typical_sdist_50KB() => PackageScanner.Scan(new MemoryStream(_sdist), "typical-1.0.tar.gz", Uncached).Findings.Count;

    /// <summary>The same sdist with its files analysed one after the other on one thread (as each of `moat scan`'s workers does).</summary>
    [Benchmark]
    public int Typical_sdist_50KB_one_thread() => PackageScanner.Scan(new MemoryStream(_sdist), "typical-1.0.tar.gz", UncachedOneThread).Findings.Count;

    /// <summary>The same sdist when its files were analysed before (the next release of a project, a typosquat's copy).</summary>
    [Benchmark]
    public int Typical_sdist_50KB_files_seen_before() => PackageScanner.Scan(new MemoryStream(_sdist), "typical-1.0.tar.gz", _cached).Findings.Count;

}

/// <summary>10,000 small sdists from disk, two at a time (the 2-core goal): a whole-run measurement, three runs.</summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 0, iterationCount: 3)]
public class CodeScanBulkBenchmarks
{
    private readonly CodeScanBenchmarks _data = new();
    private string _manyDirectory = "";

    [GlobalSetup]
    public void Setup()
    {
        _data.Setup();
        _manyDirectory = _data.ManyDirectory;
    }

    [Benchmark]
    public int Ten_thousand_small_sdists_on_2_cores()
    {
        var count = 0;
        Parallel.ForEach(Directory.EnumerateFiles(_manyDirectory), new ParallelOptions { MaxDegreeOfParallelism = 2 }, file =>
        {
            PackageScanner.Scan(file, CodeScanBenchmarks.Uncached);
            Interlocked.Increment(ref count);
        });
        return count;
    }
}
