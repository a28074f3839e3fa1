using Moat.Analysis;
using Moat.Index.Storage;
using Moat.Index.Web.Browse;

namespace Moat.Index.Web.Firewall;

/// <summary>Verdicts on one day, by kind.</summary>
public sealed record DayCount(DateOnly Day, int Clean, int Suspicious, int Malicious)
{
    public int Total => Clean + Suspicious + Malicious;
}

/// <summary>A rule and how many judged files it fired on.</summary>
public sealed record RuleCount(string Rule, int Files);

/// <summary>A file refused or quarantined for its name, and the project it imitates (from the finding's message).</summary>
public sealed record TyposquatView(StoredVerdict Verdict, Finding Finding);

/// <summary>The firewall dashboard's numbers, computed in one pass over the recent verdicts.</summary>
public sealed record Dashboard(IReadOnlyList<DayCount> Days, IReadOnlyList<RuleCount> TopRules, IReadOnlyList<TyposquatView> Typosquats, int Judged)
{
    public const int DaysShown = 14;
    /// <summary>Upper bound on verdicts read for the dashboard (bounded work on a busy index).</summary>
    public const int MaxVerdicts = 20_000;

    public static Dashboard From(IReadOnlyList<StoredVerdict> verdicts, DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var first = today.AddDays(-(DaysShown - 1));
        var counts = new Dictionary<DateOnly, int[]>();
        var rules = new Dictionary<string, int>(StringComparer.Ordinal);
        var typosquats = new List<TyposquatView>();
        foreach (var verdict in verdicts)
        {
            var day = DateOnly.FromDateTime(verdict.DecidedAt.UtcDateTime);
            if (day >= first)
            {
                if (!counts.TryGetValue(day, out var c)) counts[day] = c = new int[3];
                // Unverified (not fully checked) is never counted as clean; the chart shows it with the warnings.
                c[verdict.Verdict switch { "malicious" => 2, "suspicious" or "unverified" => 1, _ => 0 }]++;
            }
            var findings = StoredFindings.Of(verdict);
            foreach (var rule in findings.Select(f => f.RuleId).Distinct(StringComparer.Ordinal))
                rules[rule] = rules.GetValueOrDefault(rule) + 1;
            if (verdict.Action != "accept" && findings.FirstOrDefault(f => f.RuleId.StartsWith("MOAT-NAME", StringComparison.Ordinal)) is { } squat)
                typosquats.Add(new TyposquatView(verdict, squat));
        }
        var days = Enumerable.Range(0, DaysShown).Select(i => first.AddDays(i))
            .Select(d => counts.TryGetValue(d, out var c) ? new DayCount(d, c[0], c[1], c[2]) : new DayCount(d, 0, 0, 0)).ToList();
        var top = rules.OrderByDescending(r => r.Value).ThenBy(r => r.Key, StringComparer.Ordinal).Take(10).Select(r => new RuleCount(r.Key, r.Value)).ToList();
        return new Dashboard(days, top, typosquats.Take(50).ToList(), verdicts.Count);
    }
}
