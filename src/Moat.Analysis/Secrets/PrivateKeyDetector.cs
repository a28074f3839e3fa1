using System.Text.RegularExpressions;

namespace Moat.Analysis.Secrets;

/// <summary>PEM and OpenSSH private keys whose body really decodes (templates and truncated examples do not).</summary>
public static partial class PrivateKeyDetector
{
    public static readonly Rule Rule = new(
        "MOAT-SECRET-006",
        "private-key",
        "A private key (PEM or OpenSSH) with a real, decodable body.",
        Severity.High,
        "A committed private key (a deploy key, a TLS key, a signing key) is usable by anyone who can read the file or " +
        "its history. Moat decodes the base64 body, so `-----BEGIN PRIVATE KEY-----` followed by `...` in docs is not " +
        "reported. Passphrase-protected keys are reported at medium severity. Replace the key, revoke the old one " +
        "wherever it is trusted, and purge it from history.",
        ["https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/removing-sensitive-data-from-a-repository"]);

    public static readonly SecretDetector Detector = new("private-key", ["-----BEGIN"], Scan);

    private static void Scan(string text, string fileName, List<SecretHit> hits)
    {
        foreach (Match m in Block().Matches(text))
        {
            var kind = m.Groups["kind"].Value;
            var body = m.Groups["body"].Value;
            var encrypted = kind.Contains("ENCRYPTED", StringComparison.Ordinal) || body.Contains("ENCRYPTED", StringComparison.Ordinal);
            var base64 = Base64Body(body);
            if (base64.Length < 64 || Macaroon.Base64Url(base64.TrimEnd('=')) is not { Length: >= 48 }) continue;
            var label = kind.Trim().Length == 0 ? "PKCS#8" : kind.Trim();
            hits.Add(new SecretHit(Rule, encrypted ? Severity.Medium : Severity.High, Confidence.High,
                encrypted ? $"passphrase-protected {label} private key" : $"{label} private key", m.Index, m.Length, base64));
        }
    }

    /// <summary>The base64 of a key body: header lines (Proc-Type, DEK-Info), JSON <c>\n</c> escapes and quotes removed.</summary>
    private static string Base64Body(string body)
    {
        var lines = body.Replace("\\n", "\n", StringComparison.Ordinal).Split('\n');
        var builder = new System.Text.StringBuilder(body.Length);
        foreach (var raw in lines)
        {
            var line = StringPieces().Replace(raw.Trim(), "").Trim();
            // What is left of a line that was only syntax (`" +` closing a concatenated header) is not base64.
            if (line.Contains(':') || line.Trim('+', ' ').Length == 0) continue;
            foreach (var c in line)
            {
                if (char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=') builder.Append(c);
                else if (!char.IsWhiteSpace(c)) return ""; // "..." or "<your key>": an example, not a key
            }
        }
        return builder.ToString();
    }

    /// <summary>
    /// A line's string syntax in source (<c>"…" +</c>, <c>+ '…',</c>): quotes, commas and a concatenating <c>+</c> next to
    /// a quote. A <c>+</c> that is not beside a quote is base64 (a line of a key can start or end with one).
    /// </summary>
    [GeneratedRegex(@"^(?:\+\s*)?[""']|[""']\s*(?:\+|,)?\s*,?$|^,|,$")]
    private static partial Regex StringPieces();

    [GeneratedRegex(@"-----BEGIN (?<kind>(?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?)PRIVATE KEY(?: BLOCK)?-----(?<body>[\s\S]{0,16384}?)-----END [A-Z ]*PRIVATE KEY(?: BLOCK)?-----")]
    private static partial Regex Block();
}
