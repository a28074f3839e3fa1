using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Moat.Analysis.Code;
using Moat.Testing;

namespace Moat.Analysis.Tests.Code;

/// <summary>
/// Pins every finding (rule, severity, confidence, location, message, evidence), score and verdict that the scanner
/// produces on the rule fixtures and on the evaluation corpus (packed into real archives), so that speed work on the
/// lexer, parser, evaluator and package reader cannot silently change what is detected. One file per family under
/// <c>tests/fixtures/code/detection-snapshot/</c>: a rule's fixtures (<c>rules-MOAT-CODE-022.txt</c>) and a corpus
/// family (<c>corpus-malicious-fernet.txt</c>: the word after the sample's number), so a change to one rule's wording
/// churns small files. When detection is changed on purpose, regenerate the snapshot and review its diff:
/// <c>MOAT_UPDATE_SNAPSHOT=1 dotnet test tests/Moat.Analysis.Tests --filter DetectionSnapshot</c>.
/// </summary>
public partial class DetectionSnapshotTests
{
    private static string SnapshotDirectory => TestPaths.Fixtures("code", "detection-snapshot");

    [Fact]
    public void Findings_on_every_fixture_and_corpus_sample_match_the_snapshot()
    {
        var actual = Render();
        if (Environment.GetEnvironmentVariable("MOAT_UPDATE_SNAPSHOT") == "1")
        {
            if (Directory.Exists(SnapshotDirectory)) Directory.Delete(SnapshotDirectory, recursive: true);
            Directory.CreateDirectory(SnapshotDirectory);
            foreach (var (family, text) in actual) File.WriteAllText(Path.Combine(SnapshotDirectory, family + ".txt"), text);
            return;
        }
        Assert.True(Directory.Exists(SnapshotDirectory), $"no snapshot at {SnapshotDirectory}: run with MOAT_UPDATE_SNAPSHOT=1 to create it");
        var expected = Directory.GetFiles(SnapshotDirectory, "*.txt").ToDictionary(p => Path.GetFileNameWithoutExtension(p), p => File.ReadAllText(p).ReplaceLineEndings("\n"));
        Assert.True(expected.Keys.Order(StringComparer.Ordinal).SequenceEqual(actual.Keys.Order(StringComparer.Ordinal)),
            $"snapshot families differ: only pinned {string.Join(", ", expected.Keys.Except(actual.Keys))}; only found {string.Join(", ", actual.Keys.Except(expected.Keys))}. "
            + "If the change is intended, regenerate with MOAT_UPDATE_SNAPSHOT=1 and review the diff.");
        foreach (var (family, text) in actual.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            if (expected[family] == text) continue;
            var expectedLines = expected[family].Split('\n');
            var actualLines = text.Split('\n');
            var first = 0;
            while (first < Math.Min(expectedLines.Length, actualLines.Length) && expectedLines[first] == actualLines[first]) first++;
            Assert.Fail($"detection changed in {family}.txt at line {first + 1}:\n  expected: {Line(expectedLines, first)}\n  actual:   {Line(actualLines, first)}\n"
                        + "If the change is intended, regenerate with MOAT_UPDATE_SNAPSHOT=1 and review the diff.");
        }
    }

    private static string Line(string[] lines, int index) => index < lines.Length ? lines[index] : "(end of snapshot)";

    /// <summary>Family → its snapshot text (samples in name order within it).</summary>
    private static SortedDictionary<string, string> Render()
    {
        var families = new SortedDictionary<string, StringBuilder>(StringComparer.Ordinal);
        StringBuilder Family(string name) => families.TryGetValue(name, out var text) ? text : families[name] = new StringBuilder();
        var rules = TestPaths.Fixtures("code", "rules");
        foreach (var rule in Directory.GetDirectories(rules).Order(StringComparer.Ordinal))
        {
            var output = Family("rules-" + Path.GetFileName(rule));
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
                    var family = CorpusFamily().Match(Path.GetFileName(sample)) is { Success: true } m ? m.Groups[1].Value : "other";
                    Append(Family($"corpus-{kind}-{family}"), $"corpus/{kind}/{Path.GetFileName(sample)}", PackageScanner.Scan(archive));
                }
            }
        }
        finally
        {
            if (Directory.Exists(packed)) Directory.Delete(packed, recursive: true);
        }
        return new SortedDictionary<string, string>(families.ToDictionary(f => f.Key, f => f.Value.ToString()), StringComparer.Ordinal);
    }

    /// <summary>The family of a corpus sample: the word after its number (<c>m024-fernet-setup-module</c> → fernet).</summary>
    [GeneratedRegex(@"^[a-z]\d+-([a-z0-9]+)")]
    private static partial Regex CorpusFamily();

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
