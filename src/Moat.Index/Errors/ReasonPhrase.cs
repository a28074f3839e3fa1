using System.Globalization;
using System.Text;

namespace Moat.Index.Errors;

/// <summary>
/// The HTTP reason phrase of a refusal, which is what twine and pip print ("400 Bad Request … &lt;reason&gt;", "403 Client
/// Error: &lt;reason&gt; for url"). A reason phrase is one line of ASCII in practice: HTTP allows other bytes only as opaque
/// <c>obs-text</c>, Kestrel writes ASCII, and Python decodes the line as Latin-1, so UTF-8 would arrive as mojibake. The
/// message is therefore rendered in readable ASCII here — arrows, dashes, quotes and ellipses as their usual ASCII
/// spellings, accented letters without their accents, anything else as <c>U+2192</c> — while the response body, in
/// UTF-8 with its charset, carries the exact text (twine prints it with <c>--verbose</c>).
/// </summary>
public static class ReasonPhrase
{
    public const int MaxLength = 400;

    public static string From(string message)
    {
        var builder = new StringBuilder(Math.Min(message.Length, MaxLength));
        foreach (var rune in message.EnumerateRunes())
        {
            var text = Ascii(rune);
            if (builder.Length + text.Length > MaxLength) break;
            builder.Append(text);
        }
        return builder.ToString();
    }

    private static string Ascii(Rune rune)
    {
        if (rune.Value is >= ' ' and <= '~') return ((char)rune.Value).ToString();
        switch (rune.Value)
        {
            case '\t' or '\n' or '\r' or 0xA0 or 0x2007 or 0x202F: return " ";
            case 0x2192 or 0x27F6: return "->";
            case 0x2190 or 0x27F5: return "<-";
            case 0x21D2: return "=>";
            case 0x2194: return "<->";
            case 0x2026: return "...";
            case 0x2014 or 0x2015: return "--";
            case 0x2010 or 0x2011 or 0x2012 or 0x2013 or 0x2212: return "-";
            case 0x2018 or 0x2019 or 0x201A or 0x2032: return "'";
            case 0x201C or 0x201D or 0x201E or 0x2033: return "\"";
            case 0xAB: return "<<";
            case 0xBB: return ">>";
            case 0xD7: return "x";
            case 0x2264: return "<=";
            case 0x2265: return ">=";
            case 0x2260: return "!=";
            case 0x2022 or 0xB7: return "*";
        }
        // A letter with a diacritic keeps its base letter (é → e); the marks themselves go.
        var decomposed = rune.ToString().Normalize(NormalizationForm.FormD);
        if (decomposed.Length > 1 && decomposed[0] is >= 'A' and <= 'z' && char.IsAsciiLetter(decomposed[0])
            && decomposed.Skip(1).All(c => CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark))
            return decomposed[0].ToString();
        return $"U+{rune.Value:X4}";
    }
}
