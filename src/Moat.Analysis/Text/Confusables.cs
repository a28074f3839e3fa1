using System.Collections.Frozen;
using System.Globalization;
using System.Text;

namespace Moat.Analysis.Text;

/// <summary>
/// Unicode UTS #39 confusables (data/confusables.txt, embedded): the "skeleton" of a string, under which two strings
/// that look alike compare equal (<c>раураl</c> in Cyrillic and <c>paypal</c>). Shared by the name and domain engines.
/// </summary>
public static class Confusables
{
    private static readonly Lazy<FrozenDictionary<int, string>> Table = new(Load);

    /// <summary>The number of mappings loaded (for tests and diagnostics).</summary>
    public static int Count => Table.Value.Count;

    /// <summary>UTS #39 skeleton: NFD, map every code point through the table, NFD again.</summary>
    public static string Skeleton(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (IsAsciiWithoutMappings(text)) return text;

        var decomposed = text.Normalize(NormalizationForm.FormD);
        var table = Table.Value;
        var builder = new StringBuilder(decomposed.Length);
        foreach (var rune in decomposed.EnumerateRunes())
        {
            if (table.TryGetValue(rune.Value, out var mapped)) builder.Append(mapped);
            else builder.Append(rune.ToString());
        }
        return builder.ToString().Normalize(NormalizationForm.FormD);
    }

    /// <summary>
    /// A lookalike key for names and hosts: NFKC first (fullwidth and compatibility forms, as IDNA does for hosts),
    /// then the skeleton, then lowercase. Two strings with the same key look the same to a reader.
    /// </summary>
    public static string Fold(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (IsAsciiWithoutMappings(text)) return text;
        return Skeleton(text.Normalize(NormalizationForm.FormKC)).ToLowerInvariant();
    }

    private static readonly Lazy<FrozenDictionary<string, string[]>> Reverse = new(() =>
        Table.Value.GroupBy(p => p.Value, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.Select(p => p.Key).Order().Select(char.ConvertFromUtf32).ToArray(), StringComparer.Ordinal));

    /// <summary>
    /// The characters whose skeleton is exactly <paramref name="prototype"/> (e.g. Cyrillic <c>р</c>, Greek <c>ρ</c>
    /// and others for <c>p</c>), in code-point order: the table read backwards, for generating homoglyph lookalikes.
    /// </summary>
    public static IReadOnlyList<string> LookalikesOf(string prototype) =>
        Reverse.Value.TryGetValue(prototype, out var sources) ? sources : [];

    /// <summary>True when the text holds any character outside ASCII: the cheap test before a skeleton is needed.</summary>
    public static bool HasNonAscii(ReadOnlySpan<char> text) => !Ascii.IsValid(text);

    /// <summary>
    /// The table maps a few ASCII characters too (<c>m</c> → <c>rn</c>, <c>1</c> → <c>l</c>, <c>0</c> → <c>O</c>), so only
    /// lowercase letters other than m, and the separators, are known to map to themselves.
    /// </summary>
    private static bool IsAsciiWithoutMappings(string text)
    {
        foreach (var c in text)
        {
            if (c is >= 'a' and <= 'z' && c != 'm' || c is '-' or '.' or '_') continue;
            if (c >= 0x80) return false;
            if (Table.Value.ContainsKey(c)) return false;
        }
        return true;
    }

    private static FrozenDictionary<int, string> Load()
    {
        using var stream = typeof(Confusables).Assembly.GetManifestResourceStream("Moat.Data.confusables.txt")
            ?? throw new InvalidOperationException("embedded confusables.txt is missing");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var map = new Dictionary<int, string>();
        while (reader.ReadLine() is { } line)
        {
            // Format: "source ; target ; type # comment", code points in hex, target possibly several.
            var hash = line.IndexOf('#');
            var data = (hash >= 0 ? line.AsSpan(0, hash) : line.AsSpan()).Trim();
            if (data.IsEmpty) continue;
            var parts = data.ToString().Split(';');
            if (parts.Length < 2) continue;
            if (!int.TryParse(parts[0].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var source)) continue;
            var target = new StringBuilder();
            foreach (var hex in parts[1].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (int.TryParse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var cp)) target.Append(char.ConvertFromUtf32(cp));
            }
            map[source] = target.ToString();
        }
        return map.ToFrozenDictionary();
    }
}
