using Moat.Analysis.Workflows;
using Moat.Testing;

namespace Moat.Analysis.Tests.Workflows;

/// <summary>Audits a fixture under tests/fixtures/workflows and returns its findings.</summary>
internal static class WorkflowFixtures
{
    public static IReadOnlyList<Finding> Audit(string relative)
    {
        var path = TestPaths.Fixtures("workflows", relative);
        Assert.True(File.Exists(path), $"missing fixture {path}");
        return WorkflowAuditor.AuditFile(path, relative).Findings;
    }

    public static IReadOnlyList<Finding> Of(this IReadOnlyList<Finding> findings, Rule rule) =>
        [.. findings.Where(f => f.RuleId == rule.Id)];

    public static string Describe(IEnumerable<Finding> findings) =>
        string.Join("\n", findings.Select(f => $"{f.RuleId} {f.Severity} L{f.Location.Line}:{f.Location.Column} {f.Message}"));

    /// <summary>A fixed fixture is clean of every audit, not just the one it fixes.</summary>
    public static void AssertClean(string relative)
    {
        var findings = Audit(relative);
        Assert.True(findings.Count == 0, $"{relative} should be clean but has:\n{Describe(findings)}");
    }
}
