
using System.Text.RegularExpressions;

namespace Moat.Analysis.Secrets;

/// <summary>Google Cloud service-account key files: JSON with <c>"type": "service_account"</c> and a private key.</summary>
public static partial class GcpServiceAccountDetector
{
    public static readonly Rule Rule = new(
        "MOAT-SECRET-005",
        "gcp-service-account-key",
        "A Google Cloud service-account key file (JSON with a private key).",
        Severity.Critical,
        "A service-account key file is a long-lived credential for everything the account may do in the project. Delete " +
        "the key in IAM (Service accounts → Keys), check the audit logs, and use Workload Identity Federation " +
        "(google-github-actions/auth with workload_identity_provider) instead of key files in CI.",
        ["https://cloud.google.com/iam/docs/best-practices-for-managing-service-account-keys"]);

    public static readonly SecretDetector Detector = new("gcp", ["service_account"], Scan);

    private static void Scan(string text, string fileName, List<SecretHit> hits)
    {
        foreach (Match m in KeyFile().Matches(text))
        {
            var key = m.Groups["key"];
            if (SecretValues.IsPlaceholder(key.Value) || !key.Value.Contains("PRIVATE KEY", StringComparison.Ordinal) || key.Value.Length < 200) continue;
            var email = ClientEmail().Match(text, Math.Max(0, m.Index - 2000)) is { Success: true } e ? $" for {e.Groups[1].Value}" : "";
            hits.Add(new SecretHit(Rule, Rule.Severity, Confidence.High, $"Google Cloud service-account key{email}", key.Index, key.Length, key.Value));
        }
    }

    // The type and the private key within one JSON object (either order), a few kilobytes apart at most.
    [GeneratedRegex(@"""type""\s*:\s*""service_account""[\s\S]{0,4000}?""private_key""\s*:\s*""(?<key>[^""]*)""|""private_key""\s*:\s*""(?<key>[^""]*)""[\s\S]{0,4000}?""type""\s*:\s*""service_account""")]
    private static partial Regex KeyFile();

    [GeneratedRegex(@"""client_email""\s*:\s*""([^""]+)""")]
    private static partial Regex ClientEmail();

}
