using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Moat.Benchmarks -- --filter '*Names*'
// `code-breakdown`, `make-sdists`, `make-uv-lock` and `make-huge-sdist` are helpers for bench/*.sh (see CodeScanBreakdown, SdistGenerator).
// Whole-run measurements that BenchmarkDotNet's micro-benchmark loop does not fit (one pass over 886,000 names with
// peak memory) are `--job dry`-style single runs or scripts in bench/; see docs/benchmarks.md for the numbers.
// First, so nothing else this process does is counted as the name engine's start-up.
if (args is ["names-startup", ..]) { Moat.Benchmarks.NameStartup.Run(args); return; }
// The time of one indicator search over a file read as UTF-8 text and as bytes (a decoded layer, an escaped executable),
// and of searching each of its lines on its own (the many short literals of a source file).
if (args is ["indicator-search", var textFile])
{
    var text = File.ReadAllText(textFile);
    var latin = new string(File.ReadAllBytes(textFile).Select(b => (char)b).ToArray());
    // Each line on its own, as the many short literals of a source file are searched.
    var lines = text.Split('\n').Where(l => l.Length >= 4).ToArray();
    foreach (var line in lines) Moat.Analysis.Code.Indicators.Find(line);
    var (linesBest, linesMean, _) = Moat.Benchmarks.Repeated.For(2, () => { foreach (var line in lines) Moat.Analysis.Code.Indicators.Find(line); });
    Console.WriteLine($"lines: {lines.Length} lines, {linesMean:F2} ms per search of all (best {linesBest:F2})");
    foreach (var (name, t) in new[] { ("text", text), ("bytes", latin) })
    {
        Moat.Analysis.Code.Indicators.Find(t);
        var (best, mean, _) = Moat.Benchmarks.Repeated.For(2, () => Moat.Analysis.Code.Indicators.Find(t));
        Console.WriteLine($"{name}: {t.Length} chars, {mean:F2} ms per search (best {best:F2}), found {string.Join(",", Moat.Analysis.Code.Indicators.Find(t).Select(i => i.Kind))}");
    }
    return;
}
if (args is ["code-breakdown", ..])
{
    Moat.Benchmarks.CodeScanBreakdown.Run(args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 3, args.Length > 2 ? args[2] : "");
    return;
}
if (args is ["make-sdists", var directory, var count])
{
    Moat.Benchmarks.SdistGenerator.MakeMany(directory, int.Parse(count, System.Globalization.CultureInfo.InvariantCulture));
    return;
}
if (args is ["make-uv-lock", var lockPath, ..])
{
    Moat.Benchmarks.AuditLockGenerator.Write(lockPath, args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 500);
    return;
}
if (args is ["make-huge-sdist", var file, var megabytes])
{
    Moat.Benchmarks.SdistGenerator.MakeHuge(file, int.Parse(megabytes, System.Globalization.CultureInfo.InvariantCulture));
    return;
}
if (args is ["scan-memory", var target])
{
    // One scan in this process, then what the GC holds: separates retained memory from heap the GC kept around.
    var result = Moat.Analysis.Code.PackageScanner.Scan(target);
    var info = GC.GetGCMemoryInfo();
    Console.WriteLine($"{result.Verdict}, {result.Findings.Count} findings; peak working set {System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 >> 20} MiB, "
                      + $"GC heap after last GC {info.HeapSizeBytes >> 20} MiB (committed {info.TotalCommittedBytes >> 20} MiB), allocated {GC.GetTotalAllocatedBytes() >> 20} MiB, gen2 collections {GC.CollectionCount(2)}");
    return;
}
if (args is ["scan-alloc", var corpus, ..])
{
    // `warm` anywhere after the directory: scan every archive once unmeasured first, so the figures are a long-running
    // process's (the index's gate) rather than a cold one's, whose first archives also pay for the JIT.
    var rest = args.Skip(2).Where(a => a != "warm").ToArray();
    Moat.Benchmarks.ScanAllocations.Run(corpus, rest.Length > 0 ? int.Parse(rest[0], System.Globalization.CultureInfo.InvariantCulture) : 1,
        rest.Length > 1 ? rest[1] : null, warm: args.Contains("warm"));
    return;
}
if (args is ["scan-repeat", var archive, ..])
{
    Moat.Benchmarks.ScanRepeat.Run(archive, args.Length > 2 ? double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 3);
    return;
}
if (args is ["alloc-breakdown", var sourceFile])
{
    Moat.Benchmarks.StageAllocations.Run(sourceFile);
    return;
}
if (args is ["names-pass", ..]) { Moat.Benchmarks.NamePass.Run(args); return; }
if (args is ["names-profile", ..]) { Moat.Benchmarks.NameProfile.Run(args); return; }
if (args is ["names-recall", ..]) { Moat.Benchmarks.NameRecall.Run(args); return; }
if (args is ["names-self", ..]) { Moat.Benchmarks.NameRecall.RunSelf(args); return; }
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

public partial class Program;
