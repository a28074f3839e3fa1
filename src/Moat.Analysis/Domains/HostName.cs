using System.Globalization;

namespace Moat.Analysis.Domains;

/// <summary>A host in both of its spellings: the ASCII (punycode) form DNS uses and the Unicode form a reader sees.</summary>
public readonly record struct NormalizedHost(string Ascii, string Unicode)
{
    /// <summary>True when the host has an internationalized (xn--) label.</summary>
    public bool IsInternationalized => !ReferenceEquals(Ascii, Unicode) && Ascii != Unicode;
}

/// <summary>
/// Host-name rules (RFC 1123 letters-digits-hyphen labels, 63/253 limits) and IDNA conversion through
/// <see cref="IdnMapping"/> (UTS #46, the mapping browsers apply: fullwidth letters, upper case and ideographic full
/// stops fold before punycode).
/// </summary>
public static class HostName
{
    public const int MaxLength = 253;
    public const int MaxLabelLength = 63;

    /// <summary>Lower-cases and validates <paramref name="raw"/>, converting Unicode labels to punycode and back.</summary>
    public static bool TryNormalize(string raw, out NormalizedHost host)
    {
        host = default;
        var text = raw.AsSpan().Trim().TrimEnd('.');
        if (text.IsEmpty || text.Length > 4 * MaxLength) return false;

        if (System.Text.Ascii.IsValid(text))
        {
            // The common case, an already clean lower-case host, keeps the caller's string: no copy per host.
            var ascii = text.Length == raw.Length && !text.ContainsAnyInRange('A', 'Z') ? raw : LowerAscii(text);
            if (!IsValidAscii(ascii)) return false;
            if (!ascii.Contains("xn--", StringComparison.Ordinal))
            {
                host = new NormalizedHost(ascii, ascii);
                return true;
            }
            var unicode = TryGetUnicode(ascii);
            if (unicode is null) return false;
            host = new NormalizedHost(ascii, unicode);
            return true;
        }

        var punycode = TryGetAscii(text.ToString());
        if (punycode is null || !IsValidAscii(punycode)) return false;
        var display = TryGetUnicode(punycode);
        if (display is null) return false;
        host = new NormalizedHost(punycode, display);
        return true;
    }

    /// <summary>True for an ASCII host of valid LDH labels (lower or upper case), at least two labels long.</summary>
    public static bool IsValidAscii(ReadOnlySpan<char> host)
    {
        if (host.IsEmpty || host.Length > MaxLength || host.IndexOf('.') < 0) return false;
        foreach (var range in host.Split('.'))
        {
            if (!IsValidLabel(host[range])) return false;
        }
        return true;
    }

    /// <summary>
    /// One LDH label: 1–63 characters, letters, digits and hyphens, no hyphen at either end, and no <c>??--</c>
    /// unless it is a well-formed <c>xn--</c> label (IDNA reserves the others).
    /// </summary>
    public static bool IsValidLabel(ReadOnlySpan<char> label)
    {
        if (label.IsEmpty || label.Length > MaxLabelLength || label[0] == '-' || label[^1] == '-') return false;
        foreach (var c in label)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '-')) return false;
        }
        if (label.Length >= 4 && label[2] == '-' && label[3] == '-')
        {
            return label.StartsWith("xn--", StringComparison.OrdinalIgnoreCase) && TryGetUnicode(label.ToString()) is not null;
        }
        return true;
    }

    /// <summary>Punycode for a Unicode host, or null when IDNA (UTS #46, STD3 rules) rejects it.</summary>
    public static string? TryGetAscii(string unicode)
    {
        try
        {
            return NewMapping().GetAscii(unicode).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The Unicode form of a punycode host, or null when a label does not decode.</summary>
    public static string? TryGetUnicode(string ascii)
    {
        try
        {
            return NewMapping().GetUnicode(ascii);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static string LowerAscii(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (char.IsAsciiLetterUpper(c)) return text.ToString().ToLowerInvariant();
        }
        return text.ToString();
    }

    // IdnMapping's thread safety is not documented; one per call is cheap and only IDN hosts pay for it.
    private static IdnMapping NewMapping() => new() { AllowUnassigned = false, UseStd3AsciiRules = true };
}
