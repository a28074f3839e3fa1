using Moat.Analysis.Code;
using Moat.Testing;

namespace Moat.Analysis.Tests.Code;

/// <summary>The code rules' sample packages (<c>fixtures/code/rules/RULE/SAMPLE</c>), for tests that scan every one.</summary>
internal static class RuleSamples
{
    public static TheoryData<string> Rules()
    {
        var data = new TheoryData<string>();
        foreach (var rule in Directory.GetDirectories(TestPaths.Fixtures("code", "rules")).Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(rule));
        return data;
    }

    /// <summary>What to scan for each sample of <paramref name="rule"/>: a lone archive as itself, anything else as its directory.</summary>
    public static IEnumerable<string> Targets(string rule)
    {
        foreach (var sample in Directory.GetDirectories(Path.Combine(TestPaths.Fixtures("code", "rules"), rule)).Order(StringComparer.Ordinal))
        {
            var files = Directory.GetFiles(sample);
            yield return files.Length == 1 && PackageScanner.IsArchiveName(files[0]) && Directory.GetDirectories(sample).Length == 0 ? files[0] : sample;
        }
    }

    /// <summary>A scan's verdict, score and every finding as one text, to compare two scans whole.</summary>
    public static string Describe(ScanResult result) =>
        $"{result.Verdict} {result.Score:0.000}\n" + string.Join("\n", result.Findings.Select(f =>
            $"{f.RuleId} {f.Severity} {f.Confidence} {f.Location.Path}:{f.Location.Line} {f.Message} | {f.Evidence}"));
}
