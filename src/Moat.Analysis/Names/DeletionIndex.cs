using System.Numerics;
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
    public const int TwoEditLength = 9;
    public const int OneEditLength = 3;

    private const ulong Base = 0x9E3779B97F4A7C15UL;
    private static readonly ulong[] Powers = BuildPowers(NameForms.MaxEditLength + 2);

    // Building: hash → chain head in a Dictionary; Freeze() turns it into flat arrays (open addressing) with a bit
    // filter in front, because nearly every lookup misses and a miss should cost one probe of a small bitmap.
    private Dictionary<ulong, int>? building = new(1 << 20);
    private readonly List<int> entryTarget = [];
    private readonly List<int> entryNext = [];
    private int[] targets = [];
    private int[] next = [];
    private ulong[] keys = [];
    private int[] heads = [];
    private ulong[] filter = [];
    private int filterShift;

    public int KeyCount => keys.Length == 0 ? building?.Count ?? 0 : heads.Count(h => h >= 0);

    /// <summary>Adds <paramref name="name"/> under id <paramref name="id"/>.</summary>
    public void Add(string name, int id)
    {
        if (building is null) throw new InvalidOperationException("the index is frozen");
        if (name.Length > NameForms.MaxEditLength || name.Length < OneEditLength) return;
        var hashes = Deletions(name, name.Length >= TwoEditLength ? 2 : 1, []);
        hashes.Sort();
        for (var i = 0; i < hashes.Length; i++)
        {
            var hash = hashes[i];
            if (i > 0 && hashes[i - 1] == hash) continue; // "ll" minus either l is the same string: store it once
            ref var head = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(building, hash, out var exists);
            entryTarget.Add(id);
            entryNext.Add(exists ? head : -1);
            head = entryTarget.Count - 1;
        }
    }

    /// <summary>Ends building: lays the table out flat for lookups.</summary>
    public void Freeze()
    {
        if (building is null) return;
        var capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, building.Count * 2));
        keys = new ulong[capacity];
        heads = new int[capacity];
        var mask = capacity - 1;
        // 8 to 16 filter bits per key: false hits stay near 10% and the bitmap stays small enough for the cache.
        var filterBits = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(1024, building.Count * 8));
        filter = new ulong[filterBits / 64];
        filterShift = 64 - BitOperations.Log2((uint)filterBits);
        foreach (var (key, head) in building)
        {
            var slot = (int)key & mask;
            while (keys[slot] != 0) slot = (slot + 1) & mask;
            keys[slot] = key;
            heads[slot] = head;
            var bit = key >> filterShift;
            filter[bit >> 6] |= 1UL << (int)(bit & 63);
        }
        targets = [.. entryTarget];
        next = [.. entryNext];
        entryTarget.Clear();
        entryNext.Clear();
        building = null;
    }

    /// <summary>Adds the ids of every target that may be within two edits of <paramref name="name"/> to <paramref name="into"/> (no duplicates).</summary>
    public void Candidates(string name, List<int> into)
    {
        if (building is not null) throw new InvalidOperationException("freeze the index before querying it");
        if (name.Length > NameForms.MaxEditLength || name.Length < OneEditLength - 1) return;
        // A target of length >= TwoEditLength may be two edits away only if the query is at least TwoEditLength - 2 long.
        var deletions = name.Length >= TwoEditLength - 2 && name.Length <= MaxTwoEditQuery ? 2 : 1;
        var count = DeletionCount(name.Length, deletions);
        Span<ulong> hashes = count <= 1024 ? stackalloc ulong[count] : new ulong[count];
        hashes = Deletions(name, deletions, hashes);
        // Filter all first, then probe the survivors: independent loads let the CPU overlap the cache misses.
        var survivors = 0;
        foreach (var hash in hashes)
        {
            var bit = hash >> filterShift;
            if ((filter[bit >> 6] & (1UL << (int)(bit & 63))) != 0) hashes[survivors++] = hash;
        }
        foreach (var hash in hashes[..survivors])
        {
            for (var entry = Find(hash); entry >= 0; entry = next[entry])
            {
                var id = targets[entry];
                if (!into.Contains(id)) into.Add(id);
            }
        }
    }

    private int Find(ulong key)
    {
        var mask = keys.Length - 1;
        for (var slot = (int)key & mask; keys[slot] != 0; slot = (slot + 1) & mask)
        {
            if (keys[slot] == key) return heads[slot];
        }
        return -1;
    }

    /// <summary>Two-edit queries beyond this length fall back to one edit: no real name is that long, and the work stays bounded.</summary>
    private const int MaxTwoEditQuery = 64;

    private static int DeletionCount(int n, int deletions) => 1 + (deletions >= 1 ? n : 0) + (deletions >= 2 ? n * (n - 1) / 2 : 0);

    /// <summary>The hashes of <paramref name="s"/> itself and of every string made by deleting up to <paramref name="maxDeletions"/> characters.</summary>
    private static Span<ulong> Deletions(string s, int maxDeletions, Span<ulong> into)
    {
        if (into.IsEmpty) into = new ulong[DeletionCount(s.Length, maxDeletions)];
        var count = 0;
        var n = s.Length;
        Span<ulong> prefix = stackalloc ulong[n + 1];
        prefix[0] = 0;
        for (var k = 0; k < n; k++) prefix[k + 1] = prefix[k] * Base + s[k];

        into[count++] = Finish(prefix[n], n);
        if (maxDeletions < 1 || n < 2) return into[..count];
        for (var i = 0; i < n; i++)
        {
            // s without s[i]: s[0..i) ++ s[i+1..n)
            var left = prefix[i];
            into[count++] = Finish(Concat(left, Segment(prefix, i + 1, n), n - i - 1), n - 1);
            if (maxDeletions < 2 || n < 3) continue;
            for (var j = i + 1; j < n; j++)
            {
                var middle = Concat(left, Segment(prefix, i + 1, j), j - i - 1);
                into[count++] = Finish(Concat(middle, Segment(prefix, j + 1, n), n - j - 1), n - 2);
            }
        }
        return into[..count];
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
        return hash == 0 ? 1 : hash; // 0 marks an empty slot
    }

    private static ulong[] BuildPowers(int count)
    {
        var powers = new ulong[count];
        powers[0] = 1;
        for (var i = 1; i < count; i++) powers[i] = powers[i - 1] * Base;
        return powers;
    }
}
