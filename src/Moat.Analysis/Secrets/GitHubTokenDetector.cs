using System.Text.RegularExpressions;

namespace Moat.Analysis.Secrets;

/// <summary>GitHub tokens: classic and app tokens with a verified CRC32 checksum, and fine-grained personal access tokens.</summary>
public static partial class GitHubTokenDetector
{
    public static readonly Rule Rule = new(
        "MOAT-SECRET-002",
        "github-token",
        "A GitHub token (ghp_, gho_, ghu_, ghs_, ghr_ with a valid checksum, or github_pat_).",
        Severity.High,
        "GitHub tokens are a prefix naming the kind (ghp_ personal, gho_ OAuth, ghu_ user-to-server, ghs_ installation, " +
        "ghr_ refresh) and 36 base62 characters whose last six are the CRC32 of the first thirty. Moat verifies the " +
        "checksum, so look-alike strings (test fixtures, hashes) are not reported. A personal token can push code and " +
        "workflows to every repository its owner can: revoke it (Settings → Developer settings) and review the audit log. " +
        "Fine-grained tokens (github_pat_) carry no public checksum and are reported at medium confidence.",
        ["https://github.blog/engineering/platform-security/behind-githubs-new-authentication-token-formats/"]);

    public static readonly SecretDetector Detector = new("github", ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"], Scan);

    private static void Scan(string text, string fileName, List<SecretHit> hits)
    {
        foreach (Match m in Classic().Matches(text))
        {
            if (!TokenChecksum.IsValid(m.ValueSpan[4..])) continue; // not a token GitHub issued
            hits.Add(SecretHit.Of(Rule, Confidence.High, $"GitHub {Kind(m.Value[..3])} token (checksum verified)", m.Index, m.Value));
        }
        foreach (Match m in FineGrained().Matches(text))
            hits.Add(SecretHit.Of(Rule, Confidence.Medium, "GitHub fine-grained personal access token", m.Index, m.Value));
    }

    private static string Kind(string prefix) => prefix switch
    {
        "ghp" => "personal access",
        "gho" => "OAuth access",
        "ghu" => "user-to-server",
        "ghs" => "app installation",
        _ => "refresh",
    };

    [GeneratedRegex("(?<![A-Za-z0-9_])" + SecretShapes.GitHubToken + "(?![A-Za-z0-9_])")]
    private static partial Regex Classic();

    [GeneratedRegex(@"(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}(?![A-Za-z0-9_])")]
    private static partial Regex FineGrained();
}
