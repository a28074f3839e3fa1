using System.Globalization;
using Moat.Analysis.Text;
using Moat.Packaging;

namespace Moat.Analysis.Names;

/// <summary>What a <see cref="NameChecker"/> knows besides the popular corpus.</summary>
/// <param name="Allow">Names never reported (normalized on the way in): the team's own, vetted exceptions.</param>
/// <param name="Internal">Internal names and prefixes: squats of them are reported, and internal names are never squats.</param>
/// <param name="MaxFindings">Findings kept per name, best first (one per target).</param>
/// <param name="EditIndex">
/// Whether the edit-distance index (~57 MB, built once a few hundred names were checked) may be built. A batch that
/// checks a few names per package (<c>moat scan</c> of a directory of archives) scans the corpus for each name instead:
/// the same results, less memory, and for some ten thousand names less CPU than building the index.
/// </param>
public sealed record NameCheckerOptions(IEnumerable<string>? Allow = null, InternalNames? Internal = null, int MaxFindings = 3, bool EditIndex = true);

/// <summary>
/// The name-confusion engine. Build it once (a few maps over the corpus; the edit-distance index is built only once
/// enough names have been checked to pay for it, see <see cref="EditCandidates"/>), then call <see cref="Check"/> or
/// <see cref="CheckName"/> for each name: a few dozen dictionary lookups, microseconds, safe from any number of threads. Every finding names its technique, target, target rank and score.
/// </summary>
public sealed class NameChecker
{
    private delegate void Technique(NameQuery query, NameIndex index, List<RawMatch> into);

    // Every technique looks at every name; the scorer and the one-finding-per-target rule pick what is reported.
    private static readonly Technique[] Techniques =
    [
        EditTypos.Find, AsciiLookalikeSquat.Find, UltranormalizedCollision.Find, SeparatorConfusion.Find, WordOrder.Find,
        VersionSuffix.Find, PythonAffix.Find, TypoWithAffix.Find, SpellingVariant.Find, Combosquat.Find, PopularNamesCombined.Find, PopularNameAsWord.Find, StdlibShadowing.Find, ImportNameTrap.Find,
    ];

    private static readonly Lazy<NameChecker> DefaultChecker = new(() => new NameChecker(PopularCorpus.Embedded));

    [ThreadStatic] private static List<RawMatch>? scratch;

    private readonly NameIndex index;
    private readonly HashSet<string> allow;
    private readonly int maxFindings;

    public NameChecker(PopularCorpus corpus, NameCheckerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        options ??= new NameCheckerOptions();
        Corpus = corpus;
        Internal = options.Internal ?? InternalNames.None;
        allow = (options.Allow ?? []).Select(a => ProjectName.Normalize(a.Trim())).ToHashSet(StringComparer.Ordinal);
        maxFindings = Math.Max(1, options.MaxFindings);
        // Brand words that are not already corpus or internal names: the few words are looked for in the corpus, rather
        // than the corpus's 15,000 ranks put in a map for a few lookups (a check's start-up).
        var brandWords = BrandWords.Embedded.Where(b => !Internal.Names.Contains(b)).ToHashSet(StringComparer.Ordinal);
        var brandsOutsideCorpus = new HashSet<string>(brandWords, StringComparer.Ordinal);
        // Loops over the corpus's array: LINQ or interface calls over its struct elements run generic code that
        // ReadyToRun cannot precompile, compiled at every `moat check`.
        var projects = corpus.Ranked;
        foreach (var project in projects) brandsOutsideCorpus.Remove(project.Name);
        var targets = new List<Target>(Internal.Names.Count + projects.Length + brandsOutsideCorpus.Count);
        foreach (var name in Internal.Names) targets.Add(new Target(name, null, Internal: true));
        foreach (var project in projects)
        {
            if (!Internal.Names.Contains(project.Name)) targets.Add(new Target(project.Name, project.Rank, Internal: false) { BrandWord = brandWords.Contains(project.Name) });
        }
        foreach (var brand in BrandWords.Embedded)
        {
            if (brandsOutsideCorpus.Contains(brand)) targets.Add(new Target(brand, null, Internal: false, Brand: true));
        }
        index = new NameIndex(targets, StandardLibrary.Embedded, ImportNameTable.Embedded, options.EditIndex);
    }

    /// <summary>A checker over the embedded top-15,000 corpus with no allowlist or internal names (built on first use).</summary>
    public static NameChecker Default => DefaultChecker.Value;

    public PopularCorpus Corpus { get; }

    /// <summary>
    /// Builds the edit-distance index now rather than after the first few hundred checks: for a caller about to check
    /// many names (a pass over an index's names) that wants the cost up front.
    /// </summary>
    public void PrepareForManyNames() => index.BuildManyNameMaps();

    /// <summary>True once enough names were checked for the edit-distance index to be built (tests, benchmarks).</summary>
    internal bool EditCandidatesIndexed => index.EditCandidates.IndexBuilt;

    /// <summary>True once the lookalike-reading map was built (tests: a few checks search forwards instead).</summary>
    internal bool LookalikeMapBuilt => index.LookalikeMapBuilt;
    public InternalNames Internal { get; }

    /// <summary>Every technique that matched, best score first, one per target, at most MaxFindings, none below the report threshold.</summary>
    public IReadOnlyList<NameMatch> Matches(string name) => Evaluate(name).Matches;

    /// <summary>The findings for one name (empty when it is clean).</summary>
    public IReadOnlyList<Finding> Check(string name) => Check(name, null, default);

    /// <summary>
    /// The findings for one name, weighed with the project's <paramref name="history"/> as of <paramref name="now"/>
    /// when it is known (<see cref="NameScorer.WithHistory"/>); each finding then says how history moved its score.
    /// </summary>
    public IReadOnlyList<Finding> Check(string name, ProjectHistory? history, DateTimeOffset now)
    {
        var (matches, selfRank) = Evaluate(name);
        if (history is not null) matches = WeighHistory(matches, history, now);
        // Resembling several names is not more evidence than resembling the best one: only the first finding weighs
        // in the verdict at its full grade, the others are listed at low severity.
        return [.. matches.Select((m, i) => ToFinding(name.Trim(), m, selfRank, primary: i == 0))];
    }

    /// <summary>The matches rescored with history, best first; what history did is written into each match's detail.</summary>
    public static IReadOnlyList<NameMatch> WeighHistory(IReadOnlyList<NameMatch> matches, ProjectHistory history, DateTimeOffset now)
    {
        var standing = history.StandingAt(now);
        var factor = NameScorer.HistoryFactor(standing);
        var effect = factor > 1 ? "raised" : factor < 1 ? "lowered" : "left";
        var note = $"history: {history.Describe(now)} ({standing.ToString().ToLowerInvariant()}; {effect} the score ×{factor.ToString("0.##", CultureInfo.InvariantCulture)})";
        return [.. matches.Select(m => m with { Score = NameScorer.WithHistory(m.Score, standing), Detail = m.Detail + "; " + note })
            .Where(m => m.Score >= NameScorer.ReportThreshold).OrderByDescending(m => m.Score).ThenBy(m => m.TargetRank ?? 0)];
    }

    /// <summary>One result for one name, judged by <see cref="Verdicts"/>.</summary>
    public ScanResult CheckName(string name) => Result(name, Check(name));

    /// <summary>
    /// A name's result from its findings: the verdict judged by <see cref="Verdicts"/> (which follows the first finding's
    /// grade), the score the first finding's own, so the result line and the finding print one number.
    /// </summary>
    public static ScanResult Result(string name, IReadOnlyList<Finding> findings)
    {
        var result = ScanResult.From(name, TargetKind.Name, findings);
        return findings is [{ Score: { } score }, ..] ? result with { Score = score } : result;
    }

    private (IReadOnlyList<NameMatch> Matches, int? SelfRank) Evaluate(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        name = name.Trim();
        if (name.Length == 0 || name.Length > 4 * NameForms.MaxEditLength) return ([], null);

        // One raw-match list per thread, reused: most names match nothing, and then a check allocates nothing here.
        var raw = scratch ??= [];
        raw.Clear();
        NameQuery query;
        string? readsAs = null;
        if (Confusables.HasNonAscii(name))
        {
            readsAs = UnicodeConfusable.ReadsAs(name);
            if (readsAs is null) return ([], null);
            query = new NameQuery(readsAs, null);
            UnicodeConfusable.Find(query, index, raw);
        }
        else
        {
            if (!ProjectName.IsValid(name)) return ([], null);
            var normalized = ProjectName.Normalize(name);
            if (allow.Count > 0 && allow.Contains(normalized)) return ([], null);
            var self = index.Exact.GetValueOrDefault(normalized);
            if (self is { Internal: true } || Internal.MatchingPrefix(normalized) is not null) return ([], null); // our own name
            query = new NameQuery(normalized, self);
        }
        if (readsAs is not null && allow.Contains(readsAs)) return ([], null);

        foreach (var technique in Techniques) technique(query, index, raw);
        return (Best(raw, query.Self, readsAs), query.Self?.Rank);
    }

    /// <summary>The reported matches: scored, at or above the threshold, the best one per target, best first.</summary>
    private IReadOnlyList<NameMatch> Best(List<RawMatch> raw, Target? self, string? readsAs)
    {
        // Two lists of classes rather than one of (target, match) tuples: no generic code compiled at start-up.
        List<Target>? targets = null;
        List<NameMatch>? best = null;
        foreach (var match in raw)
        {
            var score = NameScorer.Score(match, self);
            if (score < NameScorer.ReportThreshold) continue;
            targets ??= [];
            best ??= [];
            // One per target, kept where the target was first found (ties in score and rank keep that order).
            var at = targets.Count - 1;
            while (at >= 0 && !ReferenceEquals(targets[at], match.Target)) at--;
            if (at >= 0 && best[at].Score >= score) continue;
            var detail = readsAs is not null && match.Technique != NameTechnique.UnicodeConfusable ? $"read as '{readsAs}': {match.Detail}" : match.Detail;
            if (match.Target.Family is { } family) detail += $"; weighed as '{family.Name}' (download rank {family.Rank}), the same project to its users";
            var found = new NameMatch(match.Technique, match.Target.Name, match.Target.Rank, match.Target.Internal, detail, score, match.Target.Brand);
            if (at >= 0) best[at] = found;
            else
            {
                targets.Add(match.Target);
                best.Add(found);
            }
        }
        if (best is null) return [];
        // Best score first, then the better rank, ties in the order found (a handful of matches: no LINQ sorter, whose
        // generic code is compiled at every `moat check`).
        var ordered = StableOrder.Sort(best, RanksBefore);
        return ordered.Length > maxFindings ? ordered[..maxFindings] : ordered;
    }

    private static bool RanksBefore(NameMatch a, NameMatch b) =>
        a.Score > b.Score || (a.Score == b.Score && (a.TargetRank ?? 0) < (b.TargetRank ?? 0));

    internal static Finding ToFinding(string name, NameMatch match, int? candidateRank, bool primary = true)
    {
        var (severity, confidence) = NameScorer.Grade(match.Score);
        if (!primary && severity > Severity.Low) (severity, confidence) = (Severity.Low, Confidence.Medium);
        var rule = match.TargetIsInternal ? NameRules.InternalNameSquat : match.Technique.Rule();
        var what = match.TargetIsInternal ? $"internal package '{match.Target}'"
            : match.TargetRank is { } rank ? $"'{match.Target}' (download rank {rank.ToString("N0", CultureInfo.InvariantCulture)})"
            : match.TargetIsBrand ? $"the brand '{match.Target}'"
            : $"standard-library module '{match.Target}'";
        var message = $"'{name}' imitates {what}: {match.Technique.Label()}, {match.Detail}";
        var evidence = $"technique={match.Technique.Label()} target={match.Target} target-rank={RankText(match)} score={match.Score.ToString("0.00", CultureInfo.InvariantCulture)}"
            + (candidateRank is { } own ? $" name-rank={own}" : "");
        return new Finding(rule.Id, severity, confidence, message, Location.None, evidence, match.Target) { Score = match.Score };
    }

    private static string RankText(NameMatch match) =>
        match.TargetIsInternal ? "internal" : match.TargetIsBrand ? "brand" : match.TargetRank?.ToString(CultureInfo.InvariantCulture) ?? "stdlib";
}
