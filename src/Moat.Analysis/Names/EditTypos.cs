using System.Runtime.CompilerServices;
using Moat.Analysis.Text;

namespace Moat.Analysis.Names;

/// <summary>
/// Damerau–Levenshtein typos (optimal string alignment) against every target the <see cref="DeletionIndex"/> returns:
/// one edit for words of 4–8 letters, two for words of 9 or more. The allowance is judged on the words the edit falls
/// in, not the whole name, so <c>mypy-boto3-ecs</c> and <c>mypy-boto3-ec2</c>, or <c>django-fsm</c> and
/// <c>django-foo</c>, are different words rather than typos. A one-edit match is then explained by the most specific
/// technique: separator, plural, repeated, inserted, omitted, swapped, lookalike, keyboard neighbour, bit flip.
/// </summary>
internal static class EditTypos
{
    public const int OneEditMinimum = 4;
    public const int TwoEditMinimum = 9;
    public const double SingleLookalikeWeight = 0.85;

    [ThreadStatic] private static List<int>? candidates;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Find(NameQuery query, NameIndex index, List<RawMatch> into)
    {
        // One candidate list per thread, reused: a check allocates nothing unless it finds something.
        var ids = candidates ??= [];
        ids.Clear();
        index.Deletions.Candidates(query.Normalized, ids);
        foreach (var id in ids)
        {
            var target = index.Targets[id];
            if (query.IsSelf(target)) continue;
            var judged = JudgedLength(query.Normalized, target.Name);
            var allowed = judged >= TwoEditMinimum ? 2 : judged >= OneEditMinimum ? 1 : 0;
            if (allowed == 0) continue;
            var distance = EditDistance.Bounded(query.Normalized, target.Name, allowed);
            if (distance > allowed || distance == 0) continue;
            var (technique, detail) = distance == 1 ? Classify(query.Normalized, target.Name) : (NameTechnique.TwoEdits, "two edits apart");
            // A one-for-one lookalike (l/1, o/a) is a plain substitution to a reader in a hurry, less so than rn/m.
            into.Add(new RawMatch(technique, target, detail, judged, technique == NameTechnique.AsciiLookalike ? SingleLookalikeWeight : 1.0));
        }
    }

    /// <summary>Names the one edit that turns <paramref name="target"/> into <paramref name="candidate"/>.</summary>
    public static (NameTechnique, string) Classify(string candidate, string target)
    {
        if (NameForms.Strip(candidate) == NameForms.Strip(target)) return (NameTechnique.SeparatorConfusion, "separator added or removed");
        if (NameForms.VersionBase(NameForms.Strip(candidate)) == NameForms.VersionBase(NameForms.Strip(target))) return (NameTechnique.VersionSuffix, "version number changed");
        if (PluralSingular.Describe(candidate, target) is { } plural) return (NameTechnique.PluralSingular, plural);
        if (RepeatedCharacter.Describe(candidate, target) is { } repeated) return (NameTechnique.RepeatedCharacter, repeated);
        if (InsertedCharacter.Describe(candidate, target) is { } inserted) return (NameTechnique.InsertedCharacter, inserted);
        if (OmittedCharacter.Describe(candidate, target) is { } omitted) return (NameTechnique.OmittedCharacter, omitted);
        if (SwappedCharacters.Describe(candidate, target) is { } swapped) return (NameTechnique.SwappedCharacters, swapped);
        if (SubstitutedCharacter.Classify(candidate, target) is { } substituted) return substituted;
        return (NameTechnique.TwoEdits, "one edit apart"); // unreachable for distance 1, kept total
    }

    /// <summary>
    /// The letters of the target's words that the edits touch: the region between the common prefix and the common
    /// suffix, widened to whole words. An insertion between words is judged on the word before it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int JudgedLength(string candidate, string target)
    {
        var prefix = candidate.AsSpan().CommonPrefixLength(target);
        var limit = Math.Min(candidate.Length, target.Length) - prefix;
        var suffix = 0;
        while (suffix < limit && candidate[^(suffix + 1)] == target[^(suffix + 1)]) suffix++;
        int start = prefix, end = target.Length - suffix;
        while (start > 0 && target[start - 1] != '-') start--;
        while (end < target.Length && target[end] != '-') end++;
        var letters = 0;
        for (var i = start; i < end; i++)
        {
            if (target[i] != '-') letters++;
        }
        return letters;
    }
}
