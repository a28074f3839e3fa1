using System.Globalization;

namespace Moat.Analysis.Dependencies.Advisories;

/// <summary>
/// CVSS v3.0/3.1 base score from a vector string (<c>CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H</c> → 9.8), per the
/// FIRST specification's equations. OSV carries vectors, not scores, and no maintained .NET package computes them.
/// </summary>
public static class Cvss3
{
    public static double? BaseScore(string vector)
    {
        if (!vector.StartsWith("CVSS:3.", StringComparison.Ordinal)) return null;
        var metrics = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in vector.Split('/').Skip(1))
        {
            var colon = part.IndexOf(':');
            if (colon > 0) metrics[part[..colon]] = part[(colon + 1)..];
        }
        if (!(metrics.TryGetValue("AV", out var av) && metrics.TryGetValue("AC", out var ac) && metrics.TryGetValue("PR", out var pr)
              && metrics.TryGetValue("UI", out var ui) && metrics.TryGetValue("S", out var s) && metrics.TryGetValue("C", out var c)
              && metrics.TryGetValue("I", out var i) && metrics.TryGetValue("A", out var a))) return null;

        var scopeChanged = s == "C";
        double? attackVector = av switch { "N" => 0.85, "A" => 0.62, "L" => 0.55, "P" => 0.2, _ => null };
        double? complexity = ac switch { "L" => 0.77, "H" => 0.44, _ => null };
        double? privileges = pr switch { "N" => 0.85, "L" => scopeChanged ? 0.68 : 0.62, "H" => scopeChanged ? 0.5 : 0.27, _ => null };
        double? interaction = ui switch { "N" => 0.85, "R" => 0.62, _ => null };
        double? Impact(string v) => v switch { "H" => 0.56, "L" => 0.22, "N" => 0.0, _ => null };
        if (attackVector is null || complexity is null || privileges is null || interaction is null
            || Impact(c) is not { } conf || Impact(i) is not { } integ || Impact(a) is not { } avail) return null;

        var iss = 1 - (1 - conf) * (1 - integ) * (1 - avail);
        var impact = scopeChanged ? 7.52 * (iss - 0.029) - 3.25 * Math.Pow(iss - 0.02, 15) : 6.42 * iss;
        var exploitability = 8.22 * attackVector.Value * complexity.Value * privileges.Value * interaction.Value;
        if (impact <= 0) return 0.0;
        var raw = scopeChanged ? Math.Min(1.08 * (impact + exploitability), 10) : Math.Min(impact + exploitability, 10);
        return RoundUp(raw);
    }

    /// <summary>The specification's Roundup: the smallest number with one decimal that is ≥ the input, avoiding float noise.</summary>
    private static double RoundUp(double value)
    {
        var integer = (long)Math.Round(value * 100000);
        return integer % 10000 == 0 ? integer / 100000.0 : (Math.Floor(integer / 10000.0) + 1) / 10.0;
    }

    /// <summary>The qualitative rating of a score: 9.0+ critical, 7.0+ high, 4.0+ medium, above 0 low.</summary>
    public static Severity Rating(double score) => score switch
    {
        >= 9.0 => Severity.Critical,
        >= 7.0 => Severity.High,
        >= 4.0 => Severity.Medium,
        > 0 => Severity.Low,
        _ => Severity.Info,
    };

    internal static string Format(double score) => score.ToString("0.0", CultureInfo.InvariantCulture);
}
