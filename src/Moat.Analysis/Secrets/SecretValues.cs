using System.Text.RegularExpressions;

namespace Moat.Analysis.Secrets;

/// <summary>Shared judgements about candidate values: placeholders, entropy, character classes.</summary>
public static partial class SecretValues
{
    /// <summary>
    /// True for values that are clearly not a live secret: empty, variables and templates (<c>${VAR}</c>, <c>$VAR</c>,
    /// <c>{{ x }}</c>, <c>%(x)s</c>, <c>&lt;token&gt;</c>), masks (<c>****</c>) and example words.
    /// </summary>
    public static bool IsPlaceholder(string value)
    {
        var v = value.Trim().Trim('"', '\'');
        if (v.Length == 0) return true;
        if (v[0] is '$' or '<' or '%' or '{' or '[' || v.Contains("${", StringComparison.Ordinal) || v.Contains("{{", StringComparison.Ordinal)
            || v.Contains("%(", StringComparison.Ordinal) || v.Contains("$(", StringComparison.Ordinal)
            || v.StartsWith("@@", StringComparison.Ordinal)) return true;
        return PlaceholderWord().IsMatch(v) || RepeatedChar().IsMatch(v);
    }

    /// <summary>Shannon entropy in bits per character.</summary>
    public static double Entropy(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty) return 0;
        Span<int> counts = stackalloc int[128];
        var other = 0;
        foreach (var c in value)
        {
            if (c < 128) counts[c]++;
            else other++;
        }
        double entropy = 0;
        foreach (var count in counts)
        {
            if (count == 0) continue;
            var p = (double)count / value.Length;
            entropy -= p * Math.Log2(p);
        }
        if (other > 0)
        {
            var p = (double)other / value.Length;
            entropy -= p * Math.Log2(p);
        }
        return entropy;
    }

    /// <summary>How many of lower-case, upper-case and digit classes the value mixes.</summary>
    public static int CharacterClasses(ReadOnlySpan<char> value)
    {
        bool lower = false, upper = false, digit = false;
        foreach (var c in value)
        {
            lower |= char.IsAsciiLetterLower(c);
            upper |= char.IsAsciiLetterUpper(c);
            digit |= char.IsAsciiDigit(c);
        }
        return (lower ? 1 : 0) + (upper ? 1 : 0) + (digit ? 1 : 0);
    }

    [GeneratedRegex(@"example|sample|dummy|changeme|change_me|placeholder|your[_-]?|xxxx|fake|redacted|secret_here|token_here|insert|replace|not[_-]?a[_-]?real|^(none|null|true|false|password|secret|token)$|^test", RegexOptions.IgnoreCase)]
    private static partial Regex PlaceholderWord();

    [GeneratedRegex(@"^(.)\1{5,}$|\*{3,}|\.\.\.")]
    private static partial Regex RepeatedChar();
}
