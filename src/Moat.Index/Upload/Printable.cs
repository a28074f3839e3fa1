using System.Globalization;
using System.Text;

namespace Moat.Index.Upload;

/// <summary>
/// Text from an upload made safe to show: filenames are held to the characters distribution filenames use, and
/// anything else quoted back to the uploader or written to the log is escaped, so no control character, bidi
/// override (U+202E) or NUL is ever echoed raw.
/// </summary>
public static class Printable
{
    /// <summary>
    /// Why an uploaded filename is refused, or null. Wheel and sdist filenames are ASCII letters, digits and
    /// <c>. _ - + !</c> (PEP 427, PEP 625, PEP 440's local and epoch marks); anything else — a path separator, NUL, a
    /// bidi override that makes <c>evil‮lhw.exe</c> read as something else, markup — has no business in one.
    /// </summary>
    public static string? FilenameRefusal(string filename)
    {
        if (filename.Length > 255) return $"Invalid filename '{Escape(filename[..64])}…': longer than 255 characters.";
        foreach (var rune in filename.EnumerateRunes())
        {
            if (rune.IsAscii && (char.IsAsciiLetterOrDigit((char)rune.Value) || rune.Value is '.' or '_' or '-' or '+' or '!')) continue;
            return $"Invalid filename '{Escape(filename)}': {Describe(rune)} is not allowed; distribution filenames use ASCII letters, digits and . _ - + ! only.";
        }
        return null;
    }

    /// <summary>Printable ASCII kept; everything else as <c>\u202E</c> (or <c>\U0001F600</c>), backslashes doubled.</summary>
    public static string Escape(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.Value == '\\') builder.Append(@"\\");
            else if (rune.Value is >= ' ' and <= '~') builder.Append((char)rune.Value);
            else builder.Append(rune.Value <= 0xFFFF ? $"\\u{rune.Value:X4}" : $"\\U{rune.Value:X8}");
        }
        return builder.ToString();
    }

    /// <summary>"U+202E (a bidirectional control)", "'&lt;'", "U+0000 (a control character)".</summary>
    private static string Describe(Rune rune)
    {
        var category = Rune.GetUnicodeCategory(rune);
        var code = $"U+{rune.Value:X4}";
        if (rune.Value is '/' or '\\') return $"'{(char)rune.Value}' (a path separator)";
        if (rune.Value is > ' ' and <= '~') return $"'{(char)rune.Value}' ({code})";
        if (IsBidiControl(rune.Value)) return $"{code} (a bidirectional text control)";
        return category switch
        {
            UnicodeCategory.Control => $"{code} (a control character)",
            UnicodeCategory.Format => $"{code} (an invisible formatting character)",
            UnicodeCategory.SpaceSeparator => $"{code} (a space)",
            _ => $"{code} (not ASCII)",
        };
    }

    private static bool IsBidiControl(int c) => c is 0x061C or 0x200E or 0x200F or (>= 0x202A and <= 0x202E) or (>= 0x2066 and <= 0x2069);
}
