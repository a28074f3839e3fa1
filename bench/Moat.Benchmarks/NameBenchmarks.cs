using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Moat.Analysis.Names;
using Moat.Packaging;

namespace Moat.Benchmarks;

/// <summary>
/// Micro-benchmarks of the name-confusion engine: building the index over the embedded top-15,000, and checking
/// names one at a time (the index server's per-upload cost).
/// <c>dotnet run -c Release --project bench/Moat.Benchmarks -- --filter '*NameBenchmarks*'</c>
/// </summary>
[MemoryDiagnoser]
public class NameBenchmarks
{
    private NameChecker checker = null!;
    private readonly string[] samples =
    [
        "reqeusts", "colourama", "python3-dateutil", "requests-darwin-lite", "jeIlyfish", "my-internal-tool",
        "django-rest-framework-simplejwt-extensions", "numpy", "flask-login", "zzz-unrelated-project-name",
    ];

    [GlobalSetup]
    public void Setup()
    {
        checker = new NameChecker(PopularCorpus.Embedded);
        checker.PrepareForManyNames();
    }

    [Benchmark]
    public NameChecker BuildIndex()
    {
        var built = new NameChecker(PopularCorpus.Embedded);
        built.PrepareForManyNames();
        return built;
    }

    [Benchmark(OperationsPerInvoke = 10)]
    public int CheckName()
    {
        var count = 0;
        foreach (var name in samples) count += checker.Matches(name).Count;
        return count;
    }
}

/// <summary>
/// The whole-PyPI pass (a single run, not a BenchmarkDotNet loop): every name in all-names.txt.gz checked against
/// the top-15,000 by Moat and against the top-10,000 by PyPI's typo check re-described (<see cref="WarehouseTypoCheck"/>),
/// with counts per technique, wall time and peak memory.
/// <c>dotnet run -c Release --project bench/Moat.Benchmarks -- names-pass [all-names.txt.gz]</c>
/// </summary>
public static partial class NamePass
{
    public static void Run(string[] args)
    {
        // names-pass [NAMES-FILE] [--moat-only] [--dump FILE]: --moat-only skips the (slow) warehouse comparison,
        // --dump writes every name's best match, so a speed change can be checked for identical results with diff.
        var options = args.Skip(1).ToList();
        var moatOnly = options.Remove("--moat-only");
        var dumpAt = options.IndexOf("--dump");
        string? dump = null;
        if (dumpAt >= 0 && dumpAt + 1 < options.Count) { dump = options[dumpAt + 1]; options.RemoveRange(dumpAt, 2); }
        var path = options.Count > 0 ? options[0] : Path.Combine(BenchData.SharedData, "pypi", "all-names.txt.gz");
        var names = PublicNames.ReadFile(path).ToArray();
        Console.WriteLine($"{names.Length:N0} names from {path}; {Environment.ProcessorCount} cores");

        var load = LoadAverage();
        var clock = Stopwatch.StartNew();
        var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        var corpus = PopularCorpus.Embedded;
        var cpuCorpus = Process.GetCurrentProcess().TotalProcessorTime - cpuStart;
        var checker = new NameChecker(corpus);
        checker.PrepareForManyNames();
        var build = clock.Elapsed;
        var cpuBuild = Process.GetCurrentProcess().TotalProcessorTime - cpuStart;
        var (gcPause, gen0, gen1, gen2, allocated) = (GC.GetTotalPauseDuration(), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalAllocatedBytes());
        clock.Restart();
        var primary = new NameMatch?[names.Length];
        Parallel.For(0, names.Length, i => primary[i] = checker.Matches(names[i]) is [var first, ..] ? first : null);
        var check = clock.Elapsed;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuStart;
        var peak = Process.GetCurrentProcess().PeakWorkingSet64;
        // Per-phase CPU time and GC work: on a shared machine these move far less than wall time.
        Console.WriteLine($"load average before the pass: {load}; CPU time for index + check: {cpu.TotalSeconds:0.00} s (index {cpuBuild.TotalSeconds:0.00} s, of which reading the embedded corpus {cpuCorpus.TotalSeconds:0.00} s; check {(cpu - cpuBuild).TotalSeconds:0.00} s)");
        Console.WriteLine($"check: allocated {(GC.GetTotalAllocatedBytes() - allocated) / (1024 * 1024)} MB, GCs gen0/1/2 {GC.CollectionCount(0) - gen0}/{GC.CollectionCount(1) - gen1}/{GC.CollectionCount(2) - gen2}, "
                          + $"GC pause {(GC.GetTotalPauseDuration() - gcPause).TotalSeconds:0.00} s (index: {gcPause.TotalSeconds:0.00} s, {allocated / (1024 * 1024)} MB allocated incl. reading names)");

        Console.WriteLine($"moat: index {build.TotalSeconds:0.00} s, check {check.TotalSeconds:0.00} s ({check.TotalMicroseconds / names.Length:0.0} µs/name), peak working set {peak / (1024 * 1024)} MB");
        Console.WriteLine("technique                    reported(>=0.2)  suspicious(>=0.4)  malicious(>=0.85)");
        var matched = primary.Where(m => m is not null).Select(m => m!).ToList();
        foreach (var group in matched.GroupBy(m => m.Technique).OrderByDescending(g => g.Count(m => m.Score >= 0.4)))
        {
            Console.WriteLine($"{group.Key.Label(),-28} {group.Count(),15:N0} {group.Count(m => m.Score >= 0.4),18:N0} {group.Count(m => m.Score >= 0.85),18:N0}");
        }
        Console.WriteLine($"{"total",-28} {matched.Count,15:N0} {matched.Count(m => m.Score >= 0.4),18:N0} {matched.Count(m => m.Score >= 0.85),18:N0}");
        Console.WriteLine($"{"of those, top-1,000 targets",-28} {matched.Count(m => m.TargetRank <= 1000),15:N0} {matched.Count(m => m.Score >= 0.4 && m.TargetRank <= 1000),18:N0}");
        // What the proxy would refuse: with history unknown, and if every name were a project first released 3 days ago
        // (one release) — the cost, in honest new projects, of the history operating point names-recall reports.
        var now = DateTimeOffset.UtcNow;
        var brandNew = new ProjectHistory(now.AddDays(-3), now.AddDays(-3), 1, TimeSpan.Zero, HistorySource.UploadTimes);
        var refusedUnknown = matched.Count(m => Moat.Index.Policy.NameCheck.RefusedLookalike([m], null, now) is not null);
        var refusedIfNew = matched.Count(m => Moat.Index.Policy.NameCheck.RefusedLookalike([m], brandNew, now) is not null);
        var suspiciousIfNew = matched.Count(m => NameScorer.WithHistory(m.Score, HistoryStanding.New) >= 0.4);
        Console.WriteLine($"suspicious or worse if every name were 3 days old with 1 release: {suspiciousIfNew:N0} = {100.0 * suspiciousIfNew / names.Length:0.000}% (history unknown: {matched.Count(m => m.Score >= 0.4):N0} = {100.0 * matched.Count(m => m.Score >= 0.4) / names.Length:0.000}%)");
        Console.WriteLine($"proxy refusal set, history unknown: {refusedUnknown:N0} = {100.0 * refusedUnknown / names.Length:0.000}%; if every name were 3 days old with 1 release: {refusedIfNew:N0} = {100.0 * refusedIfNew / names.Length:0.000}%");
        if (dump is not null)
        {
            // After the timed pass, so it costs the measurement nothing: every finding of every name, not just the best.
            var all = new IReadOnlyList<NameMatch>[names.Length];
            Parallel.For(0, names.Length, i => all[i] = checker.Matches(names[i]));
            File.WriteAllLines(dump, Enumerable.Range(0, names.Length).Where(i => all[i].Count > 0).Select(i => names[i] + "\t" + string.Join("\t",
                all[i].Select(m => $"{m.Technique.Label()}|{m.Target}|{m.Score.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}|{m.Detail}"))));
        }
        if (moatOnly) return;

        clock.Restart();
        var cpuWarehouse = Process.GetCurrentProcess().TotalProcessorTime;
        var top10k = PopularCorpus.Embedded.Top(10_000).Projects.Select(p => p.Name).ToArray();
        var warehouse = new WarehouseTypoCheck(top10k);
        var hits = new (WarehouseTypoCheck.Check Check, string Target)?[names.Length];
        Parallel.For(0, names.Length, i =>
        {
            var canonical = ProjectName.IsValid(names[i]) ? ProjectName.Normalize(names[i]) : null;
            // PyPI runs the check only when a project is created, so names already in its list are never checked.
            hits[i] = canonical is null || warehouse.IsPopular(canonical) ? null : warehouse.TypoCheckName(canonical);
        });
        var warehouseTime = clock.Elapsed;
        Console.WriteLine($"warehouse typo_check (top 10,000): {warehouseTime.TotalSeconds:0.00} s wall, {(Process.GetCurrentProcess().TotalProcessorTime - cpuWarehouse).TotalSeconds:0.00} s CPU");
        foreach (var group in hits.Where(h => h is not null).GroupBy(h => h!.Value.Check).OrderByDescending(g => g.Count()))
            Console.WriteLine($"{group.Key,-28} {group.Count(),15:N0}");
        Console.WriteLine($"{"total",-28} {hits.Count(h => h is not null),15:N0}");

        var both = Enumerable.Range(0, names.Length).Count(i => hits[i] is not null && primary[i] is { Score: >= 0.4 });
        var warehouseOnly = Enumerable.Range(0, names.Length).Where(i => hits[i] is not null && primary[i] is not { Score: >= 0.4 }).ToList();
        Console.WriteLine($"flagged by warehouse and moat(>=0.4): {both:N0}; warehouse only: {warehouseOnly.Count:N0}; moat(>=0.4) only: {Enumerable.Range(0, names.Length).Count(i => hits[i] is null && primary[i] is { Score: >= 0.4 }):N0}");
        Console.WriteLine("sample warehouse-only: " + string.Join(", ", warehouseOnly.Take(15).Select(i => $"{names[i]}→{hits[i]!.Value.Target}")));
        // Recall on publicly reported squats (the real-world cases of the tests).
        string[] known =
        [
            "reqeusts", "colourama", "pilow", "urlib3", "reequests", "djanga", "jeIlyfish", "rnatplotlib", "setup-tools",
            "pythondateutil", "dateutil-python", "python3-dateutil", "python-sqlite", "crypt", "requests-darwin-lite",
            "colorama-fix", "yaml", "cv2", "skimage", "beautifulsop4", "tensorfolw", "cryptogrpahy", "matplotlibb", "request",
            "requests3", "python-requests", "new-requests", "scikitlearm",
        ];
        var moatKnown = known.Count(n => checker.Matches(n) is [{ Score: >= 0.4 }, ..]);
        var warehouseKnown = known.Count(n => warehouse.TypoCheckName(ProjectName.Normalize(n)) is not null);
        Console.WriteLine($"known squats caught: moat(>=0.4) {moatKnown}/{known.Length}, warehouse {warehouseKnown}/{known.Length}; warehouse misses: "
            + string.Join(", ", known.Where(n => warehouse.TypoCheckName(ProjectName.Normalize(n)) is null)));
        var moatOnlySample = Enumerable.Range(0, names.Length).Where(i => hits[i] is null && primary[i] is { Score: >= 0.4 }).Take(15);
        Console.WriteLine("sample moat-only: " + string.Join(", ", moatOnlySample.Select(i => $"{names[i]}→{primary[i]!.Target} ({primary[i]!.Technique.Label()})")));
    }
}

public static partial class NamePass
{
    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
}
