using System.Diagnostics;
using Moat.Analysis.Names;
using Moat.Packaging;

namespace Moat.Benchmarks;

/// <summary>
/// Where the whole-PyPI pass spends its time, technique by technique: on one thread, each technique runs alone over
/// every name, timed in process CPU time (on a shared machine wall time says more about the neighbours than the code).
/// Best of <c>rounds</c> rounds. <c>dotnet bench/Moat.Benchmarks/bin/Release/net10.0/Moat.Benchmarks.dll names-profile [rounds]</c>
/// </summary>
internal static class NameProfile
{
    private delegate void Technique(NameQuery query, NameIndex index, List<RawMatch> into);

    public static void Run(string[] args)
    {
        var rounds = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 2;
        var names = PublicNames.ReadFile(Path.Combine(BenchData.SharedData, "pypi", "all-names.txt.gz")).ToArray();
        // Cold, once each: what the first NameChecker of a process pays besides building its maps.
        PopularCorpus corpus = null!;
        Measure("cold: embedded corpus", 1, 1, () => corpus = PopularCorpus.Embedded);
        var targets = corpus.Projects.Select(p => new Target(p.Name, p.Rank, Internal: false)).ToArray();
        Measure("cold: stdlib list", 1, 1, () => _ = StandardLibrary.Embedded);
        Measure("cold: import names", 1, 1, () => _ = ImportNameTable.Embedded);
        Measure("cold: first index", 1, 1, () => _ = new NameIndex(targets, StandardLibrary.Embedded, ImportNameTable.Embedded));
        NameIndex index = null!;
        Measure("index build", rounds, 1, () => index = new NameIndex(targets, StandardLibrary.Embedded, ImportNameTable.Embedded));

        var valid = names.Where(n => ProjectName.IsValid(n)).ToArray();
        NameQuery[] queries = [];
        Measure("validate+query", rounds, names.Length, () =>
        {
            queries = new NameQuery[valid.Length];
            for (var i = 0; i < valid.Length; i++)
            {
                var normalized = ProjectName.Normalize(valid[i]);
                queries[i] = new NameQuery(normalized, index.Exact.GetValueOrDefault(normalized));
            }
        });
        var deletions = new DeletionIndex([.. targets.Select(t => t.Name)]);
        var candidates = new List<int>();
        long candidateCount = 0;
        Measure("deletion candidates", rounds, names.Length, () =>
        {
            candidateCount = 0;
            foreach (var query in queries)
            {
                candidates.Clear();
                deletions.Candidates(query.Normalized, candidates);
                candidateCount += candidates.Count;
            }
        });
        (string Name, Technique Find)[] techniques =
        [
            ("edit-typos (all)", EditTypos.Find), ("ascii-lookalike", AsciiLookalikeSquat.Find), ("ultranormalized", UltranormalizedCollision.Find),
            ("separator", SeparatorConfusion.Find), ("word-order", WordOrder.Find), ("version-suffix", VersionSuffix.Find),
            ("python-affix", PythonAffix.Find), ("combosquat", Combosquat.Find), ("popular-combined", PopularNamesCombined.Find), ("popular-name-as-word", PopularNameAsWord.Find),
            ("stdlib", StdlibShadowing.Find), ("import-name", ImportNameTrap.Find),
        ];
        var raw = new List<RawMatch>();
        foreach (var (name, find) in techniques)
        {
            Measure(name, rounds, names.Length, () =>
            {
                foreach (var query in queries)
                {
                    raw.Clear();
                    find(query, index, raw);
                }
            });
        }
        var checker = new NameChecker(corpus);
        Measure("checker, one thread", rounds, names.Length, () =>
        {
            foreach (var name in names) checker.Matches(name);
        });
        Measure("checker, Parallel.For", rounds, names.Length, () => Parallel.For(0, names.Length, i => checker.Matches(names[i])));
        Console.WriteLine($"deletion-index candidates per name: {candidateCount / (double)names.Length:0.00}");
    }

    private static void Measure(string what, int rounds, int perItems, Action action)
    {
        var best = double.MaxValue;
        long allocated = 0;
        for (var round = 0; round < rounds; round++)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var bytes = GC.GetAllocatedBytesForCurrentThread();
            action();
            best = Math.Min(best, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
            allocated = GC.GetAllocatedBytesForCurrentThread() - bytes;
        }
        Console.WriteLine($"{what,-22} {best,7:0.000} s CPU  {(perItems > 1 ? $"{best * 1e6 / perItems,6:0.00} µs/name  {allocated / perItems,5} B/name" : $"{allocated >> 20} MB")} allocated");
    }
}
