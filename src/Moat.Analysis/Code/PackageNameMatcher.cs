using System.Collections.Concurrent;
using Moat.Analysis.Names;

namespace Moat.Analysis.Code;

/// <summary>
/// The name engine as package scans use it: the best match for a package's own name and for each declared dependency,
/// remembered per name (the same few hundred dependency names recur across a batch of packages).
/// </summary>
public sealed class PackageNameMatcher
{
    // Beyond this many distinct names a match is computed and not kept: the memory stays bounded in a long-lived server.
    private const int MaxRemembered = 100_000;

    private readonly Lazy<NameChecker> _checker;
    private readonly ConcurrentDictionary<string, NameMatch?> _remembered = new(StringComparer.Ordinal);
    private int _rememberedCount; // ConcurrentDictionary.Count takes every lock

    public PackageNameMatcher(Func<NameChecker> checker)
    {
        ArgumentNullException.ThrowIfNull(checker);
        _checker = new Lazy<NameChecker>(checker, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Over <see cref="NameChecker.Default"/>, shared with everything else in the process (the index server's gate).</summary>
    public static PackageNameMatcher Shared { get; } = new(() => NameChecker.Default);

    /// <summary>
    /// For a process that only scans packages (<c>moat scan</c>): its own checker over the embedded corpus that never
    /// builds the edit-distance index (the same matches; ~57 MB less and, for a batch of ten thousand packages, less CPU).
    /// </summary>
    public static PackageNameMatcher ForBatch() => new(() => new NameChecker(PopularCorpus.Embedded, new NameCheckerOptions(EditIndex: false)));

    public PopularCorpus Corpus => _checker.Value.Corpus;

    /// <summary>The best-scoring match for <paramref name="name"/>, or null when it resembles nothing.</summary>
    public NameMatch? BestMatch(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_remembered.TryGetValue(name, out var known)) return known;
        var match = _checker.Value.Matches(name).FirstOrDefault();
        if (Volatile.Read(ref _rememberedCount) < MaxRemembered && _remembered.TryAdd(name, match)) Interlocked.Increment(ref _rememberedCount);
        return match;
    }
}
