namespace Moat.Analysis.Names;

/// <summary>
/// A top-100 project or a brand word kept whole as one word of a longer name, or glued to its start or end, whatever
/// the other words are: <c>discord-boost</c>, <c>upgrade-requests</c>, <c>aiohttp-proxies</c>, <c>robloxmod</c>,
/// <c>pandarequests</c>. The plugin convention takes the same shape (<c>pytest-requests</c>, <c>django-redis</c>):
/// about 1.4% of PyPI's names, against the dev set's ~150 squats. So the finding is weak on its own — below suspicious,
/// <see cref="NameScorer.BaseWeight"/> — and reaches suspicious only when the project is new (days old, one or two
/// releases), is dropped when it is established, and never gets a project refused by itself
/// (<see cref="NameTechniques.MayRefuse"/>). Names whose first word is a host's plugin prefix are left out
/// (<see cref="NameIndex.IsPluginHost"/>: 30+ of the top 15,000 names start with it, <c>pytest-</c>, <c>django-</c>,
/// <c>types-</c>, <c>azure-</c>), and so are names that only add a py/python affix or a version to the popular word
/// (their own techniques judge those).
/// </summary>
internal static class PopularNameAsWord
{
    /// <summary>Popular words must be this long: shorter ones (<c>rich</c>, <c>idna</c>) turn up inside honest names by chance.</summary>
    public const int MinLength = 5;

    /// <summary>Popular words this long are also looked for in the middle of a glued name (<c>httpsrequestsfast</c>, <c>pipcryptographylib</c>).</summary>
    public const int MinInsideLength = 8;

    /// <summary>
    /// The length a whole popular word is judged at: 6 letters and more are no chance collision (full length factor),
    /// 4–5 letter words (<c>numpy</c>, <c>idna</c>) keep theirs, since they turn up inside honest names by chance.
    /// </summary>
    private static int JudgedLength(Target target) => target.Stripped.Length >= 5 ? 7 : target.Stripped.Length;

    /// <summary>Words beside the popular one that other techniques judge (py/python affixes, a version number): no combosquat on their own.</summary>
    private static bool IsAffixOnly(ReadOnlySpan<char> rest)
    {
        var letters = false;
        foreach (var c in rest) letters |= char.IsAsciiLetter(c);
        if (!letters) return true;
        return rest is "py" or "python" or "py3" or "python3" or "-py" or "-python" or "py-" or "python-";
    }

    public static void Find(NameQuery query, NameIndex index, List<RawMatch> into)
    {
        // A popular name is no squat of another one (the gap factor would cap it anyway), and a plugin of a host framework
        // names itself this way on purpose.
        if (query.Self is not null) return;
        var words = query.WordCount;
        if (words > NameQuery.MaxWords) return;
        var before = into.Count;
        Target? found = null;
        if (words >= 2)
        {
            // Spans of one to three words, never the whole name (that is the project itself or another technique's case).
            for (var from = 0; from < words; from++)
            {
                for (var to = from + 1; to <= Math.Min(words, from + 3); to++)
                {
                    if (to - from == words) continue;
                    if (!index.PopularWordsByText.TryGetValue(query.Words(from, to), out var target) || ReferenceEquals(target, found)) continue;
                    if (OnlyAffixesBeside(query, from, to)) continue;
                    into.Add(new RawMatch(NameTechnique.PopularNameAsWord, target, $"'{target.Name}' kept whole as a word among others", JudgedLength(target)));
                    found = target;
                }
            }
        }
        FindGlued(query, index, found, into);
        // Checked only once something matched: the plugin prefixes are counted on first use.
        if (into.Count > before && words >= 2 && index.IsPluginHost(query.Word(0))) into.RemoveRange(before, into.Count - before);
    }

    private static void FindGlued(NameQuery query, NameIndex index, Target? found, List<RawMatch> into)
    {
        var stripped = query.Stripped;
        if (stripped.Length < MinLength + 2) return;
        if (index.GluedPopularWord(stripped, atStart: true) is { } start && !ReferenceEquals(start, found) && !IsAffixOnly(stripped.AsSpan(start.Stripped.Length)))
        {
            into.Add(new RawMatch(NameTechnique.PopularNameAsWord, start, $"'{start.Name}' glued to '{stripped[start.Stripped.Length..]}'", JudgedLength(start)));
            found = start;
        }
        if (index.GluedPopularWord(stripped, atStart: false) is { } end && !ReferenceEquals(end, found) && !IsAffixOnly(stripped.AsSpan(0, stripped.Length - end.Stripped.Length)))
        {
            into.Add(new RawMatch(NameTechnique.PopularNameAsWord, end, $"'{stripped[..^end.Stripped.Length]}' glued to '{end.Name}'", JudgedLength(end)));
            found = end;
        }
        if (found is null && query.WordCount == 1 && index.PopularWordInside(stripped) is { } inside)
            into.Add(new RawMatch(NameTechnique.PopularNameAsWord, inside, $"'{inside.Name}' glued inside '{stripped}'", JudgedLength(inside)));
    }

    /// <summary>True when every word outside [from, to) is a py/python affix or a version number.</summary>
    private static bool OnlyAffixesBeside(NameQuery query, int from, int to)
    {
        for (var i = 0; i < query.WordCount; i++)
        {
            if (i >= from && i < to) continue;
            // A number after the popular word is its version (VersionSuffix judges that); one before it is not (2022-requests).
            if (!IsAffixOnly(query.Word(i)) || (i < from && !query.Word(i).ContainsAnyInRange('a', 'z'))) return false;
        }
        return true;
    }
}
