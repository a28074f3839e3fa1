using System.Globalization;
using Moat.Analysis.Names;
using Moat.Index.Policy;
using Moat.Packaging;

namespace Moat.Benchmarks;

/// <summary>
/// Detection quality of the name engine, counted rather than timed:
/// <list type="bullet">
/// <item><c>names-recall [DEVSET] [--misses]</c>: the development set of real squats (bench/names/devset.tsv, built by
/// bench/names/build_devset.py) — a squat is caught when its first finding is suspicious or worse (score ≥ 0.4) and
/// names one of the squat's right targets. Then the same squats as the proxy met them: each was a new project when it
/// was published (its archive holds one or two releases — 98% of the archive's names; the others are weighed with an
/// ordinary history), so it is scored with a new project's history (first release 3 days before, as many releases
/// as its archive holds) and counted when suspicious with the right target, and when the proxy refuses it
/// (<see cref="Moat.Index.Policy.NameCheck.RefusedLookalike"/>).</item>
/// <item><c>names-self</c>: the embedded top 15,000 checked against each other — how many popular names the engine
/// flags (suspicious or worse).</item>
/// </list>
/// <c>dotnet bench/Moat.Benchmarks/bin/Release/net10.0/Moat.Benchmarks.dll names-recall</c>
/// </summary>
public static class NameRecall
{
    public const double Suspicious = 0.4;

    public static void Run(string[] args)
    {
        var showMisses = args.Contains("--misses");
        var path = args.Skip(1).FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? Path.Combine(RepoRoot(), "bench", "names", "devset.tsv");
        var rows = File.ReadLines(path).Where(l => l.Length > 0 && l[0] != '#').Select(l => l.Split('\t')).ToList();
        var checker = NameChecker.Default;
        var results = rows.Select(r => (Squat: r[0], Targets: r[1].Split('|'), Source: r[2], How: r.Length > 3 ? r[3] : "", Matches: checker.Matches(r[0]))).ToList();
        static bool Caught((string Squat, string[] Targets, string Source, string How, IReadOnlyList<NameMatch> Matches) r) =>
            r.Matches is [var first, ..] && first.Score >= Suspicious && r.Targets.Contains(first.Target);
        static bool AnyTarget((string Squat, string[] Targets, string Source, string How, IReadOnlyList<NameMatch> Matches) r) =>
            r.Matches.Any(m => r.Targets.Contains(m.Target));
        Console.WriteLine($"{results.Count:N0} squats from {path}");
        Console.WriteLine($"caught with the right target (first finding, score >= {Suspicious}): {results.Count(Caught):N0} = {Percent(results.Count(Caught), results.Count)}");
        Console.WriteLine($"right target among any finding (score >= {NameScorer.ReportThreshold}): {results.Count(AnyTarget):N0} = {Percent(results.Count(AnyTarget), results.Count)}");
        Console.WriteLine($"flagged suspicious or worse at all: {results.Count(r => r.Matches is [{ Score: >= Suspicious }, ..]):N0}");
        foreach (var group in results.GroupBy(r => r.Source + ": " + r.How).OrderByDescending(g => g.Count()))
            Console.WriteLine($"  {group.Key,-44} {group.Count(Caught),5:N0} / {group.Count(),5:N0} = {Percent(group.Count(Caught), group.Count())}");

        // As the proxy met them: a squat's history when it was published.
        var releases = ArchiveReleases();
        var now = DateTimeOffset.UtcNow;
        var asPublished = results.Select(r => (Row: r, History: PublishedHistory(releases.GetValueOrDefault(r.Squat, 1), now))).ToList();
        var asNew = asPublished.Count(p => p.History.StandingAt(now) == HistoryStanding.New);
        var weighedCaught = asPublished.Count(p => NameChecker.WeighHistory(p.Row.Matches, p.History, now) is [var first, ..] && first.Score >= Suspicious && p.Row.Targets.Contains(first.Target));
        var refused = asPublished.Count(p => NameCheck.RefusedLookalike(p.Row.Matches, p.History, now) is { } m && p.Row.Targets.Contains(m.Target));
        Console.WriteLine($"as published ({asNew:N0} new projects: first release 3 days before, 1-2 releases; {results.Count - asNew:N0} with 3+ releases in the archive, ordinary):");
        Console.WriteLine($"  caught with the right target (first finding after history, score >= {Suspicious}): {weighedCaught:N0} = {Percent(weighedCaught, results.Count)}");
        var refusedUnknown = results.Count(r => NameCheck.RefusedLookalike(r.Matches, null, now) is { } m && r.Targets.Contains(m.Target));
        Console.WriteLine($"  refused by the proxy, imitating the right target: {refused:N0} = {Percent(refused, results.Count)} (history unknown: {refusedUnknown:N0} = {Percent(refusedUnknown, results.Count)})");
        foreach (var group in asPublished.GroupBy(p => p.Row.Source + ": " + p.Row.How).OrderByDescending(g => g.Count()))
        {
            var caught = group.Count(p => NameChecker.WeighHistory(p.Row.Matches, p.History, now) is [var first, ..] && first.Score >= Suspicious && p.Row.Targets.Contains(first.Target));
            Console.WriteLine($"  {group.Key,-44} {caught,5:N0} / {group.Count(),5:N0} = {Percent(caught, group.Count())}");
        }
        if (!showMisses) return;
        foreach (var miss in results.Where(r => !Caught(r)))
        {
            var found = miss.Matches is [var m, ..] ? $"{m.Target} {m.Technique.Label()} {m.Score.ToString("0.00", CultureInfo.InvariantCulture)}" : "-";
            Console.WriteLine($"MISS\t{miss.Squat}\t{string.Join('|', miss.Targets)}\t{found}");
        }
    }

    public static void RunSelf(string[] args)
    {
        var checker = NameChecker.Default;
        var flagged = checker.Corpus.Projects.Select(p => (p.Name, p.Rank, Matches: checker.Matches(p.Name)))
            .Where(r => r.Matches is [{ Score: >= Suspicious }, ..]).ToList();
        Console.WriteLine($"top {checker.Corpus.Projects.Count:N0} checked against each other: {flagged.Count} suspicious or worse");
        foreach (var (name, rank, matches) in flagged.Take(args.Contains("--all") ? int.MaxValue : 30))
            Console.WriteLine($"  {name} (rank {rank}) → {matches[0].Target} {matches[0].Technique.Label()} {matches[0].Score.ToString("0.00", CultureInfo.InvariantCulture)}");
    }

    /// <summary>A project first released 3 days ago whose releases came a day apart: how the archive's squats were published.</summary>
    private static ProjectHistory PublishedHistory(int releases, DateTimeOffset now) =>
        new(now.AddDays(-3), now.AddDays(-3 + Math.Min(releases - 1, 3)), releases, releases > 1 ? TimeSpan.FromDays(1) : TimeSpan.Zero, HistorySource.UploadTimes);

    /// <summary>Releases per project (normalized name) in the malregistry archive list (NAME/VERSION/FILE); empty when the shared data is absent.</summary>
    private static Dictionary<string, int> ArchiveReleases()
    {
        string path;
        try { path = Path.Combine(BenchData.SharedData, "eval", "malregistry-dev.txt"); }
        catch (DirectoryNotFoundException) { return []; }
        if (!File.Exists(path)) return [];
        return File.ReadLines(path).Where(l => l.Length > 0 && l[0] != '#').Select(l => l.Split('/')).Where(p => p.Length >= 2 && ProjectName.IsValid(p[0]))
            .Select(p => (Name: ProjectName.Normalize(p[0]), Version: p[1])).Distinct()
            .GroupBy(p => p.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
    }

    private static string Percent(int part, int whole) => whole == 0 ? "n/a" : (100.0 * part / whole).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Moat.slnx"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException("the repository root (Moat.slnx) was not found above the benchmark");
    }
}
