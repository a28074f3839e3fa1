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
            if (target.Name.Contains('-') && NameForms.Tokens(target.Name) is { Length: >= 2 } tokens) KeepBest(SortedTokens, NameForms.SortedTokens(tokens), target);
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
        if (!map.TryGetValue(key, out var existing) || target.IsBetterThan(existing)) map[key] = target;
    }
}
