using System.Buffers;
using System.Text;

namespace Moat.Analysis.Secrets;

/// <summary>
/// Credentials hidden one layer down: an HTTP Basic <c>Authorization</c> value or a <c>.dockerconfigjson</c>
/// <c>auth</c> field (base64 of <c>user:password</c>), a JWT whose payload carries a token, and base64 blobs that
/// decode to a PyPI or GitHub token. The decoded text is judged by the other detectors (PyPI macaroon parse, GitHub
/// checksum…), so a wrapped token is reported only when the token itself would be.
/// </summary>
public static class WrappedSecretDetector
{
    public static readonly Rule Rule = new(
        "MOAT-SECRET-013",
        "wrapped-secret",
        "A credential wrapped in base64: an HTTP Basic Authorization value, a docker config auth field, a JWT payload or a base64 blob.",
        Severity.High,
        "Encoding hides a token from people and from scanners that only match its prefix, not from anyone who copies " +
        "the file: `Authorization: Basic X190b2tlbl9f…` is `__token__:pypi-…`, a `.dockerconfigjson` `auth` field is " +
        "`user:password`, and a JWT's payload is readable by anyone. Moat decodes these and judges the inner value with " +
        "its other detectors (a PyPI token keeps its critical severity); Basic credentials with any real-looking " +
        "password are reported as high. Revoke the credential and keep it in a secret store.",
        ["https://datatracker.ietf.org/doc/html/rfc7617", "https://docs.docker.com/reference/cli/docker/login/#credential-stores"]);

    // "Basic " and docker's "auth", a JWT's {"  header, and the base64 of __token__, pypi-, ghp_ and github_pat_ at each alignment.
    private static readonly string[] AnchorList =
    [
        "Basic ", "basic ", "\"auth\"", "eyJ", "X190b2tlbl9f", "cHlwaS", "B5cGkt", "weXBpL", "Z2hwX", "docF8", "naHBf", "Z2l0aHViX3BhdF", "dpdGh1Yl9wYXRf",
    ];

    public static readonly SecretDetector Detector = new("wrapped", AnchorList, Scan);

    private static readonly SearchValues<char> Base64Chars = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_.");

    private static void Scan(string text, string fileName, List<SecretHit> hits)
    {
        var seen = new HashSet<int>();
        foreach (var anchor in AnchorList)
        {
            for (var at = text.IndexOf(anchor, StringComparison.Ordinal); at >= 0; at = text.IndexOf(anchor, at + anchor.Length, StringComparison.Ordinal))
            {
                var (start, wrapper) = anchor switch
                {
                    "Basic " or "basic " => (at + anchor.Length, "HTTP Basic credentials"),
                    "\"auth\"" => (ValueStart(text, at + anchor.Length), "a docker config auth field"),
                    _ => (RunStart(text, at), null),
                };
                if (start < 0 || start >= text.Length || !seen.Add(start)) continue;
                var end = start;
                while (end < text.Length && Base64Chars.Contains(text[end])) end++;
                if (end - start < 16) continue;
                Judge(text.Substring(start, end - start), start, wrapper, hits);
            }
        }
    }

    private static int RunStart(string text, int at)
    {
        while (at > 0 && Base64Chars.Contains(text[at - 1]) && text[at - 1] != '=') at--; // '=' pads only the end
        return at;
    }

    /// <summary>After <c>"auth"</c>: skip <c>: "</c> to the value.</summary>
    private static int ValueStart(string text, int at)
    {
        while (at < text.Length && text[at] is ' ' or ':' or '\t') at++;
        return at < text.Length && text[at] == '"' ? at + 1 : -1;
    }

    private static void Judge(string run, int offset, string? wrapper, List<SecretHit> hits)
    {
        var parts = run.Split('.');
        var isJwt = parts.Length == 3 && parts[0].StartsWith("eyJ", StringComparison.Ordinal) && parts[1].StartsWith("eyJ", StringComparison.Ordinal);
        var decoded = Decode(isJwt ? parts[1] : run.TrimEnd('.'));
        if (decoded is null) return;
        wrapper ??= isJwt ? "a JWT payload" : "a base64 blob";

        var inner = new List<SecretHit>();
        foreach (var detector in SecretScanner.Detectors)
            if (!ReferenceEquals(detector, Detector) && !ReferenceEquals(detector, GenericSecretDetector.Detector) && detector.MayMatch(decoded))
                detector.Scan(decoded, "", inner);
        var best = inner.OrderByDescending(h => h.Severity).ThenByDescending(h => h.Confidence).FirstOrDefault();
        if (best is not null)
        {
            hits.Add(new SecretHit(Rule, best.Severity < Severity.High ? Severity.High : best.Severity, best.Confidence,
                $"{wrapper} wrapping {best.Message}", offset, run.Length, run));
            return;
        }
        // Basic and docker auth are user:password by definition: any real-looking password is a credential.
        if (wrapper is "HTTP Basic credentials" or "a docker config auth field" && decoded.IndexOf(':') is var colon and > 0)
        {
            var user = decoded[..colon];
            var password = decoded[(colon + 1)..];
            if (password.Length >= 8 && !SecretValues.IsPlaceholder(password) && !SecretValues.IsPlaceholder(user))
                hits.Add(new SecretHit(Rule, Severity.High, Confidence.Medium, $"{wrapper} for user '{user}'", offset, run.Length, run));
        }
    }

    /// <summary>Base64 or base64url of printable UTF-8 text; null otherwise.</summary>
    private static string? Decode(string value)
    {
        var bytes = Macaroon.Base64Url(value.TrimEnd('='));
        if (bytes is not { Length: >= 8 }) return null;
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
        return text.All(c => c >= ' ' || c is '\n' or '\r' or '\t') ? text : null;
    }
}
