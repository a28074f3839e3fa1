namespace Moat.Analysis.Names;

/// <summary>How a name imitates its target. Each has its own small unit in this folder and a base weight in <see cref="NameScorer"/>.</summary>
public enum NameTechnique
{
    RepeatedCharacter,
    OmittedCharacter,
    InsertedCharacter,
    SubstitutedCharacter,
    SwappedCharacters,
    KeyboardNeighbour,
    BitFlip,
    TwoEdits,
    AsciiLookalike,
    UltranormalizedCollision,
    UnicodeConfusable,
    SeparatorConfusion,
    WordOrder,
    PluralSingular,
    VersionSuffix,
    PythonAffix,
    Combosquat,
    PopularNamesCombined,
    StdlibShadowing,
    ImportNameTrap,
    TypoWithAffix,
    SpellingVariant,
    PopularNameAsWord,
}

public static class NameTechniques
{
    /// <summary>The kebab-case label printed in messages and evidence (<c>swapped-characters</c>).</summary>
    public static string Label(this NameTechnique technique) => technique switch
    {
        NameTechnique.RepeatedCharacter => "repeated-character",
        NameTechnique.OmittedCharacter => "omitted-character",
        NameTechnique.InsertedCharacter => "inserted-character",
        NameTechnique.SubstitutedCharacter => "substituted-character",
        NameTechnique.SwappedCharacters => "swapped-characters",
        NameTechnique.KeyboardNeighbour => "keyboard-neighbour",
        NameTechnique.BitFlip => "bit-flip",
        NameTechnique.TwoEdits => "two-edits",
        NameTechnique.TypoWithAffix => "typo-and-affix",
        NameTechnique.AsciiLookalike => "ascii-lookalike",
        NameTechnique.UltranormalizedCollision => "ultranormalized-collision",
        NameTechnique.UnicodeConfusable => "unicode-confusable",
        NameTechnique.SeparatorConfusion => "separator-confusion",
        NameTechnique.WordOrder => "word-order",
        NameTechnique.PluralSingular => "plural-singular",
        NameTechnique.VersionSuffix => "version-suffix",
        NameTechnique.PythonAffix => "python-affix",
        NameTechnique.Combosquat => "combosquat",
        NameTechnique.PopularNamesCombined => "popular-names-combined",
        NameTechnique.StdlibShadowing => "stdlib-shadowing",
        NameTechnique.ImportNameTrap => "import-name-trap",
        NameTechnique.SpellingVariant => "spelling-variant",
        NameTechnique.PopularNameAsWord => "popular-name-as-word",
        _ => technique.ToString(),
    };

    /// <summary>The rule a technique reports under (internal targets are reported by the checker under <see cref="NameRules.InternalNameSquat"/>).</summary>
    public static Rule Rule(this NameTechnique technique) => technique switch
    {
        NameTechnique.AsciiLookalike or NameTechnique.UltranormalizedCollision or NameTechnique.UnicodeConfusable => NameRules.LookalikeName,
        NameTechnique.SeparatorConfusion or NameTechnique.WordOrder or NameTechnique.PluralSingular or NameTechnique.VersionSuffix
            or NameTechnique.PythonAffix or NameTechnique.SpellingVariant => NameRules.NameVariant,
        NameTechnique.Combosquat or NameTechnique.PopularNamesCombined or NameTechnique.PopularNameAsWord => NameRules.Combosquat,
        NameTechnique.StdlibShadowing => NameRules.StdlibShadowing,
        NameTechnique.ImportNameTrap => NameRules.ImportNameTrap,
        _ => NameRules.Typosquat,
    };

    /// <summary>
    /// Whether a finding of this technique may get a project refused as a lookalike. A popular name kept whole among
    /// other words (<see cref="NameTechnique.PopularNameAsWord"/>) is also how honest plugins are named: it flags a new
    /// project, never refuses one.
    /// </summary>
    public static bool MayRefuse(this NameTechnique technique) => technique != NameTechnique.PopularNameAsWord;
}
