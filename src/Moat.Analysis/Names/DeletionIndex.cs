using System.Numerics;
using System.Runtime.CompilerServices;

namespace Moat.Analysis.Names;

/// <summary>
/// Symmetric-delete index (the SymSpell idea) for "which targets are within edit distance 2 of this name": every target
/// is stored under the hashes of itself with 0, 1 or 2 characters deleted; a query looks up its own deletions. Two
/// strings within Levenshtein (or adjacent-swap) distance k share a deletion of at most k characters from each, so
/// the lookup finds every candidate without comparing against the whole corpus. Keys are 64-bit hashes of the
/// deleted strings, computed in O(1) each from prefix hashes (no string is built). The index only proposes
/// candidates: a hash or fingerprint collision adds a candidate that the exact distance check then rejects, so
/// collisions can cost time but never change a result.
/// </summary>
/// <remarks>
/// A query of length n makes 1 + n + n(n−1)/2 lookups (about 120 for a typical PyPI name) and 98% of them miss, so
/// the cost of a miss is the cost of the index. One table over all 1.7 million keys of the top 15,000 is tens of MB,
/// and every miss was a cache miss. So keys are split into partitions by the deleted string's length and first
/// character: every deletion from position 1 on keeps the query's first character, so almost all lookups of one
/// query land in the same three partitions (of at most ~14,000 keys). Each partition has a bit filter (16–32 bits
/// per key, ~28 KB for the largest) that rejects ~95% of misses while staying in the L1 cache for the whole query,
/// and an open-addressing table of 32-bit fingerprints (the hash's high half) that only the survivors visit.
/// </remarks>
internal sealed class DeletionIndex
{
    /// <summary>Targets at least this long are indexed for two edits; shorter ones (from 3 characters) for one.</summary>
    public const int TwoEditLength = 9;
    public const int OneEditLength = 3;

    /// <summary>Two-edit queries beyond this length fall back to one edit: no real name is that long, and the work stays bounded.</summary>
    private const int MaxTwoEditQuery = 64;

    private const ulong Base = 0x9E3779B97F4A7C15UL;
    private static readonly ulong[] Powers = BuildPowers(NameForms.MaxEditLength + 2);

    // First characters are a-z, 0-9 and '-' in normalized names; anything else shares one extra class.
    private const int CharClasses = 38;
    private const int PartitionCount = (NameForms.MaxEditLength + 1) * CharClasses;

    /// <summary>Where a partition's table and filter are; an empty partition has a one-word filter that is all zeros.</summary>
    private record struct Partition(int SlotStart, int SlotMask, int FilterStart, int FilterMask);

    // While building: one (partition, hash, id) per distinct deletion of each target.
    private List<(int Partition, ulong Hash, int Id)>? building = [];

    // Frozen: a slot holds a fingerprint (0 = empty) and the head of a chain through next/targets (several targets can
    // share a deletion: "requests" and "request" share "request").
    private readonly Partition[] partitions = new Partition[PartitionCount];
    private ulong[] filter = [];
    private uint[] fingerprints = [];
    private int[] heads = [];
    private int[] targets = [];
    private int[] next = [];

    /// <summary>Adds <paramref name="name"/> under id <paramref name="id"/>.</summary>
    public void Add(string name, int id)
    {
        if (building is null) throw new InvalidOperationException("the index is frozen");
        if (name.Length > NameForms.MaxEditLength || name.Length < OneEditLength) return;
        var maxDeletions = name.Length >= TwoEditLength ? 2 : 1;
        var count = DeletionCount(name.Length, maxDeletions);
        var partitionIds = new int[count];
        var hashes = new ulong[count];
        Deletions(name, maxDeletions, partitionIds, hashes);
        var keys = partitionIds.Zip(hashes).ToArray();
        Array.Sort(keys);
        for (var i = 0; i < keys.Length; i++)
        {
            if (i > 0 && keys[i - 1] == keys[i]) continue; // "ll" minus either l is the same string: store it once
            building.Add((keys[i].First, keys[i].Second, id));
        }
    }

    /// <summary>Ends building: lays each partition out as a bit filter and a flat open-addressing table.</summary>
    public void Freeze()
    {
        if (building is null) return;
        var entries = building;
        building = null;

        var counts = new int[PartitionCount];
        foreach (var entry in entries) counts[entry.Partition]++;
        int slots = 0, filterWords = 1; // word 0 stays zero: the filter of every empty partition
        for (var p = 0; p < PartitionCount; p++)
        {
            if (counts[p] == 0) continue;
            // The table at most half full, so a lookup ends after one or two probes; the filter 16 to 32 bits per key.
            var capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(4, counts[p] * 2));
            var bits = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(64, counts[p] * 16));
            partitions[p] = new Partition(slots, capacity - 1, filterWords, bits - 1);
            slots += capacity;
            filterWords += bits / 64;
        }
        filter = new ulong[filterWords];
        fingerprints = new uint[slots];
        heads = new int[slots];
        targets = new int[entries.Count];
        next = new int[entries.Count];
        // In target order, each new entry at its chain's head: a chain lists the latest target first.
        for (var e = 0; e < entries.Count; e++)
        {
            var (partitionId, hash, id) = entries[e];
            var partition = partitions[partitionId];
            var bit = FilterBit(hash, partition);
            filter[partition.FilterStart + (bit >> 6)] |= 1UL << bit;
            var slot = partition.SlotStart + ((int)hash & partition.SlotMask);
            var fingerprint = Fingerprint(hash);
            while (fingerprints[slot] != 0 && fingerprints[slot] != fingerprint) slot = partition.SlotStart + ((slot - partition.SlotStart + 1) & partition.SlotMask);
            if (fingerprints[slot] == 0)
            {
                fingerprints[slot] = fingerprint;
                heads[slot] = -1;
            }
            targets[e] = id;
            next[e] = heads[slot];
            heads[slot] = e;
        }
    }

    /// <summary>Adds the ids of every target that may be within two edits of <paramref name="name"/> to <paramref name="into"/> (no duplicates).</summary>
    public void Candidates(string name, List<int> into)
    {
        if (building is not null) throw new InvalidOperationException("freeze the index before querying it");
        if (name.Length > NameForms.MaxEditLength || name.Length < OneEditLength - 1) return;
        // A target of length >= TwoEditLength may be two edits away only if the query is at least TwoEditLength - 2 long.
        var maxDeletions = name.Length >= TwoEditLength - 2 && name.Length <= MaxTwoEditQuery ? 2 : 1;
        var count = DeletionCount(name.Length, maxDeletions); // at most 2,081 (a 64-character name)
        Span<int> partitionIds = stackalloc int[count];
        Span<ulong> hashes = stackalloc ulong[count];
        Deletions(name, maxDeletions, partitionIds, hashes);

        // Filter all first, without branches (a hit is too rare to predict), then look the few survivors up.
        var survivors = 0;
        for (var k = 0; k < count; k++)
        {
            var partition = partitions[partitionIds[k]];
            var bit = FilterBit(hashes[k], partition);
            partitionIds[survivors] = partitionIds[k];
            hashes[survivors] = hashes[k];
            survivors += (int)(filter[partition.FilterStart + (bit >> 6)] >> bit) & 1;
        }
        for (var k = 0; k < survivors; k++)
        {
            for (var entry = Find(partitionIds[k], hashes[k]); entry >= 0; entry = next[entry])
            {
                var id = targets[entry];
                if (!into.Contains(id)) into.Add(id);
            }
        }
    }

    /// <summary>The chain head for <paramref name="hash"/> in its partition, or −1.</summary>
    private int Find(int partitionId, ulong hash)
    {
        var partition = partitions[partitionId];
        var fingerprint = Fingerprint(hash);
        for (var slot = (int)hash & partition.SlotMask; ; slot = (slot + 1) & partition.SlotMask)
        {
            var found = fingerprints[partition.SlotStart + slot];
            if (found == fingerprint) return heads[partition.SlotStart + slot];
            if (found == 0) return -1;
        }
    }

    /// <summary>The hash's high half, never 0 (0 marks an empty slot); the low bits pick the slot.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Fingerprint(ulong hash) => (uint)(hash >> 32) | 1;

    /// <summary>The filter bit: from the middle of the hash, apart from the slot's low bits (shifts take the low 6 bits of the result).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int FilterBit(ulong hash, Partition partition) => (int)(hash >> 20) & partition.FilterMask;

    private static int DeletionCount(int n, int deletions) => 1 + (deletions >= 1 ? n : 0) + (deletions >= 2 ? n * (n - 1) / 2 : 0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int PartitionOf(int length, char first) =>
        length * CharClasses + first switch
        {
            >= 'a' and <= 'z' => first - 'a',
            >= '0' and <= '9' => 26 + first - '0',
            '-' => 36,
            _ => 37,
        };

    /// <summary>
    /// The partition and hash of <paramref name="s"/> itself and of every string made by deleting up to
    /// <paramref name="maxDeletions"/> characters. The hash of a deleted string is assembled from prefix hashes in
    /// O(1); the partition needs only its length and first character, which is <c>s[0]</c> unless a deletion takes
    /// the front.
    /// </summary>
    private static void Deletions(string s, int maxDeletions, Span<int> partitionIds, Span<ulong> hashes)
    {
        var n = s.Length;
        Span<ulong> prefix = stackalloc ulong[n + 1];
        prefix[0] = 0;
        for (var k = 0; k < n; k++) prefix[k + 1] = prefix[k] * Base + s[k];

        var count = 0;
        partitionIds[count] = PartitionOf(n, s[0]);
        hashes[count++] = Finish(prefix[n], n);
        if (maxDeletions < 1 || n < 2) return;
        for (var i = 0; i < n; i++)
        {
            // s without s[i]: s[0..i) ++ s[i+1..n)
            var left = prefix[i];
            partitionIds[count] = PartitionOf(n - 1, s[i == 0 ? 1 : 0]);
            hashes[count++] = Finish(Concat(left, Segment(prefix, i + 1, n), n - i - 1), n - 1);
            if (maxDeletions < 2 || n < 3) continue;
            // s without s[i] and s[j]: starts with s[0], or with s[1] or s[2] when i is 0.
            var partition = PartitionOf(n - 2, s[0]);
            for (var j = i + 1; j < n; j++)
            {
                if (i == 0) partition = PartitionOf(n - 2, s[j == 1 ? 2 : 1]);
                var middle = Concat(left, Segment(prefix, i + 1, j), j - i - 1);
                partitionIds[count] = partition;
                hashes[count++] = Finish(Concat(middle, Segment(prefix, j + 1, n), n - j - 1), n - 2);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Segment(ReadOnlySpan<ulong> prefix, int from, int to) => prefix[to] - prefix[from] * Powers[to - from];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Concat(ulong left, ulong right, int rightLength) => left * Powers[rightLength] + right;

    /// <summary>Mixes in the length and spreads the bits (murmur3's finalizer), so similar polynomials land far apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
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
