using System.Numerics;
using System.Runtime.CompilerServices;

namespace Moat.Analysis.Names;

/// <summary>
/// "Which targets may be within two edits of this name", answered two ways. A process that checks a handful of names
/// (<c>moat check requets</c>) scans the targets directly: a bit-parallel longest-common-subsequence test per target of
/// a near length, a fraction of a millisecond per name and nothing built at start-up. A process that checks many (the
/// proxy, <c>moat audit</c> of a large lock file, a pass over PyPI) builds the <see cref="DeletionIndex"/> once, after
/// <see cref="ScannedQueries"/> names, and looks names up in it from then on. Both return every target the other does
/// that is within the edit allowance (the index may add hash-collision candidates, which the exact check rejects), so
/// the results do not depend on which one answered.
/// </summary>
internal sealed class EditCandidates
{
    /// <summary>Names answered by scanning before the index is built: the index costs about as much as a few thousand scans.</summary>
    public const int ScannedQueries = 256;

    private const int MaxTwoEditQuery = 64;

    private readonly string[] names;
    // Target ids grouped by name length, so a scan only visits names within two letters of the query's length.
    private readonly int[][] idsByLength;
    // Each of those targets' character classes (CharacterClasses), in the same order: a cheap bound that rules most out before the LCS.
    private readonly ulong[][] classesByLength;
    private readonly Lazy<DeletionIndex> index;
    private readonly bool mayIndex;
    private int queries;

    /// <param name="names">The targets.</param>
    /// <param name="mayIndex">False: never build the index on its own (every name is scanned; <see cref="BuildIndex"/> still builds it).</param>
    public EditCandidates(IReadOnlyList<string> names, bool mayIndex = true)
    {
        this.mayIndex = mayIndex;
        this.names = [.. names];
        idsByLength = new int[NameForms.MaxEditLength + 1][];
        // Counted, then filled: this runs on every `moat check`, and LINQ over (name, id) pairs cost start-up JIT and garbage.
        var counts = new int[NameForms.MaxEditLength + 1];
        foreach (var name in this.names)
        {
            if (IsIndexed(name)) counts[name.Length]++;
        }
        classesByLength = new ulong[NameForms.MaxEditLength + 1][];
        for (var length = 0; length <= NameForms.MaxEditLength; length++)
        {
            idsByLength[length] = counts[length] == 0 ? [] : new int[counts[length]];
            classesByLength[length] = counts[length] == 0 ? [] : new ulong[counts[length]];
        }
        Array.Clear(counts);
        for (var id = 0; id < this.names.Length; id++)
        {
            var name = this.names[id];
            if (!IsIndexed(name)) continue;
            classesByLength[name.Length][counts[name.Length]] = CharacterClasses(name);
            idsByLength[name.Length][counts[name.Length]++] = id;
        }
        index = new Lazy<DeletionIndex>(() => new DeletionIndex(this.names), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>True once the deletion index has been built (tests; a scan never builds it).</summary>
    public bool IndexBuilt => index.IsValueCreated;

    /// <summary>Builds the deletion index now (it is otherwise built after <see cref="ScannedQueries"/> names).</summary>
    public void BuildIndex() => _ = index.Value;

    /// <summary>Adds the ids of every target that may be within two edits of <paramref name="name"/> to <paramref name="into"/> (no duplicates).</summary>
    public void Candidates(string name, List<int> into)
    {
        if (index.IsValueCreated || mayIndex && Interlocked.Increment(ref queries) > ScannedQueries) index.Value.Candidates(name, into);
        else Scan(name, into);
    }

    /// <summary>
    /// The same answer as <see cref="DeletionIndex.Candidates"/> without the index: a target t shares a deletion of at
    /// most dq characters of the query q and of at most dt of its own exactly when their longest common subsequence is
    /// at least max(|q| − dq, |t| − dt), with the allowances the index uses (two for targets of 6+ letters and queries
    /// of 4 to 64, else one).
    /// </summary>
    public void Scan(string name, List<int> into)
    {
        var n = name.Length;
        if (n > NameForms.MaxEditLength || n < DeletionIndex.OneEditLength - 1) return;
        var queryDeletions = n >= DeletionIndex.TwoEditLength - 2 && n <= MaxTwoEditQuery ? 2 : 1;
        Span<ulong> matches = stackalloc ulong[128];
        var bitParallel = n <= 64;
        if (bitParallel)
        {
            for (var i = 0; i < n; i++)
            {
                if (name[i] < 128) matches[name[i]] |= 1UL << i;
            }
        }
        var queryClasses = CharacterClasses(name);
        for (var length = Math.Max(DeletionIndex.OneEditLength, n - 2); length <= Math.Min(NameForms.MaxEditLength, n + 2); length++)
        {
            var targetDeletions = length >= DeletionIndex.TwoEditLength ? 2 : 1;
            var needed = Math.Max(n - queryDeletions, length - targetDeletions);
            var ids = idsByLength[length];
            var classes = classesByLength[length];
            for (var k = 0; k < ids.Length; k++)
            {
                // Every class one side has and the other lacks is at least one of its characters outside the common
                // subsequence, so more such classes than that side's slack rule the target out without the LCS.
                if (BitOperations.PopCount(classes[k] & ~queryClasses) > length - needed || BitOperations.PopCount(queryClasses & ~classes[k]) > n - needed) continue;
                var id = ids[k];
                var common = bitParallel ? CommonSubsequence(matches, n, names[id]) : CommonSubsequence(name, names[id]);
                if (common >= needed) into.Add(id);
            }
        }
    }

    /// <summary>
    /// One bit per class of the characters in <paramref name="name"/>: a letter or digit each its own, any other
    /// character one of 27 shared classes. A class absent from a name means none of its characters is in that name.
    /// </summary>
    private static ulong CharacterClasses(string name)
    {
        var classes = 0UL;
        foreach (var c in name)
        {
            var bit = c is >= 'a' and <= 'z' ? c - 'a' : c is >= '0' and <= '9' ? 26 + (c - '0') : 36 + c % 27;
            classes |= 1UL << bit;
        }
        return classes;
    }

    private static bool IsIndexed(string name) => name.Length is >= DeletionIndex.OneEditLength and <= NameForms.MaxEditLength;

    /// <summary>Longest common subsequence of the query (given by its per-character position masks, length ≤ 64) and <paramref name="target"/>, bit-parallel (Hyyrö's formulation).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int CommonSubsequence(ReadOnlySpan<ulong> matches, int queryLength, string target)
    {
        var v = ulong.MaxValue;
        foreach (var c in target)
        {
            var u = v & (c < 128 ? matches[c] : 0);
            v = (v + u) | (v - u);
        }
        var mask = queryLength == 64 ? ulong.MaxValue : (1UL << queryLength) - 1;
        return BitOperations.PopCount(~v & mask);
    }

    /// <summary>Longest common subsequence by the textbook table, for the rare query longer than 64 characters.</summary>
    private static int CommonSubsequence(string a, string b)
    {
        var row = new int[b.Length + 1];
        for (var i = 1; i <= a.Length; i++)
        {
            var diagonal = 0;
            for (var j = 1; j <= b.Length; j++)
            {
                var above = row[j];
                row[j] = a[i - 1] == b[j - 1] ? diagonal + 1 : Math.Max(row[j], row[j - 1]);
                diagonal = above;
            }
        }
        return row[b.Length];
    }
}
