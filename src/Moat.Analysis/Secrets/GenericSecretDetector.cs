using System.Text.RegularExpressions;

namespace Moat.Analysis.Secrets;

/// <summary>
/// High-entropy literals assigned to secret-like names (<c>API_KEY = "…"</c>, <c>password: …</c>). Tuned for precision:
/// placeholders, variables, templates, identifiers, paths and low-entropy words are skipped.
/// </summary>
public static partial class GenericSecretDetector
{
    public static readonly Rule Rule = new(
        "MOAT-SECRET-012",
        "generic-secret",
        "A high-entropy literal assigned to a secret-like name (password, token, api_key, secret).",
        Severity.Medium,
        "Not every credential has a recognisable format. Moat reports literals of 16 or more characters that mix letters " +
        "and digits with high entropy (over 3.5 bits per character) when they are assigned to a name such as password, " +
        "secret, token or api_key — and skips environment lookups, templates, placeholders and example values. Move the " +
        "value to a secret store or environment variable and rotate it.",
        ["https://owasp.org/www-project-top-ten/2017/A3_2017-Sensitive_Data_Exposure"]);

    private static readonly string[] KeywordList =
        ["secret", "token", "passw", "api_key", "apikey", "api-key", "access_key", "auth_key", "credential", "private_key", "pwd"];

    private static readonly System.Buffers.SearchValues<string> Keywords = System.Buffers.SearchValues.Create(KeywordList, StringComparison.OrdinalIgnoreCase);

    public static readonly SecretDetector Detector = new("generic", KeywordList, Scan, ignoreCase: true);

    private static void Scan(string text, string fileName, List<SecretHit> hits)
    {
        if (IsNoisyFile(fileName)) return;
        // Linear: find each keyword with one vectorised search, widen it to the whole name by hand, and only then try
        // an anchored (\G) match of "= value" right after the name. Most keywords (token_type, secret_name) stop early.
        var position = 0;
        while (position < text.Length)
        {
            var found = text.AsSpan(position).IndexOfAny(Keywords);
            if (found < 0) break;
            var at = position + found;
            var nameStart = at;
            while (nameStart > 0 && IsNameChar(text[nameStart - 1])) nameStart--;
            var nameEnd = at;
            while (nameEnd < text.Length && IsNameChar(text[nameEnd])) nameEnd++;
            position = Math.Max(nameEnd, at + 1);
            if (nameEnd - nameStart > 80 || !SecretName().IsMatch(text.AsSpan(nameStart, nameEnd - nameStart))) continue;
            var m = ValueAfterName().Match(text, nameEnd);
            if (!m.Success) continue;
            var value = m.Groups["value"];
            if (!LooksSecret(value.Value)) continue;
            hits.Add(new SecretHit(Rule, Rule.Severity, Confidence.Medium, $"high-entropy value assigned to '{text[nameStart..nameEnd]}'",
                value.Index, value.Length, value.Value));
            position = value.Index + value.Length;
        }
    }

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-';

    public static bool LooksSecret(string value)
    {
        if (value.Length < 16 || SecretValues.IsPlaceholder(value)) return false;
        if (Identifier().IsMatch(value) || value.Contains("://", StringComparison.Ordinal) || value.StartsWith('/') || value.StartsWith("./", StringComparison.Ordinal)) return false;
        if (SecretValues.CharacterClasses(value) < 2 || value.Count(char.IsAsciiDigit) < 2) return false;
        return SecretValues.Entropy(value) >= 3.5;
    }

    private static bool IsNoisyFile(string fileName) =>
        fileName.EndsWith(".lock", StringComparison.OrdinalIgnoreCase) || fileName.EndsWith("lock.json", StringComparison.OrdinalIgnoreCase)
        || fileName.EndsWith(".min.js", StringComparison.OrdinalIgnoreCase) || fileName.EndsWith(".map", StringComparison.OrdinalIgnoreCase)
        || fileName.EndsWith(".svg", StringComparison.OrdinalIgnoreCase);

    // The name must end in a secret-like word: api_key, DB_PASSWORD, client.secret — not token_type or secret_name.
    [GeneratedRegex(@"(?:secret|token|passw(?:or)?d|api[_-]?key|access[_-]?key|auth[_-]?key|credentials?|private[_-]?key|pwd)$", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    // Right after the name: an optional closing quote, an assignment operator, and a quoted or bare value.
    [GeneratedRegex(@"\G[""']?[ \t]*(?::=|=>|=|:)[ \t]*(?<q>[""'`]?)(?<value>[A-Za-z0-9+/=_\-.~!@#%^&*]{16,200})\k<q>(?![A-Za-z0-9+/=_\-.~!@#%^&*(\[])")]
    private static partial Regex ValueAfterName();

    // Identifiers, dotted paths and CONSTANT_NAMES are references to a secret, not the secret.
    [GeneratedRegex(@"^[A-Za-z_][A-Za-z_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$|^[A-Z_][A-Z0-9_]*$|^[a-z_][a-z0-9_]*$")]
    private static partial Regex Identifier();
}
