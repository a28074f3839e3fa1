using System.Text.Json;
using System.Text.RegularExpressions;

namespace Moat.Analysis.Secrets;

/// <summary>PyPI and TestPyPI API tokens: <c>pypi-</c> and a v2 macaroon whose location is pypi.org or test.pypi.org.</summary>
public static partial class PyPiTokenDetector
{
    public static readonly Rule Rule = new(
        "MOAT-SECRET-001",
        "pypi-token",
        "A PyPI or TestPyPI API token (a decoded, well-formed macaroon).",
        Severity.Critical,
        "PyPI API tokens are `pypi-` followed by a base64url macaroon. Moat decodes the macaroon and checks its binary " +
        "structure and location (pypi.org or test.pypi.org) before reporting, so random text that merely starts with " +
        "`pypi-` is not reported. A token lets anyone upload releases of the projects it covers (all of the user's " +
        "projects for a user-scoped token): revoke it on PyPI now (Account settings → API tokens), check the projects' " +
        "release history, and switch the upload to Trusted Publishing.",
        ["https://pypi.org/help/#apitoken", "https://docs.pypi.org/trusted-publishers/"]);

    public static readonly SecretDetector Detector = new("pypi", ["pypi-"], Scan);

    private static void Scan(string text, string fileName, List<SecretHit> hits)
    {
        foreach (Match m in Token().Matches(text))
        {
            if (Describe(m.Value) is { } described)
                hits.Add(new SecretHit(Rule, Rule.Severity, described.Confidence, described.Message, m.Index, m.Length, m.Value));
        }
    }

    /// <summary>What a <c>pypi-…</c> string is, or null when its macaroon does not parse.</summary>
    public static (string Message, Confidence Confidence)? Describe(string token)
    {
        if (!token.StartsWith("pypi-", StringComparison.Ordinal) || Macaroon.TryDecode(token[5..]) is not { } macaroon) return null;
        var index = macaroon.Location switch
        {
            "pypi.org" => "PyPI",
            "test.pypi.org" => "TestPyPI",
            _ => null,
        };
        var scope = Scope(macaroon.Caveats);
        return index is null
            ? ($"API token for a PyPI-compatible index at {macaroon.Location ?? "an unnamed location"}{scope}", Confidence.Medium)
            : ($"{index} API token{scope}", Confidence.High);
    }

    /// <summary>The projects or user a token is limited to, read from its caveats (legacy JSON objects or v1 lists).</summary>
    private static string Scope(IReadOnlyList<string> caveats)
    {
        foreach (var caveat in caveats)
        {
            try
            {
                using var json = JsonDocument.Parse(caveat);
                var root = json.RootElement;
                if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("permissions", out var permissions))
                {
                    if (permissions.ValueKind == JsonValueKind.String && permissions.GetString() == "user") return " (user-scoped: all the user's projects)";
                    if (permissions.ValueKind == JsonValueKind.Object && permissions.TryGetProperty("projects", out var projects) && projects.ValueKind == JsonValueKind.Array)
                        return $" (projects: {string.Join(", ", projects.EnumerateArray().Select(p => p.ToString()))})";
                }
                if (root.ValueKind == JsonValueKind.Array && root.GetArrayLength() == 2 && root[0].ValueKind == JsonValueKind.Number && root[0].GetInt32() == 1 && root[1].ValueKind == JsonValueKind.Array)
                    return $" (projects: {string.Join(", ", root[1].EnumerateArray().Select(p => p.ToString()))})";
            }
            catch (JsonException)
            {
                // Not a caveat format we read; the token is still a token.
            }
        }
        return "";
    }

    [GeneratedRegex(@"pypi-[A-Za-z0-9_-]{60,}")]
    private static partial Regex Token();
}
