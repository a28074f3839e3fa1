using System.Runtime.CompilerServices;

namespace Moat.Analysis.Names;

/// <summary>
/// Symmetric-delete index (the SymSpell idea) for "which targets are within edit distance 2 of this name": every target
/// is stored under the hashes of itself with 0, 1 or 2 characters deleted; a query looks up its own deletions. Two
/// strings within Levenshtein (or adjacent-swap) distance k share a deletion of at most k characters from each, so
/// the lookup finds every candidate without comparing against the whole corpus. Keys are 64-bit hashes of the
/// deleted strings, computed in O(1) each from prefix hashes (no string is built); a hash collision only adds a
/// candidate that the exact distance check then rejects.
/// </summary>
internal sealed class DeletionIndex
{
    /// <summary>Targets at least this long are indexed for two edits; shorter ones (from 3 characters) for one.</summary>
    public const int TwoEditLength = 8;
    public const int OneEditLength = 3;

    private const ulong Base = 0x9E3779B97F4A7C15UL;
    private static readonly ulong[] Powers = BuildPowers(NameForms.MaxEditLength + 2);

    private readonly Dictionary<ulong, int> heads = [];
    private readonly List<int> entryTarget = [];
    private readonly List<int> entryNext = [];

    public int KeyCount => heads.Count;

    /// <summary>Adds <paramref name="name"/> under id <paramref name="id"/>.</summary>
    public void Add(string name, int id)
    {
        if (name.Length > NameForms.MaxEditLength || name.Length < OneEditLength) return;
        var adder = new Adder(this, id);
        ForEachDeletion(name, name.Length >= TwoEditLength ? 2 : 1, ref adder);
    }

    /// <summary>Adds the ids of every target that may be within two edits of <paramref name="name"/> to <paramref name="into"/> (no duplicates).</summary>
    public void Candidates(string name, List<int> into)
    {
        if (name.Length > NameForms.MaxEditLength || name.Length < OneEditLength - 1) return;
        // A target of length >= TwoEditLength may be two edits away only if the query is at least TwoEditLength - 2 long.
        var collector = new Collector(this, into);
        ForEachDeletion(name, name.Length >= TwoEditLength - 2 ? 2 : 1, ref collector);
    }

    private interface IVisitor
    {
        void Visit(ulong hash);
    }

    private struct Adder(DeletionIndex index, int id) : IVisitor
    {
        private readonly HashSet<ulong> seen = [];

        public readonly void Visit(ulong hash)
        {
            if (!seen.Add(hash)) return; // "ll" minus either l is the same string: store it once
            ref var head = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(index.heads, hash, out var exists);
            index.entryTarget.Add(id);
            index.entryNext.Add(exists ? head : -1);
            head = index.entryTarget.Count - 1;
        }
    }

    private readonly struct Collector(DeletionIndex index, List<int> into) : IVisitor
    {
        public void Visit(ulong hash)
        {
            if (!index.heads.TryGetValue(hash, out var entry)) return;
            for (; entry >= 0; entry = index.entryNext[entry])
            {
                var id = index.entryTarget[entry];
                if (!into.Contains(id)) into.Add(id);
            }
        }
    }

    /// <summary>Calls <paramref name="visitor"/> with the hash of <paramref name="s"/> itself and of every string made by deleting up to <paramref name="maxDeletions"/> characters.</summary>
    private static void ForEachDeletion<TVisitor>(string s, int maxDeletions, ref TVisitor visitor) where TVisitor : struct, IVisitor
    {
        var n = s.Length;
        Span<ulong> prefix = stackalloc ulong[n + 1];
        prefix[0] = 0;
        for (var k = 0; k < n; k++) prefix[k + 1] = prefix[k] * Base + s[k];

        visitor.Visit(Finish(prefix[n], n));
        if (maxDeletions < 1 || n < 2) return;
        for (var i = 0; i < n; i++)
        {
            // s without s[i]: s[0..i) ++ s[i+1..n)
            var left = prefix[i];
            visitor.Visit(Finish(Concat(left, Segment(prefix, i + 1, n), n - i - 1), n - 1));
            if (maxDeletions < 2 || n < 3) continue;
            for (var j = i + 1; j < n; j++)
            {
                var middle = Concat(left, Segment(prefix, i + 1, j), j - i - 1);
                visitor.Visit(Finish(Concat(middle, Segment(prefix, j + 1, n), n - j - 1), n - 2));
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Segment(ReadOnlySpan<ulong> prefix, int from, int to) => prefix[to] - prefix[from] * Powers[to - from];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Concat(ulong left, ulong right, int rightLength) => left * Powers[rightLength] + right;

    /// <summary>Mixes in the length and spreads the bits (murmur3's finalizer), so similar polynomials land far apart.</summary>
    private static ulong Finish(ulong hash, int length)
    {
        hash ^= (ulong)length * 0xFF51AFD7ED558CCDUL;
        hash ^= hash >> 33;
        hash *= 0xFF51AFD7ED558CCDUL;
        hash ^= hash >> 33;
        hash *= 0xC4CEB9FE1A85EC53UL;
        hash ^= hash >> 33;
        return hash;
    }

    private static ulong[] BuildPowers(int count)
    {
        var powers = new ulong[count];
        powers[0] = 1;
        for (var i = 1; i < count; i++) powers[i] = powers[i - 1] * Base;
        return powers;
    }
}
