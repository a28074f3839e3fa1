using System.Buffers;
using System.Runtime.InteropServices;

namespace Moat.Analysis.Names;

/// <summary>
/// Everything the techniques look names up in, built once from the corpus (popular projects plus internal names):
/// maps keyed by each comparison form, so a check is a handful of dictionary lookups and never a pass over the corpus.
/// Immutable after construction, so one instance serves any number of threads.
/// </summary>
internal sealed class NameIndex
{
    public NameIndex(IEnumerable<Target> targets, StandardLibrary stdlib, ImportNameTable importNames, bool editIndex = true)
    {
        Target[] all = [.. targets];
        Targets = all;
        Stdlib = stdlib;
        // Sized up front: growing five 15,000-key maps from empty was a third of a check's start-up garbage.
        Exact = new(all.Length, StringComparer.Ordinal);
        Stripped = new(all.Length, StringComparer.Ordinal);
        Ultranormalized = new(all.Length, StringComparer.Ordinal);
        VersionBase = new(all.Length, StringComparer.Ordinal);
        var families = new FamilyLinker(all.Length);
        foreach (var target in all)
        {
            KeepBest(Exact, target.Name, target);
            KeepBest(Stripped, target.Stripped, target);
            KeepBest(Ultranormalized, NameForms.Ultranormalize(target.Name), target);
            var versionBase = NameForms.VersionBase(target.Stripped);
            KeepBest(VersionBase, versionBase, target);
            // Only a name with a separator has a word order (splitting every one of 15,000 names costs start-up).
            if (target.Name.Contains('-') && NameForms.SortedWords(target.Name) is { } sortedWords) KeepBest(SortedTokens, sortedWords, target);
            var core = PythonAffix.Core(target.Name)?.Core;
            if (core is not null) KeepBest(AffixCores, core, target);
            families.Add(target, versionBase, core);
        }
        families.Link();
        EditCandidates = new EditCandidates([.. Targets.Select(t => t.Name)], editIndex);
        ImportNames = importNames.Resolve(Exact);
        lookalikeMap = new Lazy<Dictionary<string, AsciiLookalikeSquat.Reading[]>>(() => AsciiLookalikeSquat.Readings(Exact), LazyThreadSafetyMode.ExecutionAndPublication);
        ExactByText = Exact.GetAlternateLookup<ReadOnlySpan<char>>();
        StrippedByText = Stripped.GetAlternateLookup<ReadOnlySpan<char>>();
        UltranormalizedByText = Ultranormalized.GetAlternateLookup<ReadOnlySpan<char>>();
        VersionBaseByText = VersionBase.GetAlternateLookup<ReadOnlySpan<char>>();
        SortedTokensByText = SortedTokens.GetAlternateLookup<ReadOnlySpan<char>>();
        PopularWords = new(StringComparer.Ordinal);
        foreach (var target in all)
        {
            if (target.Internal || !(target.Rank <= PopularWordRank || target.Brand || target.BrandWord) || target.Stripped.Length < PopularNameAsWord.MinLength
                || target.Name is "python") continue; // the language's name is an affix here, judged by PythonAffix
            KeepBest(PopularWords, target.Name, target);
            if (target.Stripped.Length >= PopularNameAsWord.MinInsideLength) insideWords.Add(target);
            (gluedStarts[GluedKey(target.Stripped[0], target.Stripped[1])] ??= []).Add(target);
            (gluedEnds[GluedKey(target.Stripped[^2], target.Stripped[^1])] ??= []).Add(target);
        }
        PopularWordsByText = PopularWords.GetAlternateLookup<ReadOnlySpan<char>>();
        insideSearch = new Lazy<SearchValues<string>>(() => SearchValues.Create([.. insideWords.Select(t => t.Stripped)], StringComparison.Ordinal), LazyThreadSafetyMode.ExecutionAndPublication);
        pluginHosts = new Lazy<HashSet<string>>(() => PluginHosts(all), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Projects up to this download rank are looked for whole inside other names (<see cref="PopularNameAsWord"/>), with the brand words.</summary>
    public const int PopularWordRank = 300;

    /// <summary>A first word that this many of the popular names start with (<c>pytest-</c>, <c>django-</c>, <c>types-</c>) is a plugin prefix.</summary>
    public const int PluginHostNames = 30;

    /// <summary>The projects up to <see cref="PopularWordRank"/> and the brand words, by name: looked for whole inside other names.</summary>
    public Dictionary<string, Target> PopularWords { get; }
    public Dictionary<string, Target>.AlternateLookup<ReadOnlySpan<char>> PopularWordsByText { get; }

    // The same words (5+ letters) by their first two and last two letters: a name is compared only with the few that
    // can start or end it. An array of 36 × 36 lists (letters and digits), most of them empty.
    private readonly List<Target>?[] gluedStarts = new List<Target>?[36 * 36];
    private readonly List<Target>?[] gluedEnds = new List<Target>?[36 * 36];

    // The long ones (MinInsideLength+), searched for inside a glued name all at once.
    private readonly List<Target> insideWords = [];
    // Searched all at once in a process that checks many names (built with the edit-distance index); word by word for
    // the first few, which is cheaper than building the search (a check's start-up).
    private readonly Lazy<SearchValues<string>> insideSearch;

    /// <summary>A long popular word (<see cref="PopularNameAsWord.MinInsideLength"/>+ letters) strictly inside <paramref name="stripped"/>, with other letters on both sides.</summary>
    public Target? PopularWordInside(string stripped)
    {
        var inner = stripped.AsSpan(1, stripped.Length - 2);
        // The first position any of them occurs at: the same answer both ways.
        int at;
        if (EditCandidates.IndexBuilt) at = inner.IndexOfAny(insideSearch.Value);
        else
        {
            at = -1;
            foreach (var target in insideWords)
            {
                if (inner.IndexOf(target.Stripped, StringComparison.Ordinal) is var first and >= 0 && (at < 0 || first < at)) at = first;
            }
        }
        if (at < 0) return null;
        foreach (var target in insideWords)
        {
            if (inner[at..].StartsWith(target.Stripped, StringComparison.Ordinal) && 1 + at + target.Stripped.Length < stripped.Length) return target;
        }
        return null;
    }

    private static int GluedKey(char a, char b) => KeyPart(a) * 36 + KeyPart(b);

    private static int KeyPart(char c) => c is >= 'a' and <= 'z' ? c - 'a' : c is >= '0' and <= '9' ? 26 + c - '0' : 0;

    /// <summary>The longest popular word that <paramref name="stripped"/> starts (or ends) with, leaving two letters or more beside it.</summary>
    public Target? GluedPopularWord(string stripped, bool atStart)
    {
        var key = atStart ? GluedKey(stripped[0], stripped[1]) : GluedKey(stripped[^2], stripped[^1]);
        if ((atStart ? gluedStarts : gluedEnds)[key] is not { } candidates) return null;
        Target? best = null;
        foreach (var candidate in candidates)
        {
            var word = candidate.Stripped;
            if (word.Length > stripped.Length - 2 || (best is not null && word.Length <= best.Stripped.Length)) continue;
            if (atStart ? stripped.StartsWith(word, StringComparison.Ordinal) : stripped.EndsWith(word, StringComparison.Ordinal)) best = candidate;
        }
        return best;
    }

    private readonly Lazy<HashSet<string>> pluginHosts;

    /// <summary>
    /// True when <paramref name="firstWord"/> is a host framework's plugin prefix: <see cref="PluginHostNames"/> or more of
    /// the popular names start with it and a dash (<c>pytest-</c>, <c>django-</c>, <c>flask-</c>, <c>types-</c>,
    /// <c>azure-</c>). The py/python affixes are not hosts. Built on first use, from the corpus itself.
    /// </summary>
    public bool IsPluginHost(ReadOnlySpan<char> firstWord) => pluginHosts.Value.GetAlternateLookup<ReadOnlySpan<char>>().Contains(firstWord);

    private static HashSet<string> PluginHosts(Target[] targets)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var target in targets)
        {
            if (target.Rank is null || target.Name.IndexOf('-') is not (> 0 and var dash)) continue;
            var word = target.Name[..dash];
            counts[word] = counts.GetValueOrDefault(word) + 1;
        }
        return counts.Where(c => c.Value >= PluginHostNames && c.Key is not ("py" or "python")).Select(c => c.Key).ToHashSet(StringComparer.Ordinal);
    }

    public IReadOnlyList<Target> Targets { get; }
    public StandardLibrary Stdlib { get; }
    public Dictionary<string, Target> Exact { get; }
    public Dictionary<string, Target> Stripped { get; }
    public Dictionary<string, Target> Ultranormalized { get; }
    public Dictionary<string, Target> VersionBase { get; }
    public Dictionary<string, Target> SortedTokens { get; } = new(StringComparer.Ordinal);

    // The same maps looked up by span, so that a check can build its keys in stack buffers or slice them from the name.
    public Dictionary<string, Target>.AlternateLookup<ReadOnlySpan<char>> ExactByText { get; }
    public Dictionary<string, Target>.AlternateLookup<ReadOnlySpan<char>> StrippedByText { get; }
    public Dictionary<string, Target>.AlternateLookup<ReadOnlySpan<char>> UltranormalizedByText { get; }
    public Dictionary<string, Target>.AlternateLookup<ReadOnlySpan<char>> VersionBaseByText { get; }
    public Dictionary<string, Target>.AlternateLookup<ReadOnlySpan<char>> SortedTokensByText { get; }

    /// <summary>Popular names keyed by their core once a py/python prefix or suffix is removed (<c>dateutil</c> → python-dateutil).</summary>
    public Dictionary<string, Target> AffixCores { get; } = new(StringComparer.Ordinal);

    /// <summary>Import names (normalized) of popular projects whose distribution name differs.</summary>
    public IReadOnlyDictionary<string, ImportNameTable.Trap> ImportNames { get; }

    /// <summary>Targets within two edits of a name: scanned for the first few names, from a deletion index after that.</summary>
    public EditCandidates EditCandidates { get; }

    private readonly Lazy<Dictionary<string, AsciiLookalikeSquat.Reading[]>> lookalikeMap;

    /// <summary>
    /// Names that read as a corpus name through one rn/m-style replacement (<see cref="AsciiLookalikeSquat.Readings"/>,
    /// ~20,000 keys), or null while this process has checked too few names to pay for it: like the edit-distance
    /// index, it is built once the process checks many names, and until then each name is searched forwards.
    /// </summary>
    public Dictionary<string, AsciiLookalikeSquat.Reading[]>? LookalikeMap => EditCandidates.IndexBuilt ? lookalikeMap.Value : null;

    /// <summary>Builds the maps kept for processes that check many names (the edit-distance index, the lookalike readings).</summary>
    public void BuildManyNameMaps()
    {
        EditCandidates.BuildIndex();
        _ = lookalikeMap.Value;
    }

    /// <summary>True once the lookalike map exists (tests).</summary>
    public bool LookalikeMapBuilt => lookalikeMap.IsValueCreated;

    /// <summary>
    /// Links each ranked target to the most popular one sharing its version-less or py-less form (<see cref="Target.Family"/>):
    /// the keys are the forms the index computes anyway, collected as it goes rather than computed again.
    /// </summary>
    private sealed class FamilyLinker(int capacity)
    {
        private readonly Dictionary<string, Target> best = new(capacity, StringComparer.Ordinal);
        private readonly List<(Target Target, string Key)> keys = new(capacity + capacity / 4);

        public void Add(Target target, string versionBase, string? affixCore)
        {
            if (target.Rank is null) return;
            Offer(target, target.Stripped);
            if (versionBase.Length >= 4 && versionBase != target.Stripped) Offer(target, versionBase);
            if (affixCore is { Length: >= 4 }) Offer(target, affixCore);
        }

        private void Offer(Target target, string key)
        {
            KeepBest(best, key, target);
            keys.Add((target, key));
        }

        public void Link()
        {
            foreach (var (target, key) in keys)
            {
                if (best[key] is var family && family.Rank < (target.Family ?? target).Rank) target.Family = family;
            }
        }
    }

    private static void KeepBest(Dictionary<string, Target> map, string key, Target target)
    {
        // One hash and probe for the lookup and the store: the index makes ~90,000 of these on every `moat check`.
        ref var best = ref CollectionsMarshal.GetValueRefOrAddDefault(map, key, out var exists);
        if (!exists || target.IsBetterThan(best!)) best = target;
    }
}
