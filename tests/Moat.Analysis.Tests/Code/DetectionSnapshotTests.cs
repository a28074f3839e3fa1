using System.Globalization;
using System.Text;
using Moat.Analysis.Code;
using Moat.Testing;

namespace Moat.Analysis.Tests.Code;

/// <summary>
/// Pins every finding (rule, severity, confidence, location, message, evidence), score and verdict that the scanner
/// produces on the rule fixtures and on the evaluation corpus (packed into real archives), so that speed work on the
/// lexer, parser, evaluator and package reader cannot silently change what is detected. When detection is changed on
/// purpose, regenerate the snapshot and review its diff:
/// <c>MOAT_UPDATE_SNAPSHOT=1 dotnet test tests/Moat.Analysis.Tests --filter DetectionSnapshot</c>.
/// </summary>
public class DetectionSnapshotTests
{
    private static string SnapshotPath => TestPaths.Fixtures("code", "detection-snapshot.txt");

    [Fact]
    public void Findings_on_every_fixture_and_corpus_sample_match_the_snapshot()
    {
        var actual = Render();
        if (Environment.GetEnvironmentVariable("MOAT_UPDATE_SNAPSHOT") == "1")
        {
            File.WriteAllText(SnapshotPath, actual);
            return;
        }
        Assert.True(File.Exists(SnapshotPath), $"no snapshot at {SnapshotPath}: run with MOAT_UPDATE_SNAPSHOT=1 to create it");
        var expected = File.ReadAllText(SnapshotPath).ReplaceLineEndings("\n");
        if (expected == actual) return;
        var expectedLines = expected.Split('\n');
        var actualLines = actual.Split('\n');
        var first = 0;
        while (first < Math.Min(expectedLines.Length, actualLines.Length) && expectedLines[first] == actualLines[first]) first++;
        Assert.Fail($"detection changed at snapshot line {first + 1}:\n  expected: {Line(expectedLines, first)}\n  actual:   {Line(actualLines, first)}\n"
                    + "If the change is intended, regenerate with MOAT_UPDATE_SNAPSHOT=1 and review the diff.");
    }

    private static string Line(string[] lines, int index) => index < lines.Length ? lines[index] : "(end of snapshot)";

    private static string Render()
    {
        var output = new StringBuilder();
        var rules = TestPaths.Fixtures("code", "rules");
        foreach (var rule in Directory.GetDirectories(rules).Order(StringComparer.Ordinal))
        {
            foreach (var sample in Directory.GetDirectories(rule).Order(StringComparer.Ordinal))
            {
                var files = Directory.GetFiles(sample);
                var target = files.Length == 1 && PackageScanner.IsArchiveName(files[0]) && Directory.GetDirectories(sample).Length == 0 ? files[0] : sample;
                Append(output, $"rules/{Path.GetFileName(rule)}/{Path.GetFileName(sample)}", PackageScanner.Scan(target));
            }
        }

        var packed = Path.Combine(Path.GetTempPath(), "moat-snapshot-" + Guid.NewGuid().ToString("N"));
        try
        {
            foreach (var kind in new[] { "benign", "malicious" })
            {
                foreach (var sample in Directory.GetDirectories(TestPaths.Fixtures("code", "corpus", kind)).Order(StringComparer.Ordinal))
                {
                    var archive = FixturePacker.Pack(sample, Path.Combine(packed, kind, Path.GetFileName(sample)));
                    Append(output, $"corpus/{kind}/{Path.GetFileName(sample)}", PackageScanner.Scan(archive));
                }
            }
        }
        finally
        {
            if (Directory.Exists(packed)) Directory.Delete(packed, recursive: true);
        }
        return output.ToString();
    }

    private static void Append(StringBuilder output, string name, ScanResult result)
    {
        output.Append(CultureInfo.InvariantCulture, $"{name} {result.Verdict} {result.Score:0.000}\n");
        foreach (var f in result.Findings)
        {
            output.Append(CultureInfo.InvariantCulture, $"  {f.RuleId} {f.Severity} {f.Confidence} {f.Location.Path}:{f.Location.Line} | {f.Message}");
            if (f.Evidence is not null) output.Append(" | ").Append(f.Evidence.ReplaceLineEndings("⏎"));
            output.Append('\n');
        }
    }
}
