using System.Text.RegularExpressions;

namespace Moat.Analysis.Secrets;

/// <summary>AWS access key ids (with the account they belong to) and the secret access keys found next to them.</summary>
public static partial class AwsKeyDetector
{
    public static readonly Rule AccessKeyRule = new(
        "MOAT-SECRET-003",
        "aws-access-key-id",
        "An AWS access key id (AKIA…/ASIA…), which identifies a credential and its account.",
        Severity.Medium,
        "An access key id is not secret on its own, but it is almost always committed together with its secret key, and " +
        "it tells an attacker which account to target (the id encodes the account number, which Moat reports). Look for " +
        "the secret key nearby; deactivate the key in IAM if it was ever exposed.",
        ["https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html"]);

    public static readonly Rule SecretKeyRule = new(
        "MOAT-SECRET-004",
        "aws-secret-access-key",
        "An AWS secret access key next to an access key id or assigned to an aws_secret_access_key name.",
        Severity.Critical,
        "A 40-character AWS secret access key together with its access key id is a complete long-lived credential for " +
        "the account. Deactivate and delete the key in IAM now, check CloudTrail for its use, and move CI to OIDC roles " +
        "(aws-actions/configure-aws-credentials with role-to-assume) instead of stored keys.",
        ["https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html"]);

    public static readonly SecretDetector Detector = new("aws", ["AKIA", "ASIA", "ABIA", "ACCA", "aws_secret", "secret_access_key", "SecretAccessKey"], Scan, ignoreCase: false);

    private static void Scan(string text, string fileName, List<SecretHit> hits)
    {
        var keyIds = new List<int>();
        foreach (Match m in AccessKeyId().Matches(text))
        {
            if (m.Value.Contains("EXAMPLE", StringComparison.Ordinal)) continue; // AWS's documented example keys
            keyIds.Add(m.Index);
            var account = AccountId(m.Value);
            hits.Add(SecretHit.Of(AccessKeyRule, Confidence.High,
                $"AWS access key id{(account is { } a ? $" for account {a:D12}" : "")}", m.Index, m.Value));
        }
        // Secret keys are only looked for where they can be told apart from any 40-character base64 run: near a key
        // id, or on a line that names them.
        var regions = keyIds.Select(k => (Start: Math.Max(0, k - 400), End: Math.Min(text.Length, k + 420))).ToList();
        foreach (Match m in NamedSecret().Matches(text))
        {
            var end = text.IndexOf('\n', m.Index);
            regions.Add((m.Index, end < 0 ? text.Length : end));
        }
        var seen = new HashSet<int>();
        foreach (var (start, end) in regions)
        {
            foreach (var m in SecretKey().EnumerateMatches(text.AsSpan(start, end - start)))
            {
                var index = start + m.Index;
                var value = text.Substring(index, m.Length);
                if (!seen.Add(index) || SecretValues.CharacterClasses(value) < 3 || SecretValues.Entropy(value) < 4.0 || SecretValues.IsPlaceholder(value)) continue;
                var named = NamedSecret().IsMatch(LineOf(text, index));
                var nearKeyId = keyIds.Any(k => Math.Abs(k - index) < 400);
                hits.Add(SecretHit.Of(SecretKeyRule, named && nearKeyId ? Confidence.High : Confidence.Medium,
                    "AWS secret access key" + (nearKeyId ? " next to its access key id" : ""), index, value));
            }
        }
    }

    /// <summary>
    /// The account number inside a key id: the ten bytes after the 4-letter prefix, base32-decoded; the account is the
    /// first six bytes masked with 0x7fffffffff80 and shifted right by seven.
    /// </summary>
    public static long? AccountId(string keyId)
    {
        if (keyId.Length != 20) return null;
        ulong bits = 0;
        var bitCount = 0;
        Span<byte> bytes = stackalloc byte[10];
        var written = 0;
        foreach (var c in keyId.AsSpan(4))
        {
            var value = c is >= 'A' and <= 'Z' ? c - 'A' : c is >= '2' and <= '7' ? c - '2' + 26 : -1;
            if (value < 0) return null;
            bits = (bits << 5) | (uint)value;
            bitCount += 5;
            if (bitCount >= 8)
            {
                bitCount -= 8;
                bytes[written++] = (byte)(bits >> bitCount);
            }
        }
        long z = 0;
        for (var i = 0; i < 6; i++) z = (z << 8) | bytes[i];
        return (z & 0x7fffffffff80) >> 7;
    }

    private static string LineOf(string text, int index)
    {
        var start = text.LastIndexOf('\n', Math.Max(0, index - 1)) + 1;
        var end = text.IndexOf('\n', index);
        return text[start..(end < 0 ? text.Length : end)];
    }

    [GeneratedRegex("(?<![A-Z0-9])" + SecretShapes.AwsAccessKeyId + "(?![A-Z0-9])")]
    private static partial Regex AccessKeyId();

    [GeneratedRegex(@"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")]
    private static partial Regex SecretKey();

    [GeneratedRegex(@"(?i)aws_?secret|secret_?access_?key|SecretAccessKey")]
    private static partial Regex NamedSecret();
}
