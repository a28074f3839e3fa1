using System.Text.RegularExpressions;

namespace Moat.Analysis.Secrets;

/// <summary>npm access tokens (<c>npm_</c>, GitHub's checksummed format) and literal <c>_authToken</c> values in .npmrc.</summary>
public static partial class NpmTokenDetector
{
    public static readonly Rule Rule = new(
        "MOAT-SECRET-007",
        "npm-token",
        "An npm access token (npm_ with a valid checksum, or a literal _authToken in .npmrc).",
        Severity.High,
        "npm tokens use GitHub's format: `npm_`, thirty random base62 characters and a six-character CRC32 checksum, " +
        "which Moat verifies. A publish token lets anyone release new versions of your packages (the Shai-Hulud worm " +
        "spread through exactly these). Revoke it with `npm token revoke` and use trusted publishing or granular, " +
        "short-lived tokens from CI secrets, referenced as `${NPM_TOKEN}` in .npmrc.",
        ["https://github.blog/security/announcing-npms-new-access-token-format/"]);

    public static readonly SecretDetector Detector = new("npm", ["npm_", "_authToken"], Scan);

    private static void Scan(string text, string fileName, List<SecretHit> hits)
    {
        foreach (Match m in Token().Matches(text))
        {
            if (TokenChecksum.IsValid(m.ValueSpan[4..]))
                hits.Add(SecretHit.Of(Rule, Confidence.High, "npm access token (checksum verified)", m.Index, m.Value));
        }
        foreach (Match m in AuthToken().Matches(text))
        {
            var value = m.Groups["value"];
            if (SecretValues.IsPlaceholder(value.Value) || value.Value.StartsWith("npm_", StringComparison.Ordinal)) continue;
            hits.Add(SecretHit.Of(Rule, Confidence.Medium, "literal npm _authToken in an .npmrc", value.Index, value.Value));
        }
    }

    [GeneratedRegex(@"(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9_])")]
    private static partial Regex Token();

    [GeneratedRegex(@":_authToken\s*=\s*(?<value>[^\s""']{16,})")]
    private static partial Regex AuthToken();
}
