using Moat.Analysis.Text;

namespace Moat.Analysis.Names;

/// <summary>
/// Damerau–Levenshtein typos (optimal string alignment) against every target <see cref="EditCandidates"/> returns:
/// one edit for words of 4–8 letters, two for words of 9 or more. The allowance is judged on the words the edit falls
/// in, not the whole name, so <c>mypy-boto3-ecs</c> and <c>mypy-boto3-ec2</c>, or <c>django-fsm</c> and
/// <c>django-foo</c>, are different words rather than typos. A one-edit match is then explained by the most specific
/// technique: separator, plural, repeated, inserted, omitted, swapped, lookalike, keyboard neighbour, bit flip.
/// </summary>
internal static class EditTypos
{
    public const int OneEditMinimum = 4;
    public const int TwoEditMinimum = 9;
    /// <summary>From this length (on six letters they are mostly other words: PyPI has 140 such names, the squats none) two cheap slips (costing at most <see cref="ShortTwoEditMaxCost"/>) count too: <c>seleenim</c>, <c>requst</c>.</summary>
    public const int NaturalTwoEditMinimum = 7;
    public const double ShortTwoEditMaxCost = 1.0;
    public const double SingleLookalikeWeight = 0.85;
    public const double FirstLetterWeight = 0.7;
    /// <summary>A letter added, dropped or changed at the very end weighs less: honest names extend a word (attrsx, inquire).</summary>
    public const double LastLetterWeight = 0.85;

    [ThreadStatic] private static List<int>? candidates;

    public static void Find(NameQuery query, NameIndex index, List<RawMatch> into)
    {
        // One candidate list per thread, reused: a check allocates nothing unless it finds something.
        var ids = candidates ??= [];
        ids.Clear();
        index.EditCandidates.Candidates(query.Normalized, ids);
        foreach (var id in ids)
        {
            var target = index.Targets[id];
            if (query.IsSelf(target)) continue;
            var judged = JudgedLength(query.Normalized, target.Name);
            var allowed = judged >= NaturalTwoEditMinimum ? 2 : judged >= OneEditMinimum ? 1 : 0;
            if (allowed == 0) continue;
            var distance = EditDistance.Bounded(query.Normalized, target.Name, allowed);
            if (distance > allowed || distance == 0) continue;
            if (distance == 1)
            {
                var (technique, detail) = Classify(query.Normalized, target.Name);
                // A one-for-one lookalike (l/1, o/a) is a plain substitution to a reader in a hurry, less so than rn/m.
                var weight = technique == NameTechnique.AsciiLookalike ? SingleLookalikeWeight : 1.0;
                if (SlipsOnFirstLetter(query.Normalized, target.Name)) weight *= FirstLetterWeight;
                if (SlipsOnLastLetter(query.Normalized, target.Name, technique)) weight *= LastLetterWeight;
                into.Add(new RawMatch(technique, target, detail, judged, weight));
                continue;
            }
            // Two slips: weighed by how natural they are; on words of 6 to 8 letters only when both are cheap ones.
            if (TypoCost.Cost(query.Normalized, target.Name) is not { } cost) continue;
            if (judged < TwoEditMinimum && cost > ShortTwoEditMaxCost) continue;
            var twoWeight = TypoCost.TwoEditWeight(cost) * (query.Normalized[^1] != target.Name[^1] ? LastLetterWeight : 1.0);
            into.Add(new RawMatch(NameTechnique.TwoEdits, target, $"two slips apart (typo cost {cost.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)})", judged, twoWeight));
        }
    }

    private static ReadOnlySpan<char> NextWord(string name, int from)
    {
        var dash = name.IndexOf('-', from);
        return name.AsSpan(from, (dash < 0 ? name.Length : dash) - from);
    }

    private static bool IsPyWord(ReadOnlySpan<char> word) => word is "py" or "py3";

    /// <summary>True when a letter was added, dropped or replaced at the name's very end (a doubled letter, a swap or a plural is not that).</summary>
    /// <remarks>
    /// A vowel for a vowel there (numpi) is the common spelling slip, not an extension.</remarks>
    public static bool SlipsOnLastLetter(string candidate, string target, NameTechnique technique) =>
        candidate[^1] != target[^1] && !(candidate.Length == target.Length && IsVowel(candidate[^1]) && IsVowel(target[^1]))
        && technique is NameTechnique.InsertedCharacter or NameTechnique.OmittedCharacter
            or NameTechnique.KeyboardNeighbour or NameTechnique.SubstitutedCharacter or NameTechnique.BitFlip;

    private static bool IsVowel(char c) => c is 'a' or 'e' or 'i' or 'o' or 'u' or 'y';

    /// <summary>True when the one edit falls on the first letter of one of the target's words (people type those with care).</summary>
    public static bool SlipsOnFirstLetter(string candidate, string target)
    {
        var at = candidate.AsSpan().CommonPrefixLength(target);
        return at < target.Length && (at == 0 || target[at - 1] == '-') && !(at + 1 < target.Length && target[at + 1] == target[at]);
    }

    /// <summary>Names the one edit that turns <paramref name="target"/> into <paramref name="candidate"/>.</summary>
    public static (NameTechnique, string) Classify(string candidate, string target)
    {
        if (NameForms.Strip(candidate) == NameForms.Strip(target)) return (NameTechnique.SeparatorConfusion, "separator added or removed");
        if (NameForms.VersionBase(NameForms.Strip(candidate)) == NameForms.VersionBase(NameForms.Strip(target))) return (NameTechnique.VersionSuffix, "version number changed");
        if (PythonAffix.Core(candidate) is { } core && PythonAffix.Core(target) is { } targetCore && core.Core == targetCore.Core)
            return (NameTechnique.PythonAffix, "py/python affix changed");
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
    public static int JudgedLength(string candidate, string target)
    {
        var prefix = candidate.AsSpan().CommonPrefixLength(target);
        var limit = Math.Min(candidate.Length, target.Length) - prefix;
        var suffix = 0;
        while (suffix < limit && candidate[^(suffix + 1)] == target[^(suffix + 1)]) suffix++;
        int start = prefix, end = target.Length - suffix;
        while (start > 0 && target[start - 1] != '-') start--;
        while (end < target.Length && target[end] != '-') end++;
        // A leading word of one to three letters ('bip' in bip-utils) is judged with the word after it, and a 'py' word next
        // to a short edited one (py-cord) counts with it: both are read as one name, not two words.
        if (start == 0 && end - start <= 3 && end < target.Length)
        {
            end++;
            while (end < target.Length && target[end] != '-') end++;
        }
        if (end - start <= 5 && start > 0 && IsPyWord(target.AsSpan(0, start - 1)[(target.LastIndexOf('-', start - 2) + 1)..]))
            start = target.LastIndexOf('-', start - 2) + 1;
        if (end - start <= 5 && end < target.Length && IsPyWord(NextWord(target, end + 1))) end += 1 + NextWord(target, end + 1).Length;
        var letters = 0;
        for (var i = start; i < end; i++)
        {
            if (target[i] != '-') letters++;
        }
        return letters;
    }
}
