using Moat.Analysis.Code;
using Moat.Analysis.Reporting;

namespace Moat.Benchmarks;

/// <summary>
/// Bytes allocated by <see cref="PackageScanner.Scan(string, CodeScanOptions?)"/> per archive, one archive at a time
/// on one thread: <c>dotnet run -c Release --project bench/Moat.Benchmarks -- scan-alloc DIR [every-Nth] [RESULTS.txt] [warm]</c>.
/// Allocation counts do not depend on machine load, so two builds can be compared on a busy machine; peak RSS of the
/// parallel whole-corpus scan follows how much is allocated between collections (large arrays most of all).
/// Prints the total, the process CPU time and GC pauses, the largest archives by allocation; with RESULTS.txt, every
/// archive's verdict, score and findings one per line, to compare two builds' detection. Also prints the wall time per
/// archive (median, p99, max), which means something only on an idle machine.
/// </summary>
public static class ScanAllocations
{
    public static void Run(string directory, int every, string? dump = null, bool warm = false)
    {
        using var results = dump is null ? null : new StreamWriter(dump);
        var files = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Where(PackageScanner.IsArchiveName)
            .Order(StringComparer.Ordinal).Where((_, i) => i % every == 0).ToList();
        if (warm)
        {
            var warmOptions = new CodeScanOptions { Names = PackageNameMatcher.ForBatch(), FileCache = new FileAnalysisCache(), FileParallelism = 1 };
            foreach (var file in files) PackageScanner.Scan(file, warmOptions);
            GC.Collect();
            Console.WriteLine("(warm: every archive was scanned once before these figures)");
        }
        var perFile = new List<(string File, long Bytes)>(files.Count);
        var milliseconds = new List<double>(files.Count);
        var withoutPauses = new List<double>(files.Count);
        var gen2PerArchive = new List<int>(files.Count);
        var perFileTime = new List<(string File, double Milliseconds)>(files.Count);
        long total = 0;
        var verdicts = new Dictionary<string, int>(StringComparer.Ordinal);
        var gen2Before = GC.CollectionCount(2);
        var process = System.Diagnostics.Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var pauseBefore = GC.GetTotalPauseDuration();
        // The options `moat scan` uses.
        // A cache of its own: the warm pass must not have analysed these files already.
        // One thread unless MOAT_BENCH_FILE_PARALLELISM says more (a package's files analysed at once, as a lone scan does):
        // allocation is then counted for the whole process rather than this thread.
        var fileParallelism = int.TryParse(Environment.GetEnvironmentVariable("MOAT_BENCH_FILE_PARALLELISM"), out var p) ? Math.Max(1, p) : 1;
        var options = new CodeScanOptions
        {
            Names = PackageNameMatcher.ForBatch(),
            FileCache = Environment.GetEnvironmentVariable("MOAT_BENCH_NO_FILE_CACHE") is "1" ? null : new FileAnalysisCache(),
            FileParallelism = fileParallelism,
        };
        long Allocated() => fileParallelism > 1 ? GC.GetTotalAllocatedBytes(precise: true) : GC.GetAllocatedBytesForCurrentThread();
        foreach (var file in files)
        {
            var before = Allocated();
            var pausedBefore = GC.GetTotalPauseDuration();
            var gen2Count = GC.CollectionCount(2);
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var result = PackageScanner.Scan(file, options);
            var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            milliseconds.Add(elapsed);
            withoutPauses.Add(elapsed - (GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds);
            gen2PerArchive.Add(GC.CollectionCount(2) - gen2Count);
            perFileTime.Add((Path.GetRelativePath(directory, file), elapsed));
            var bytes = Allocated() - before;
            total += bytes;
            perFile.Add((Path.GetRelativePath(directory, file), bytes));
            var verdict = result.Verdict.ToString();
            if (results is not null)
            {
                // The shape bench/compare-scans.py prints for `moat scan --format json` output.
                results.WriteLine($"{file}\t{ReportNames.Of(result.Verdict)}\t{result.Score:0.000}");
                foreach (var f in result.Findings)
                    results.WriteLine($"  {f.RuleId} {ReportNames.Of(f.Severity)} {ReportNames.Of(f.Confidence)} {f.Location.Path}:{f.Location.Line} {f.Message} | {f.Evidence}");
            }
            verdicts[verdict] = verdicts.GetValueOrDefault(verdict) + 1;
        }
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        var pause = GC.GetTotalPauseDuration() - pauseBefore;
        perFile.Sort((a, b) => b.Bytes.CompareTo(a.Bytes));
        Console.WriteLine($"{files.Count:N0} archives, {total / 1048576.0:N1} MiB allocated ({total / Math.Max(1, files.Count) / 1024.0:N1} KiB/archive), "
                          + $"median {perFile[perFile.Count / 2].Bytes / 1024.0:N1} KiB, p99 {perFile[perFile.Count / 100].Bytes / 1048576.0:N1} MiB, gen2 collections {GC.CollectionCount(2) - gen2Before}");
        // CPU includes the JIT and the name engine's one-time index; GC pause is the part of it spent collecting.
        Console.WriteLine($"process CPU {cpu.TotalSeconds:N2} s (GC pauses {pause.TotalSeconds:N2} s), peak working set {process.PeakWorkingSet64 >> 20} MiB");
        // Wall time per archive (file read, scan and any collection it triggered): only an idle machine gives real figures.
        milliseconds.Sort();
        Console.WriteLine($"wall per archive: median {milliseconds[milliseconds.Count / 2]:N2} ms, p99 {milliseconds[(int)(milliseconds.Count * 0.99)]:N2} ms, "
                          + $"max {milliseconds[^1]:N1} ms (the first archives include the JIT)");
        // The same without the GC pauses that fell inside each archive's scan: how much of the tail is collection.
        withoutPauses.Sort();
        Console.WriteLine($"without GC pauses: median {withoutPauses[withoutPauses.Count / 2]:N2} ms, p99 {withoutPauses[(int)(withoutPauses.Count * 0.99)]:N2} ms; "
                          + $"archives during which a gen2 collection ran: {gen2PerArchive.Count(g => g > 0)}");
        // What stays alive after the scans (the name engine's index, the file analysis cache): the floor of a long-running gate.
        Console.WriteLine($"live after the scans: {GC.GetTotalMemory(forceFullCollection: true) / 1048576.0:N1} MiB");
        if (options.FileCache is { } cache) Console.WriteLine($"file analyses reused {cache.Hits:N0} of {cache.Hits + cache.Misses:N0}");
        Console.WriteLine("verdicts: " + string.Join(", ", verdicts.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => $"{v.Key} {v.Value}")));
        foreach (var (file, bytes) in perFile.Take(15)) Console.WriteLine($"{bytes / 1048576.0,9:N1} MiB  {file}");
        // Where the time goes: the slowest archives' share of the whole (a heavy tail sets the corpus scan's wall).
        perFileTime.Sort((a, b) => b.Milliseconds.CompareTo(a.Milliseconds));
        var sum = perFileTime.Sum(t => t.Milliseconds);
        foreach (var share in new[] { 0.001, 0.01, 0.05 })
            Console.WriteLine($"slowest {share:P1} of archives: {perFileTime.Take((int)Math.Ceiling(perFileTime.Count * share)).Sum(t => t.Milliseconds) / sum:P1} of the wall");
        foreach (var (file, ms) in perFileTime.Take(15)) Console.WriteLine($"{ms,9:N1} ms  {file}");
        // Every archive's time and allocation, slowest first, beside the results: which archives make the p99.
        if (dump is not null)
            File.WriteAllLines(dump + ".times", perFileTime.Select(t => $"{t.Milliseconds:F2}\t{t.File}"));
    }
}

/// <summary>
/// Bytes allocated by each stage on one Python file (<c>alloc-breakdown FILE.py</c>): lexing, parsing (lexing
/// included), one indicator search of the whole text and the whole scan, against the file's size, with each stage's
/// best time over a second; shows which stage a large file's allocation and time come from. Given a directory, lexes and
/// parses each of its .py files.
/// </summary>
public static class StageAllocations
{
    public static void Run(string file)
    {
        if (Directory.Exists(file))
        {
            // A tree of modules (a library's source): the front end's cost per file, as a package scan pays it.
            var texts = Directory.EnumerateFiles(file, "*.py", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(File.ReadAllText).ToArray();
            long chars = texts.Sum(t => (long)t.Length);
            Console.WriteLine($"{texts.Length} files, {chars:N0} chars");
            Measure("lex", chars, () => texts.Sum(Lex));
            Measure("parse (incl. lex)", chars, () => texts.Sum(t => PyParser.Parse(t).Body.Count));
            return;
        }
        var bytes = File.ReadAllBytes(file);
        var text = System.Text.Encoding.UTF8.GetString(bytes);
        Measure("lex", bytes.Length, () => Lex(text));
        Measure("parse (incl. lex)", bytes.Length, () => PyParser.Parse(text).Body.Count);
        Measure("indicator search", bytes.Length, () => Indicators.Find(text).Count);
        Measure("scan", bytes.Length, () => PackageScanner.Scan(new MemoryStream(bytes), Path.GetFileName(file), new CodeScanOptions { FileCache = null }).Findings.Count);
    }

    // The token array goes back to the pool, as the parser gives it back: kept, it would count as allocated on every run.
    private static int Lex(string text)
    {
        var tokens = PyLexer.Lex(text);
        var count = tokens.Count;
        tokens.Release();
        return count;
    }

    private static void Measure(string stage, long size, Func<int> action)
    {
        action(); // JIT and static tables first
        var before = GC.GetAllocatedBytesForCurrentThread();
        action();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var (best, _, _) = Repeated.For(1, () => action());
        Console.WriteLine($"{stage,-18} {allocated / 1048576.0,9:N1} MiB  ({allocated / (double)size:N1} bytes per source byte), best {best:F2} ms");
    }
}

/// <summary>
/// One archive scanned again and again for a few seconds (<c>scan-repeat FILE [seconds]</c>): best and mean wall time
/// and allocation per scan once the JIT is warm, to study one of the slow archives that make the corpus's p99.
/// </summary>
public static class ScanRepeat
{
    public static void Run(string archive, double seconds)
    {
        // No file analysis cache: every scan analyses the archive as if it were new.
        var options = new CodeScanOptions { Names = PackageNameMatcher.ForBatch(), FileCache = null };
        var result = PackageScanner.Scan(archive, options);
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var (best, mean, runs) = Repeated.For(seconds, () => PackageScanner.Scan(archive, options));
        allocated = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / runs;
        Console.WriteLine($"{ReportNames.Of(result.Verdict)} {result.Score:0.000}, {result.Findings.Count} findings; best {best:F2} ms, mean {mean:F2} ms, "
                          + $"{allocated / 1048576.0:F1} MiB/scan ({runs} runs)");
    }
}
