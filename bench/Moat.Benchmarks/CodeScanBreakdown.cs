using System.Diagnostics;
using System.Text;
using Moat.Analysis.Code;

namespace Moat.Benchmarks;

/// <summary>
/// A quick Stopwatch breakdown of where code-scan time goes (lex, parse, whole scan) on the benchmark inputs, for
/// profiling between BenchmarkDotNet runs: <c>dotnet run -c Release --project bench/Moat.Benchmarks -- code-breakdown [seconds] [name filter]</c>.
/// Reports the best of several rounds and the process CPU time per round (GC included), which are the least
/// disturbed by other processes on a shared machine.
/// </summary>
public static class CodeScanBreakdown
{
    private static string _filter = "";

    public static void Run(double seconds, string filter = "")
    {
        _filter = filter;
        var text = new StringBuilder();
        for (var i = 0; text.Length < 1_000_000; i++) text.Append(CodeScanBenchmarks.LibraryModule(i));
        var source = text.ToString();
        var bytes = Encoding.UTF8.GetBytes(source);
        var sdist = CodeScanBenchmarks.Sdist("typical", 32, 0);

        Measure("lex 1 MB", seconds, () => PyLexer.Lex(source).Tokens.Count);
        Measure("parse 1 MB (incl. lex)", seconds, () => PyParser.Parse(source).Body.Count);
        Measure("scan 1 MB .py", seconds, () => PackageScanner.Scan(new MemoryStream(bytes), "big.py", CodeScanBenchmarks.Uncached).Findings.Count);
        var modules = Enumerable.Range(0, 32).Select(CodeScanBenchmarks.LibraryModule).ToArray();
        Measure("lex sdist's 32 modules", seconds, () => modules.Sum(m => PyLexer.Lex(m).Tokens.Count));
        Measure("parse sdist's 32 modules", seconds, () => modules.Sum(m => PyParser.Parse(m).Body.Count));
        int AnalyseAll()
        {
            var shared = new ScanShared(CodeScanBenchmarks.Uncached);
            var findings = new List<Moat.Analysis.Finding>();
            for (var i = 0; i < modules.Length; i++) new FileAnalysis($"typical-1.0/typical/mod{i}.py", modules[i], FileRole.Module, shared, findings).Run();
            return findings.Count;
        }
        Measure("analyse sdist's 32 modules", seconds, AnalyseAll);
        Measure("analyse 32 modules on two threads at once", seconds, () =>
        {
            var other = Task.Run(AnalyseAll);
            return AnalyseAll() + other.Result;
        });
        Measure("read ~50 KB sdist archive", seconds, () =>
        {
            var members = 0;
            Moat.Packaging.Archives.SafeArchive.Read(new MemoryStream(sdist), "typical-1.0.tar.gz", m => { if (m.Kind == Moat.Packaging.Archives.ArchiveMemberKind.File) members += m.ReadAllBytes().Length; });
            return members;
        });
        Measure("scan ~50 KB sdist", seconds, () => PackageScanner.Scan(new MemoryStream(sdist), "typical-1.0.tar.gz", CodeScanBenchmarks.Uncached).Findings.Count);
        Measure("scan ~50 KB sdist, 1 thread", seconds, () => PackageScanner.Scan(new MemoryStream(sdist), "typical-1.0.tar.gz", CodeScanBenchmarks.UncachedOneThread).Findings.Count);
        var many = Path.Combine(Path.GetTempPath(), "moat-scan-many-10000");
        if (Directory.Exists(many))
        {
            var files = Directory.GetFiles(many).Order(StringComparer.Ordinal).Take(1000).ToArray();
            Measure("scan 1000 small sdists", seconds, () => files.Sum(f => PackageScanner.Scan(f, CodeScanBenchmarks.Uncached).Findings.Count));
        }
        Console.WriteLine($"(1 MB tokens: {PyLexer.Lex(source).Tokens.Count:N0}; 1 MB = {source.Length:N0} chars; sdist {sdist.Length:N0} bytes compressed)");
    }

    private static void Measure(string name, double seconds, Func<int> action)
    {
        if (!name.Contains(_filter, StringComparison.Ordinal)) return;
        action(); // warm up (JIT)
        var best = double.MaxValue;
        var total = 0.0;
        var runs = 0;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var pauseBefore = GC.GetTotalPauseDuration();
        var gcBefore = GC.CollectionCount(0);
        var gen2Before = GC.CollectionCount(2);
        var clock = Stopwatch.StartNew();
        var times = new List<double>();
        while (clock.Elapsed.TotalSeconds < seconds || runs < 3)
        {
            var start = Stopwatch.GetTimestamp();
            action();
            var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            times.Add(ms);
            best = Math.Min(best, ms);
            total += ms;
            runs++;
        }
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds / runs;
        var allocated = (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / runs;
        var pause = (GC.GetTotalPauseDuration() - pauseBefore).TotalMilliseconds / runs;
        var collections = (GC.CollectionCount(0) - gcBefore) / (double)runs;
        var gen2 = (GC.CollectionCount(2) - gen2Before) / (double)runs;
        Console.WriteLine($"{name,-26} best {best,9:F3} ms   median {times.Order().ElementAt(times.Count / 2),9:F3} ms   mean {total / runs,9:F3} ms   CPU {cpu,9:F3} ms/op   {allocated / 1024.0,8:F0} KB/op   GC {collections:F2}/op (gen2 {gen2:F2}) {pause:F3} ms/op   ({runs} runs)");
    }
}
