namespace Moat.Analysis.Code;

/// <summary>
/// One string per distinct token spelling (identifiers, operators): an open-addressing table looked up by a span of
/// the source, so that a token's text is made once per spelling rather than once per occurrence. A dictionary with an
/// alternate span lookup did the same at about twice the cost per token (a fifth of parsing typical code): this one
/// probes one array of hashes and compares a string only when the hash matches.
/// </summary>
internal sealed class SpellingTable
{
    private const int InitialSize = 1 << 10;
    private const int MaxProbes = 128;

    private string?[] _spellings = new string?[InitialSize];
    private int[] _hashes = new int[InitialSize];

    public int Count { get; private set; }

    /// <summary>Characters of the spellings held.</summary>
    public long Chars { get; private set; }

    /// <summary>Slots allocated: a table a huge file grew stays that large until cleared and let go.</summary>
    public int Capacity => _spellings.Length;

    public string Intern(ReadOnlySpan<char> span)
    {
        var hash = Hash(span);
        var mask = _spellings.Length - 1;
        var slot = hash & mask;
        for (var probe = 0; probe < MaxProbes; probe++, slot = (slot + 1) & mask)
        {
            var known = _spellings[slot];
            if (known is null)
            {
                var text = span.ToString();
                _spellings[slot] = text;
                _hashes[slot] = hash;
                Count++;
                Chars += text.Length;
                if (Count * 2 > _spellings.Length) Grow();
                return text;
            }
            if (_hashes[slot] == hash && span.SequenceEqual(known)) return known;
        }
        // A run of colliding spellings (which a file can be crafted to have): a string of its own, not a longer search.
        return span.ToString();
    }

    public void Clear()
    {
        Array.Clear(_spellings);
        Count = 0;
        Chars = 0;
    }

    private void Grow()
    {
        var spellings = _spellings;
        var hashes = _hashes;
        _spellings = new string?[spellings.Length * 2];
        _hashes = new int[spellings.Length * 2];
        var mask = _spellings.Length - 1;
        for (var i = 0; i < spellings.Length; i++)
        {
            if (spellings[i] is not { } text) continue;
            var slot = hashes[i] & mask;
            while (_spellings[slot] is not null) slot = (slot + 1) & mask;
            _spellings[slot] = text;
            _hashes[slot] = hashes[i];
        }
    }

    // FNV-1a over the characters, mixed, non-negative: spellings are short. Names crafted to collide cost at most MaxProbes
    // comparisons each and are then simply not shared.
    internal static int Hash(ReadOnlySpan<char> span)
    {
        var hash = 2166136261u;
        foreach (var c in span) hash = (hash ^ c) * 16777619u;
        // FNV's multiply carries a character's bits only upward; the table indexes by the low bits, so mix them down.
        hash ^= hash >> 16;
        hash *= 0x85EBCA6Bu;
        hash ^= hash >> 13;
        return (int)(hash & int.MaxValue);
    }
}
