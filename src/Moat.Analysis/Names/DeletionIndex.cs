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
/// A query of length n makes 1 + n + n(n−1)/2 lookups (about 120 for a typical PyPI name, 110 million for all of
/// PyPI) and 98% of them miss, so the cost of a miss is the cost of the index. One table over all 1.7 million keys
/// of the top 15,000 is tens of MB, and every miss was a cache miss. So keys are split into partitions by the deleted
/// string's length and first character: every deletion from position 1 on keeps the query's first character, so
/// almost all lookups of one query land in the same three partitions (of at most ~14,000 keys). Each partition has a
/// blocked bit filter (16–32 bits per key, two bits per key in one 64-bit word, ~28 KB for the largest) that rejects
/// ~98% of misses with one load that stays in the L1 cache for the whole query, and an open-addressing table of
/// 32-bit fingerprints (the hash's high half) that only the survivors visit.
/// </remarks>
internal sealed class DeletionIndex
{
    /// <summary>Targets at least this long are indexed for two edits; shorter ones (from 3 characters) for one.</summary>
    public const int TwoEditLength = 6;
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

    /// <summary>One deletion of one target while building.</summary>
    private record struct Key(ulong Hash, int Partition, int Id);

    // A slot holds a fingerprint (0 = empty) and the head of a chain through next/targets (several targets can share a
    // deletion: "requests" and "request" share "request").
    private readonly Partition[] partitions = new Partition[PartitionCount];
    private readonly ulong[] filter;
    private readonly uint[] fingerprints;
    private readonly int[] heads;
    private readonly int[] targets;
    private readonly int[] next;

    /// <summary>
    /// Indexes <paramref name="names"/> under their positions as ids (names shorter than <see cref="OneEditLength"/> or
    /// longer than <see cref="NameForms.MaxEditLength"/> are left out). Both halves of the build run in parallel: the
    /// deletions of each name, then each partition's filter and table; the result does not depend on the scheduling
    /// (every chain lists its targets by descending id).
    /// </summary>
    /// <remarks>
    /// The build runs once per process over ~1.7 million keys, so its loops are compiled fully optimized at once
    /// (<see cref="MethodImplOptions.AggressiveOptimization"/>): tiered compilation would run them as unoptimized
    /// tier-0 code for most of the build, which measured at three times the optimized build's CPU time.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public DeletionIndex(IReadOnlyList<string> names)
    {
        // Each name's deletions go to a fixed range of one array, so names can be hashed in any order on any thread.
        var offsets = new int[names.Count + 1];
        for (var id = 0; id < names.Count; id++)
            offsets[id + 1] = offsets[id] + (IsIndexed(names[id]) ? DeletionCount(names[id].Length, MaxDeletions(names[id])) : 0);
        var keys = new Key[offsets[^1]];
        Parallel.For(0, names.Count, id =>
        {
            if (IsIndexed(names[id])) KeysOf(names[id], id, keys.AsSpan(offsets[id], offsets[id + 1] - offsets[id]));
        });

        // Group by partition, stably (a counting sort), so each partition's entries are in id order.
        var counts = new int[PartitionCount + 1];
        foreach (var key in keys) counts[key.Partition + 1]++;
        int slots = 0, filterWords = 1; // word 0 stays zero: the filter of every empty partition
        for (var p = 0; p < PartitionCount; p++)
        {
            var count = counts[p + 1];
            counts[p + 1] += counts[p]; // now counts[p] is where partition p's entries start
            if (count == 0) continue;
            // The table at most half full, so a lookup ends after one or two probes; the filter 16 to 32 bits per key.
            var capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(4, count * 2));
            var bits = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(64, count * 16));
            partitions[p] = new Partition(slots, capacity - 1, filterWords, bits / 64 - 1);
            slots += capacity;
            filterWords += bits / 64;
        }
        var byPartition = new int[keys.Length];
        var fill = counts[..PartitionCount];
        for (var k = 0; k < keys.Length; k++) byPartition[fill[keys[k].Partition]++] = k;

        filter = new ulong[filterWords];
        fingerprints = new uint[slots];
        heads = new int[slots];
        targets = new int[keys.Length];
        next = new int[keys.Length];
        // Partitions own disjoint ranges of every array: one thread per partition needs no locks.
        Parallel.For(0, PartitionCount, p => Fill(p, counts[p], counts[p + 1], keys, byPartition));
    }

    /// <summary>Lays out partition <paramref name="p"/>: entries <paramref name="from"/> to <paramref name="to"/> of <paramref name="byPartition"/>, in id order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Fill(int p, int from, int to, Key[] keys, int[] byPartition)
    {
        var partition = partitions[p];
        for (var e = from; e < to; e++)
        {
            var (hash, _, id) = keys[byPartition[e]];
            filter[partition.FilterStart + WordOf(hash, partition)] |= FilterBits(hash);
            var slot = partition.SlotStart + ((int)hash & partition.SlotMask);
            var fingerprint = Fingerprint(hash);
            while (fingerprints[slot] != 0 && fingerprints[slot] != fingerprint) slot = partition.SlotStart + ((slot - partition.SlotStart + 1) & partition.SlotMask);
            if (fingerprints[slot] == 0)
            {
                fingerprints[slot] = fingerprint;
                heads[slot] = -1;
            }
            // "ll" minus either l is the same string, and so the same key: the chain's head is then this target already
            // (ids come in order), and the repeat is left out.
            else if (targets[heads[slot]] == id) continue;
            // In id order, each new entry at its chain's head: a chain lists the latest target first.
            targets[e] = id;
            next[e] = heads[slot];
            heads[slot] = e;
        }
    }

    /// <summary>Adds the ids of every target that may be within two edits of <paramref name="name"/> to <paramref name="into"/> (no duplicates).</summary>
    public void Candidates(string name, List<int> into)
    {
        var n = name.Length;
        if (n > NameForms.MaxEditLength || n < OneEditLength - 1) return;
        // A target of length >= TwoEditLength may be two edits away only if the query is at least TwoEditLength - 2 long.
        var twoDeletions = n >= TwoEditLength - 2 && n <= MaxTwoEditQuery;

        Span<ulong> prefix = stackalloc ulong[n + 1];
        Span<ulong> without = stackalloc ulong[n];
        PrefixHashes(name, prefix, without);
        var whole = prefix[n];

        // Hash and filter in one pass, without branches on the filter's answer (a hit is too rare to predict): every
        // probe is written at the end of the survivor list, which grows only when the filter may hold the key. Only
        // the few survivors (~2%) are looked up in the tables afterwards.
        Span<int> survivorPartitions = stackalloc int[DeletionCount(n, twoDeletions ? 2 : 1)];
        Span<ulong> survivorHashes = stackalloc ulong[survivorPartitions.Length];
        var survivors = 0;

        // The name itself; without its first character; without any other character (all in one partition).
        Offer(PartitionOf(n, name[0]), Mix(whole), survivorPartitions, survivorHashes, ref survivors);
        Offer(PartitionOf(n - 1, name[1]), Mix(whole + without[0]), survivorPartitions, survivorHashes, ref survivors);
        var rest = PartitionOf(n - 1, name[0]);
        var restPartition = partitions[rest];
        for (var i = 1; i < n; i++)
        {
            var hash = Mix(whole + without[i]);
            survivorPartitions[survivors] = rest;
            survivorHashes[survivors] = hash;
            survivors += MayContain(hash, restPartition);
        }
        if (twoDeletions)
        {
            // Two deletions s[i] and s[j], i < j: the hash is whole + shifted[i] + without[j] (see ShiftedDeletions). Those
            // that take the first character start with s[1] or s[2]; all others stay in one partition, whose filter
            // words are then all the inner loop reads.
            Span<ulong> shifted = stackalloc ulong[n];
            ShiftedDeletions(prefix, shifted);
            for (var j = 1; j < n; j++)
                Offer(PartitionOf(n - 2, name[j == 1 ? 2 : 1]), Mix(whole + shifted[0] + without[j]), survivorPartitions, survivorHashes, ref survivors);
            var inner = PartitionOf(n - 2, name[0]);
            var innerPartition = partitions[inner];
            // The hottest loop of a pass over PyPI (~100 million probes): the partition's filter words as a local span,
            // so nothing is reloaded from the heap per probe.
            var words = filter.AsSpan(innerPartition.FilterStart, innerPartition.FilterMask + 1);
            for (var i = 1; i < n - 1; i++)
            {
                var left = whole + shifted[i];
                for (var j = i + 1; j < without.Length; j++)
                {
                    var hash = Mix(left + without[j]);
                    survivorPartitions[survivors] = inner;
                    survivorHashes[survivors] = hash;
                    var bits = FilterBits(hash);
                    survivors += (words[WordOf(hash, innerPartition)] & bits) == bits ? 1 : 0;
                }
            }
        }

        for (var k = 0; k < survivors; k++)
        {
            for (var entry = Find(survivorPartitions[k], survivorHashes[k]); entry >= 0; entry = next[entry])
            {
                var id = targets[entry];
                if (!into.Contains(id)) into.Add(id);
            }
        }
    }

    private static bool IsIndexed(string? name) => name is not null && name.Length is >= OneEditLength and <= NameForms.MaxEditLength;

    private static int MaxDeletions(string name) => name.Length >= TwoEditLength ? 2 : 1;

    /// <summary>The keys of every deletion of <paramref name="name"/> (repeats included: the table leaves them out).</summary>
    private static void KeysOf(string name, int id, Span<Key> keys)
    {
        var n = name.Length;
        Span<ulong> prefix = stackalloc ulong[n + 1];
        Span<ulong> without = stackalloc ulong[n];
        PrefixHashes(name, prefix, without);
        var whole = prefix[n];
        var count = 0;
        keys[count++] = new Key(Mix(whole), PartitionOf(n, name[0]), id);
        for (var i = 0; i < n; i++) keys[count++] = new Key(Mix(whole + without[i]), PartitionOf(n - 1, name[i == 0 ? 1 : 0]), id);
        if (MaxDeletions(name) == 2)
        {
            Span<ulong> shifted = stackalloc ulong[n];
            ShiftedDeletions(prefix, shifted);
            for (var i = 0; i < n - 1; i++)
            {
                for (var j = i + 1; j < n; j++)
                {
                    var first = i > 0 ? name[0] : j == 1 ? name[2] : name[1];
                    keys[count++] = new Key(Mix(whole + shifted[i] + without[j]), PartitionOf(n - 2, first), id);
                }
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

    /// <summary>1 when the filter may hold <paramref name="hash"/>, 0 when it surely does not.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int MayContain(ulong hash, Partition partition)
    {
        var bits = FilterBits(hash);
        return (filter[partition.FilterStart + WordOf(hash, partition)] & bits) == bits ? 1 : 0;
    }

    /// <summary>The hash's high half, never 0 (0 marks an empty slot); the low bits pick the slot.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Fingerprint(ulong hash) => (uint)(hash >> 32) | 1;

    /// <summary>The filter word: from the middle of the hash, apart from the slot's low bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int WordOf(ulong hash, Partition partition) => (int)(hash >> 20) & partition.FilterMask;

    /// <summary>Two bits of the filter word, from the top of the hash (shifts take the low 6 bits of the count).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong FilterBits(ulong hash) => (1UL << (int)(hash >> 52)) | (1UL << (int)(hash >> 58));

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
    /// The polynomial hash of <paramref name="s"/> (<c>prefix[n]</c>, with <c>prefix[k]</c> the hash of its first k
    /// characters) and, for each position k, what deleting <c>s[k]</c> adds to it: deleting s[k] leaves the
    /// characters after k where they were and moves those before it one power down, so the hash becomes
    /// prefix[k]·Bⁿ⁻¹⁻ᵏ + (prefix[n] − prefix[k+1]·Bⁿ⁻¹⁻ᵏ) = prefix[n] + without[k], with
    /// without[k] = (prefix[k] − prefix[k+1])·Bⁿ⁻¹⁻ᵏ. One add per deletion instead of assembling the string's hash;
    /// all arithmetic is modulo 2⁶⁴, where it is exact.
    /// </summary>
    private static void PrefixHashes(string s, Span<ulong> prefix, Span<ulong> without)
    {
        var n = s.Length;
        prefix[0] = 0;
        for (var k = 0; k < n; k++) prefix[k + 1] = prefix[k] * Base + s[k];
        for (var k = 0; k < n; k++) without[k] = (prefix[k] - prefix[k + 1]) * Powers[n - 1 - k];
    }

    /// <summary>
    /// For two deletions s[i] and s[j], i &lt; j: deleting s[j] adds without[j] and moves everything before j one power
    /// down; deleting s[i] from that adds without[i] one power down, shifted[i] = (prefix[i] − prefix[i+1])·Bⁿ⁻²⁻ⁱ.
    /// So s without s[i] and s[j] hashes to prefix[n] + shifted[i] + without[j].
    /// </summary>
    private static void ShiftedDeletions(ReadOnlySpan<ulong> prefix, Span<ulong> shifted)
    {
        var n = prefix.Length - 1;
        for (var k = 0; k < n - 1; k++) shifted[k] = (prefix[k] - prefix[k + 1]) * Powers[n - 2 - k];
    }

    /// <summary>Writes a probe at the end of the survivor list and keeps it when the partition's filter may hold it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Offer(int partitionId, ulong hash, Span<int> partitionIds, Span<ulong> hashes, ref int survivors)
    {
        partitionIds[survivors] = partitionId;
        hashes[survivors] = hash;
        survivors += MayContain(hash, partitions[partitionId]);
    }

    /// <summary>
    /// Spreads the polynomial hash's bits down into the low half (the slot) and keeps them well mixed at the top (the
    /// filter bits and fingerprint). One multiply, not a full finalizer: it runs 100 million times in a pass over PyPI,
    /// and a weak spot only costs an extra candidate. The length needs no mixing in: a partition holds one length.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong hash)
    {
        hash *= 0xFF51AFD7ED558CCDUL;
        return hash ^ (hash >> 29);
    }

    private static ulong[] BuildPowers(int count)
    {
        var powers = new ulong[count];
        powers[0] = 1;
        for (var i = 1; i < count; i++) powers[i] = powers[i - 1] * Base;
        return powers;
    }
}
