using System.Text;
using Moat.Analysis.Text;

namespace Moat.Analysis.Domains.Generation;

/// <summary>Labels that look the same as the original: ASCII look-alike sequences (<c>rn</c> for <c>m</c>,
/// <c>1</c> for <c>l</c>) and IDN homoglyphs from the Unicode confusables table (Cyrillic <c>р</c> for <c>p</c>).</summary>
public static class LookalikeTechniques
{
    /// <summary>ASCII look-alikes (shared table <see cref="AsciiLookalikes"/>), lower-cased: <c>pypl</c>, <c>pyp1</c>.</summary>
    public static IEnumerable<LabelVariant> AsciiLookalike(string label)
    {
        foreach (var (variant, from, to) in AsciiLookalikes.Variants(label))
        {
            yield return new(variant.ToLowerInvariant(), $"{from}→{to}");
        }
    }

    /// <summary>
    /// Unicode homoglyphs: each character replaced by each confusable that reads as it (one position at a time),
    /// then the whole label in Cyrillic and in Greek where every letter has a same-script twin — the form registries
    /// that forbid mixed scripts still accept (<c>рур</c>…). The generator keeps only those IDNA accepts and that do
    /// not fold back to ASCII.
    /// </summary>
    public static IEnumerable<LabelVariant> Homoglyph(string label)
    {
        var skeleton = Confusables.Fold(label);
        for (var i = 0; i < label.Length; i++)
        {
            foreach (var glyph in Confusables.LookalikesOf(label[i].ToString()))
            {
                if (glyph.Length == 1 && glyph[0] < 0x80) continue;
                var variant = AsRegistered(string.Concat(label.AsSpan(0, i), glyph, label.AsSpan(i + 1)), skeleton);
                if (variant is not null) yield return new(variant, $"{label[i]}→{glyph} U+{char.ConvertToUtf32(glyph, 0):X4}");
            }
        }
        // Two letters at once from the script phishers use most (руpi.org: Cyrillic р and у, Latin p and i).
        for (var i = 0; i < label.Length; i++)
        {
            if (Twin(label[i], 0x0400, 0x052F) is not { } first) continue;
            for (var j = i + 1; j < label.Length; j++)
            {
                if (Twin(label[j], 0x0400, 0x052F) is not { } second) continue;
                var pair = label[..i] + first + label[(i + 1)..j] + second + label[(j + 1)..];
                if (AsRegistered(pair, skeleton) is { } registered) yield return new(registered, $"{label[i]}→{first}, {label[j]}→{second} (Cyrillic)");
            }
        }
        if (WholeScript(label, 0x0400, 0x052F) is { } cyrillic && AsRegistered(cyrillic, skeleton) is { } c) yield return new(c, "whole label in Cyrillic");
        if (WholeScript(label, 0x0370, 0x03FF) is { } greek && AsRegistered(greek, skeleton) is { } g) yield return new(g, "whole label in Greek");
    }

    /// <summary>
    /// The label as IDNA would register it (UTS #46 lower-cases and folds compatibility forms), or null when IDNA
    /// rejects it, folds it back to ASCII, or folds it to something that no longer reads as the original: a capital
    /// Cyrillic <c>Ь</c> reads as <c>b</c>, but the lower-case <c>ь</c> IDNA turns it into does not.
    /// </summary>
    private static string? AsRegistered(string label, string skeleton)
    {
        var ascii = HostName.TryGetAscii(label);
        if (ascii is null || !ascii.StartsWith("xn--", StringComparison.Ordinal) || !HostName.IsValidLabel(ascii)) return null;
        var registered = HostName.TryGetUnicode(ascii);
        return registered is not null && Confusables.Fold(registered) == skeleton ? registered : null;
    }

    /// <summary>The first lower-case confusable of <paramref name="c"/> in the code-point block [first, last], or null.</summary>
    private static string? Twin(char c, int first, int last) =>
        Confusables.LookalikesOf(c.ToString()).FirstOrDefault(g => char.ConvertToUtf32(g, 0) is var cp && cp >= first && cp <= last && char.IsLower(g, 0));

    /// <summary>The label with every letter replaced by a twin from one script block, or null when a letter has none.</summary>
    private static string? WholeScript(string label, int first, int last)
    {
        var builder = new StringBuilder(label.Length);
        foreach (var c in label)
        {
            if (!char.IsAsciiLetter(c))
            {
                builder.Append(c);
                continue;
            }
            if (Twin(c, first, last) is not { } twin) return null;
            builder.Append(twin);
        }
        return builder.ToString();
    }
}
