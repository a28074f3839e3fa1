namespace Moat.Analysis.Names;

/// <summary>
/// <c>py</c>, <c>py3</c>, <c>python</c>, <c>python3</c> added to or removed from a name: <c>python3-dateutil</c> for
/// <c>python-dateutil</c>, <c>python-requests</c> for <c>requests</c>, <c>dateutil</c> for <c>python-dateutil</c>.
/// </summary>
internal static class PythonAffix
{
    /// <summary>How the affix was attached: as its own word, glued as "python", or glued as "py" (weakest: pyramid, pyright).</summary>
    public enum Kind { Word, GluedPython, GluedPy }

    /// <summary>From this many letters, a core with "py" glued in front is read as a deliberate affix.</summary>
    public const int LongGluedCore = 8;

    private static readonly string[] AffixWords = ["py", "py2", "py3", "python", "python2", "python3"];
    private static readonly string[] GluedPrefixes = ["python3", "python2", "python", "py3"];

    /// <summary>The name without its py/python affixes (separators removed), or null when it has none or too little is left.</summary>
    public static (string Core, Kind Kind)? Core(string normalized)
    {
        // Affix words come off either end while two words are left: the name is scanned in place, word by word.
        int start = 0, end = normalized.Length;
        while (normalized.AsSpan(start, end - start).IndexOf('-') is var dash and >= 0 && IsAffixWord(normalized.AsSpan(start, dash))) start += dash + 1;
        while (normalized.AsSpan(start, end - start).LastIndexOf('-') is var dash and >= 0 && IsAffixWord(normalized.AsSpan(start + dash + 1, end - start - dash - 1))) end = start + dash;
        if (start > 0 || end < normalized.Length)
        {
            var core = NameForms.Strip(normalized[start..end]);
            return core.Length >= 3 ? (core, Kind.Word) : null;
        }
        if (normalized.Contains('-')) return null;
        var word = normalized;
        foreach (var prefix in GluedPrefixes)
        {
            if (word.Length - prefix.Length >= 3 && word.StartsWith(prefix, StringComparison.Ordinal)) return (word[prefix.Length..], Kind.GluedPython);
        }
        if (word.Length - 6 >= 3 && word.EndsWith("python", StringComparison.Ordinal)) return (word[..^6], Kind.GluedPython);
        if (word.Length - 2 >= 4 && word.StartsWith("py", StringComparison.Ordinal)) return (word[2..], Kind.GluedPy);
        return null;
    }

    private static bool IsAffixWord(ReadOnlySpan<char> word)
    {
        foreach (var affix in AffixWords)
        {
            if (word.SequenceEqual(affix)) return true;
        }
        return false;
    }

    public static void Find(NameQuery query, NameIndex index, List<RawMatch> into)
    {
        if (query.AffixCore is { } c)
        {
            // A glued "py" is weak evidence on a short core (pyright/right) and strong on a long one (pylangchain).
            var weight = c.Kind != Kind.GluedPy ? 1.0 : c.Core.Length >= LongGluedCore ? 0.7 : 0.45;
            // python-requests → requests
            if (index.Stripped.TryGetValue(c.Core, out var bare) && !query.IsSelf(bare) && bare.Stripped != query.Stripped)
                into.Add(new RawMatch(NameTechnique.PythonAffix, bare, "py/python affix added", bare.Stripped.Length, weight));
            // python3-dateutil → python-dateutil
            if (index.AffixCores.TryGetValue(c.Core, out var sibling) && !query.IsSelf(sibling) && sibling.Stripped != query.Stripped
                && Core(sibling.Name) is { } siblingCore)
            {
                var siblingWeight = Math.Min(weight, siblingCore.Kind == Kind.GluedPy ? 0.45 : 1.0);
                into.Add(new RawMatch(NameTechnique.PythonAffix, sibling, "py/python affix changed", c.Core.Length, siblingWeight));
            }
        }
        // dateutil → python-dateutil (not for glued "py": "right" is no squat of "pyright")
        if (index.AffixCores.TryGetValue(query.Stripped, out var affixed) && !query.IsSelf(affixed)
            && Core(affixed.Name) is { Kind: not Kind.GluedPy })
        {
            into.Add(new RawMatch(NameTechnique.PythonAffix, affixed, "py/python affix dropped", query.Stripped.Length));
        }
    }
}
