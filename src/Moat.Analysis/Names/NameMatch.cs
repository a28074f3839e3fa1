namespace Moat.Analysis.Names;

/// <summary>
/// One way a checked name imitates a target: the technique, the target (a popular project, an internal name or a
/// standard-library module), the target's download rank (null when it has none: internal names, stdlib modules),
/// a human-readable detail (<c>'qe' swapped for 'eq'</c>), and the score from <see cref="NameScorer"/>.
/// </summary>
public sealed record NameMatch(
    NameTechnique Technique,
    string Target,
    int? TargetRank,
    bool TargetIsInternal,
    string Detail,
    double Score,
    bool TargetIsBrand = false);

/// <summary>A match before scoring: <see cref="JudgedLength"/> is the length the edit is judged against (the edited words).</summary>
/// <see cref="PopularBecauseConfused"/>: the candidate's own downloads are explained by the confusion itself (people
/// installing <c>sklearn</c> for scikit-learn), so its popularity does not vouch for it.
/// A class, allocated only when something matched: a list of a struct runs generic code that ReadyToRun cannot
/// precompile, compiled at every <c>moat check</c>.
internal sealed record RawMatch(NameTechnique Technique, Target Target, string Detail, int JudgedLength, double Weight = 1.0, bool PopularBecauseConfused = false);

/// <summary>Something a name can imitate. <see cref="Rank"/> is null for internal names, stdlib modules and brand words (<see cref="BrandWords"/>).</summary>
internal sealed record Target(string Name, int? Rank, bool Internal, bool Stdlib = false, bool Brand = false)
{
    /// <summary>The name with separators removed (<c>python-dateutil</c> → <c>pythondateutil</c>).</summary>
    public string Stripped { get; } = NameForms.Strip(Name);

    /// <summary>
    /// A more popular project whose name this one is without a version digit or a py/python affix
    /// (<c>beautifulsoup</c> → beautifulsoup4, <c>pytorch</c> → torch): people know both names as one project, and
    /// squats of either aim at the popular one. Set once while the index is built.
    /// </summary>
    public Target? Family { get; internal set; }

    /// <summary>A popular project whose name is also a brand word (<c>discord</c>, <c>telegram</c>): looked for inside other names like one.</summary>
    public bool BrandWord { get; init; }

    /// <summary>The rank a score weighs: the family's when there is one, else its own.</summary>
    public int? ScoredRank => Family?.Rank ?? Rank;

    /// <summary>Best of two targets for one key: internal names first, then the better download rank.</summary>
    public bool IsBetterThan(Target other) =>
        Internal != other.Internal ? Internal : (Rank ?? int.MaxValue) < (other.Rank ?? int.MaxValue);
}
