namespace Moat.Analysis.Names;

/// <summary>
/// Turns a match into a score in [0, 1]: technique weight × length factor × target popularity × popularity gap.
/// The gap matters most: a name that is itself popular is never a squat of another popular name (boto/boto3,
/// pyyaml/pyaml), so its score is capped below the level that changes a verdict.
/// </summary>
public static class NameScorer
{
    /// <summary>Scores below this are not reported at all.</summary>
    public const double ReportThreshold = 0.2;

    /// <summary>How deliberate a technique is. Visual identity is near-certain intent; a single substitution is noisier.
    /// Edit-based techniques stay below 0.85 so they make a name suspicious, not malicious, on their own. The variants
    /// that keep every letter (separators, plural, version, py affixes, word order, combosquats) and two slips weigh less:
    /// measured on all PyPI names against real squats (docs/names.md), honest projects take those shapes far more often.</summary>
    public static double BaseWeight(NameTechnique technique) => technique switch
    {
        NameTechnique.UnicodeConfusable => 0.98,
        NameTechnique.UltranormalizedCollision => 0.95,
        NameTechnique.AsciiLookalike => 0.9,
        NameTechnique.SeparatorConfusion => 0.68,
        NameTechnique.SwappedCharacters => 0.8,
        NameTechnique.RepeatedCharacter => 0.8,
        NameTechnique.OmittedCharacter => 0.8,
        NameTechnique.KeyboardNeighbour => 0.78,
        NameTechnique.PythonAffix => 0.62,
        NameTechnique.ImportNameTrap => 0.8,
        NameTechnique.InsertedCharacter => 0.72,
        NameTechnique.WordOrder => 0.61,
        NameTechnique.PluralSingular => 0.6,
        NameTechnique.StdlibShadowing => 0.7,
        NameTechnique.Combosquat => 0.56,
        NameTechnique.VersionSuffix => 0.52,
        NameTechnique.BitFlip => 0.55,
        NameTechnique.SubstitutedCharacter => 0.55,
        NameTechnique.TwoEdits => 0.68, // times TypoCost.TwoEditWeight: how natural the two slips are
        NameTechnique.TypoWithAffix => 0.68, // times how natural the slip is, the affix counted as a cheap one
        NameTechnique.PopularNamesCombined => 0.3,
        NameTechnique.SpellingVariant => 0.64,
        // Below suspicious on its own (a top-100 target scores 0.38, a brand 0.32), suspicious when the project is new
        // (× 1.3), dropped when it is established (× 0.5): the plugin convention takes this shape (docs/names.md).
        NameTechnique.PopularNameAsWord => 0.38,
        _ => 0.5,
    };

    /// <summary>Short words have many honest neighbours: a one-letter change to a 4-letter word is weak evidence.</summary>
    public static double LengthFactor(int length) => length switch
    {
        <= 3 => 0.45,
        4 => 0.55,
        5 => 0.65,
        6 => 0.9,
        _ => 1.0,
    };

    /// <summary>Squats aim at what many people install: the factor is 1 for the top 100 and falls to 0.5 at rank 15,000.
    /// Internal names and stdlib modules count as top.</summary>
    public static double TargetFactor(int? rank) =>
        rank is not { } r || r <= 100 ? 1.0 : 1.0 - 0.5 * Math.Clamp(Math.Log10(r / 100.0) / Math.Log10(150), 0, 1);

    /// <summary>
    /// For the variants that keep every letter (separators, py affixes, version suffix, word order, combosquats) the
    /// factor falls faster, to 0.26 at rank 15,000: honest projects name themselves after a mid-ranked project that way
    /// all the time (<c>py-keycloak</c>, <c>holidays-plus</c>: 440 PyPI names against 4 real squats); the squats
    /// of that shape aim at the top 100, which keep the full factor.
    /// </summary>
    public static double VariantTargetFactor(int? rank) =>
        rank is not { } r || r <= 100 ? 1.0 : OutsideTop100Variant * (1.0 - 0.7 * Math.Clamp(Math.Log10(r / 100.0) / Math.Log10(150), 0, 1));

    /// <summary>The step at rank 100 for those variants: 110 more PyPI names, no real squat, below suspicious.</summary>
    private const double OutsideTop100Variant = 0.85;

    private static bool KeepsEveryLetter(NameTechnique technique) =>
        technique is NameTechnique.SeparatorConfusion or NameTechnique.PythonAffix or NameTechnique.VersionSuffix
            or NameTechnique.WordOrder or NameTechnique.Combosquat or NameTechnique.SpellingVariant or NameTechnique.PopularNameAsWord;

    /// <summary>A brand word (<see cref="BrandWords"/>) has no download rank; it counts like a project near rank 1,000.</summary>
    public const double BrandTargetFactor = 0.85;

    internal static double TargetFactor(Target target, NameTechnique technique) =>
        technique == NameTechnique.PopularNameAsWord ? (target.Brand || target.BrandWord ? BrandTargetFactor : 1.0) // only top names are looked for
        : target.Brand ? BrandTargetFactor : KeepsEveryLetter(technique) ? VariantTargetFactor(target.ScoredRank) : TargetFactor(target.ScoredRank);

    /// <summary>A visually identical name is deliberate whatever its target's rank: the target factor is floored here.</summary>
    public const double VisualTargetFloor = 0.95;

    /// <summary>Beyond this rank a lookalike reading (<c>rn</c>/<c>m</c>) gets the ordinary target factor: there, on
    /// PyPI, it is mostly another word (<c>clspy</c>/<c>dspy</c>: 79 names against one real squat).</summary>
    public const int VisualFloorRank = 5000;

    private static bool IsVisual(NameTechnique technique) =>
        technique is NameTechnique.UnicodeConfusable or NameTechnique.UltranormalizedCollision or NameTechnique.AsciiLookalike;

    /// <summary>
    /// The popularity gap. An unknown name imitating a popular one scores in full. A name that is popular itself
    /// (in the corpus) scores at most 0.3 of it, a little more the farther below its target it ranks, so two popular
    /// projects never make each other suspicious.
    /// </summary>
    public static double GapFactor(int? candidateRank, int? targetRank)
    {
        if (candidateRank is not { } c) return 1.0;
        var t = targetRank ?? 1;
        return c <= t ? 0.1 : 0.15 + 0.15 * Math.Clamp(Math.Log10((double)c / t) / 3, 0, 1);
    }

    internal static double Score(RawMatch match, Target? self)
    {
        var score = BaseWeight(match.Technique) * match.Weight
            * LengthFactor(match.JudgedLength)
            * (IsVisual(match.Technique) && (match.Target.ScoredRank ?? 0) <= VisualFloorRank
                ? Math.Max(VisualTargetFloor, TargetFactor(match.Target, match.Technique)) : TargetFactor(match.Target, match.Technique))
            * (match.PopularBecauseConfused ? 1.0 : GapFactor(self?.Rank, match.Target.Rank));
        return Math.Round(score, 3);
    }

    /// <summary>
    /// How a project's history weighs a resemblance: an established project (years of releases) is very unlikely to be
    /// a squat, a days-old one with one or two releases is how squats look, and a long-silent name released again may
    /// have changed hands. Unknown history changes nothing.
    /// </summary>
    public static double HistoryFactor(HistoryStanding standing) => standing switch
    {
        HistoryStanding.Established => 0.5,
        HistoryStanding.New => 1.3,
        HistoryStanding.Revived => 1.15,
        _ => 1.0,
    };

    /// <summary>A match's score once the candidate's history is weighed in (capped below 1).</summary>
    public static double WithHistory(double score, HistoryStanding standing) => Math.Round(Math.Min(0.99, score * HistoryFactor(standing)), 3);

    /// <summary>Score → severity and confidence, tuned with <see cref="Verdicts"/>: ≥ 0.85 malicious, ≥ 0.4 suspicious.</summary>
    public static (Severity, Confidence) Grade(double score) => score switch
    {
        >= 0.85 => (Severity.Critical, Confidence.High),
        >= 0.6 => (Severity.High, Confidence.High),
        >= 0.4 => (Severity.Medium, Confidence.High),
        _ => (Severity.Low, Confidence.Medium),
    };
}
