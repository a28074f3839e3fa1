using System.Collections.Frozen;

namespace Moat.Benchmarks;

/// <summary>
/// PyPI's own typo check, re-described from warehouse/packaging/typosnyper.py (`typo_check_name`) for comparison:
/// on a canonical (PEP 503) name it tries, in order and returning the first hit, (1) removing one of two identical
/// neighbouring characters, (2) for names of 4+ characters, inserting any of a-z, 0-9, '.', '-', '_' at any position,
/// (3) swapping two neighbouring characters, (4) every permutation of the '-'-separated words (2 to 8 words), and
/// (5) replacing each character by its entries in a fixed QWERTY/visual typo map (which includes "" = deletion),
/// each result looked up in a set of popular names. Only exact set membership; no scoring, no popularity gap.
/// </summary>
public sealed class WarehouseTypoCheck
{
    public enum Check { RepeatedCharacters, OmittedCharacters, SwappedCharacters, SwappedWords, CommonTypos }

    private const string Allowed = "abcdefghijklmnopqrstuvwxyz1234567890.-_";

    // warehouse's _TYPO_MAP, as published.
    private static readonly FrozenDictionary<char, string[]> TypoMap = new Dictionary<char, string[]>
    {
        ['1'] = ["2", "q", "i", "l"], ['2'] = ["1", "q", "w", "3"], ['3'] = ["2", "w", "e", "4"], ['4'] = ["3", "e", "r", "5"],
        ['5'] = ["4", "r", "t", "6", "s"], ['6'] = ["5", "t", "y", "7"], ['7'] = ["6", "y", "u", "8"], ['8'] = ["7", "u", "i", "9"],
        ['9'] = ["8", "i", "o", "0"], ['0'] = ["9", "o", "p", "-"], ['-'] = ["_", "0", "p", ".", ""], ['_'] = ["-", "0", "p", ".", ""],
        ['q'] = ["1", "2", "w", "a"], ['w'] = ["2", "3", "e", "s", "a", "q", "vv"], ['e'] = ["3", "4", "r", "d", "s", "w"],
        ['r'] = ["4", "5", "t", "f", "d", "e"], ['t'] = ["5", "6", "y", "g", "f", "r"], ['y'] = ["6", "7", "u", "h", "t", "i"],
        ['u'] = ["7", "8", "i", "j", "y", "v"], ['i'] = ["1", "8", "9", "o", "l", "k", "j", "u", "y"], ['o'] = ["9", "0", "p", "l", "i"],
        ['p'] = ["0", "-", "o"], ['a'] = ["q", "w", "s", "z"], ['s'] = ["w", "d", "x", "z", "a", "5"], ['d'] = ["e", "r", "f", "c", "x", "s"],
        ['f'] = ["r", "g", "v", "c", "d"], ['g'] = ["t", "h", "b", "v", "f"], ['h'] = ["y", "j", "n", "b", "g"],
        ['j'] = ["u", "i", "k", "m", "n", "h"], ['k'] = ["i", "o", "l", "m", "j"], ['l'] = ["i", "o", "p", "k", "1"],
        ['z'] = ["a", "s", "x"], ['x'] = ["z", "s", "d", "c"], ['c'] = ["x", "d", "f", "v"], ['v'] = ["c", "f", "g", "b", "u"],
        ['b'] = ["v", "g", "h", "n"], ['n'] = ["b", "h", "j", "m"], ['m'] = ["n", "j", "k", "rn"], ['.'] = ["-", "_", ""],
    }.ToFrozenDictionary();

    private readonly HashSet<string> popular;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> lookup;

    public WarehouseTypoCheck(IEnumerable<string> popularNames)
    {
        popular = new HashSet<string>(popularNames, StringComparer.Ordinal);
        lookup = popular.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public bool IsPopular(string name) => popular.Contains(name);

    /// <summary>The first check that matches and the popular name it found, or null.</summary>
    public (Check Check, string Target)? TypoCheckName(string name)
    {
        Span<char> buffer = stackalloc char[name.Length + 2];
        if (Repeated(name, buffer) is { } a) return (Check.RepeatedCharacters, a);
        if (Omitted(name, buffer) is { } b) return (Check.OmittedCharacters, b);
        if (Swapped(name, buffer) is { } c) return (Check.SwappedCharacters, c);
        if (SwappedWords(name) is { } d) return (Check.SwappedWords, d);
        if (CommonTypos(name, buffer) is { } e) return (Check.CommonTypos, e);
        return null;
    }

    private string? Found(ReadOnlySpan<char> candidate) => lookup.TryGetValue(candidate, out var hit) ? hit : null;

    private string? Repeated(string name, Span<char> buffer)
    {
        for (var i = 0; i + 1 < name.Length; i++)
        {
            if (name[i + 1] != name[i]) continue;
            name.AsSpan(0, i).CopyTo(buffer);
            name.AsSpan(i + 1).CopyTo(buffer[i..]);
            if (Found(buffer[..(name.Length - 1)]) is { } hit) return hit;
        }
        return null;
    }

    private string? Omitted(string name, Span<char> buffer)
    {
        if (name.Length < 4) return null;
        for (var i = 0; i <= name.Length; i++)
        {
            name.AsSpan(0, i).CopyTo(buffer);
            name.AsSpan(i).CopyTo(buffer[(i + 1)..]);
            foreach (var c in Allowed)
            {
                buffer[i] = c;
                if (Found(buffer[..(name.Length + 1)]) is { } hit) return hit;
            }
        }
        return null;
    }

    private string? Swapped(string name, Span<char> buffer)
    {
        for (var i = 0; i + 1 < name.Length; i++)
        {
            name.AsSpan().CopyTo(buffer);
            (buffer[i], buffer[i + 1]) = (buffer[i + 1], buffer[i]);
            if (Found(buffer[..name.Length]) is { } hit) return hit;
        }
        return null;
    }

    private string? SwappedWords(string name)
    {
        var tokens = name.Split('-');
        if (tokens.Length < 2 || tokens.Length > 8) return null;
        foreach (var permutation in Permutations(tokens, 0))
        {
            if (Found(string.Join('-', permutation)) is { } hit) return hit;
        }
        return null;
    }

    private static IEnumerable<string[]> Permutations(string[] items, int from)
    {
        if (from == items.Length - 1) { yield return items; yield break; }
        for (var i = from; i < items.Length; i++)
        {
            (items[from], items[i]) = (items[i], items[from]);
            foreach (var p in Permutations(items, from + 1)) yield return p;
            (items[from], items[i]) = (items[i], items[from]);
        }
    }

    private string? CommonTypos(string name, Span<char> buffer)
    {
        Span<char> wide = stackalloc char[name.Length + 1];
        for (var i = 0; i < name.Length; i++)
        {
            if (!TypoMap.TryGetValue(name[i], out var replacements)) continue;
            foreach (var replacement in replacements)
            {
                name.AsSpan(0, i).CopyTo(wide);
                replacement.AsSpan().CopyTo(wide[i..]);
                name.AsSpan(i + 1).CopyTo(wide[(i + replacement.Length)..]);
                if (Found(wide[..(name.Length - 1 + replacement.Length)]) is { } hit) return hit;
            }
        }
        return null;
    }
}
