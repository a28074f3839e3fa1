using Moat.Analysis.Code;
using Moat.Testing;

namespace Moat.Analysis.Tests.Code;

/// <summary>
/// Every rule has a vulnerable and a safe sample in tests/fixtures/code/rules/&lt;rule id&gt;/; more samples named
/// <c>vulnerable-*</c> must raise the rule, <c>safe-*</c> must not, and <c>benign-*</c> (real tools' shapes) may raise it
/// only as a note and must be judged clean.
/// </summary>
public class RuleFixtureTests
{
    private static string RulesDirectory => TestPaths.Fixtures("code", "rules");

    public static TheoryData<string, string> Samples()
    {
        var data = new TheoryData<string, string>();
        foreach (var rule in Directory.GetDirectories(RulesDirectory).Order(StringComparer.Ordinal))
            foreach (var sample in Directory.GetDirectories(rule).Order(StringComparer.Ordinal))
                data.Add(Path.GetFileName(rule), Path.GetFileName(sample));
        return data;
    }

    /// <summary>A sample directory holding one archive is that archive; otherwise the directory is the package.</summary>
    private static string Target(string rule, string sample)
    {
        var dir = Path.Combine(RulesDirectory, rule, sample);
        var files = Directory.GetFiles(dir);
        return files.Length == 1 && PackageScanner.IsArchiveName(files[0]) && Directory.GetDirectories(dir).Length == 0 ? files[0] : dir;
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Vulnerable_samples_raise_the_rule_and_safe_samples_do_not(string rule, string sample)
    {
        var result = PackageScanner.Scan(Target(rule, sample));
        var raised = result.Findings.Any(f => f.RuleId == rule);
        if (sample.StartsWith("vulnerable", StringComparison.Ordinal))
            Assert.True(raised, $"{rule}/{sample} should raise {rule}; got: {string.Join(", ", result.Findings.Select(f => f.RuleId))}");
        else if (sample.StartsWith("benign", StringComparison.Ordinal))
        {
            // Shaped like a real tool that once tripped the rule: it may still note the capability (Low or below, or at
            // low confidence), never more, and the package is clean.
            Assert.True(result.Verdict == Verdict.Clean, $"{rule}/{sample} is {result.Verdict}: {string.Join(" | ", result.Findings.Where(f => f.Severity >= Severity.Medium).Select(f => f.RuleId + " " + f.Message))}");
            Assert.All(result.Findings.Where(f => f.RuleId == rule), f =>
                Assert.True(f.Severity <= Severity.Low || f.Confidence == Confidence.Low, $"{rule}/{sample}: {f.Severity}/{f.Confidence} {f.Message}"));
        }
        else
            Assert.False(raised, $"{rule}/{sample} should not raise {rule}: {string.Join(" | ", result.Findings.Where(f => f.RuleId == rule).Select(f => f.Message))}");
    }

    [Fact]
    public void Every_code_and_package_rule_has_both_samples()
    {
        var rules = RuleCatalog.All.Where(r => r.Family is "CODE" or "PKG").Select(r => r.Id);
        foreach (var rule in rules)
        {
            var dir = Path.Combine(RulesDirectory, rule);
            Assert.True(Directory.Exists(Path.Combine(dir, "safe")), $"{rule} has no safe sample");
            Assert.True(Directory.GetDirectories(dir, "vulnerable*").Length > 0, $"{rule} has no vulnerable sample");
        }
    }

    [Fact]
    public void Safe_samples_are_judged_clean()
    {
        foreach (var rule in Directory.GetDirectories(RulesDirectory))
        {
            var result = PackageScanner.Scan(Target(Path.GetFileName(rule), "safe"));
            Assert.True(result.Verdict == Verdict.Clean, $"{Path.GetFileName(rule)}/safe is {result.Verdict}: {string.Join(" | ", result.Findings.Where(f => f.Severity >= Severity.Medium).Select(f => f.RuleId + " " + f.Message))}");
        }
    }

    /// <summary>
    /// Run-time channels the author owns weigh on their own: a bot client built from a token written into the package,
    /// a request to a raw public IP, host data sent there from a function, a layer exec'd with the modules imported
    /// around it, a program saved under a pathlib path and started from it.
    /// </summary>
    [Theory]
    [InlineData("MOAT-CODE-034", "vulnerable-bot-object-own-token", Severity.Medium, Confidence.High, Verdict.Suspicious)]
    [InlineData("MOAT-CODE-036", "vulnerable-request-to-raw-ip", Severity.Medium, Confidence.High, Verdict.Suspicious)]
    [InlineData("MOAT-CODE-022", "vulnerable-runtime-beacon-raw-ip", Severity.High, Confidence.Medium, Verdict.Suspicious)]
    [InlineData("MOAT-CODE-021", "vulnerable-exec-layer-uses-outer-import", Severity.Critical, Confidence.High, Verdict.Malicious)]
    [InlineData("MOAT-CODE-021", "vulnerable-pathlib-dropper", Severity.Critical, Confidence.High, Verdict.Suspicious)]
    [InlineData("MOAT-CODE-021", "vulnerable-helper-default-filename", Severity.Critical, Confidence.High, Verdict.Malicious)]
    [InlineData("MOAT-CODE-022", "vulnerable-environ-in-url", Severity.Critical, Confidence.High, Verdict.Malicious)]
    [InlineData("MOAT-CODE-022", "vulnerable-files-to-own-bot-object", Severity.Critical, Confidence.High, Verdict.Malicious)]
    public void Owned_run_time_channels_weigh_on_their_own(string rule, string sample, Severity severity, Confidence confidence, Verdict atLeast)
        => AssertWeighsAtLeast(rule, sample, severity, confidence, atLeast);

    /// <summary>
    /// Shapes that used to pass as clean: host data carried out by a DNS lookup command, a canary domain named after the
    /// package resolved on import, a helper nested in the install hook, a program fetched from a code host at install, a
    /// dangerous name assembled and evaluated, a character decoder over a long literal executed, and a prebuilt extension
    /// module that is the package's only real code.
    /// </summary>
    [Theory]
    [InlineData("MOAT-CODE-022", "vulnerable-recon-in-lookup-command", Severity.Critical, Confidence.High, Verdict.Malicious)]
    [InlineData("MOAT-CODE-051", "vulnerable-dns-canary-named-after-package", Severity.High, Confidence.High, Verdict.Suspicious)]
    [InlineData("MOAT-CODE-023", "vulnerable-nested-helper-in-install-hook", Severity.High, Confidence.Medium, Verdict.Suspicious)]
    [InlineData("MOAT-CODE-023", "vulnerable-executable-from-code-host", Severity.High, Confidence.Medium, Verdict.Suspicious)]
    [InlineData("MOAT-CODE-043", "vulnerable-eval-of-assembled-name", Severity.High, Confidence.High, Verdict.Suspicious)]
    [InlineData("MOAT-CODE-045", "vulnerable-substitution-decoder-exec", Severity.High, Confidence.High, Verdict.Suspicious)]
    [InlineData("MOAT-PKG-002", "vulnerable-imported-prebuilt-extension", Severity.Medium, Confidence.High, Verdict.Suspicious)]
    [InlineData("MOAT-CODE-022", "vulnerable-files-to-unusual-port", Severity.High, Confidence.Medium, Verdict.Suspicious)]
    [InlineData("MOAT-CODE-022", "vulnerable-fstring-url-to-unusual-port", Severity.High, Confidence.Medium, Verdict.Suspicious)]
    [InlineData("MOAT-CODE-021", "vulnerable-download-to-interpreter-stdin", Severity.Critical, Confidence.High, Verdict.Malicious)]
    [InlineData("MOAT-CODE-053", "vulnerable-quoted-command-line", Severity.High, Confidence.High, Verdict.Suspicious)]
    [InlineData("MOAT-CODE-026", "vulnerable-dropped-script-started-by-name", Severity.Critical, Confidence.High, Verdict.Malicious)]
    public void Hidden_beacons_and_payloads_are_not_clean(string rule, string sample, Severity severity, Confidence confidence, Verdict atLeast)
        => AssertWeighsAtLeast(rule, sample, severity, confidence, atLeast);

    /// <summary>The sample has the rule's finding at least this strong, and the package's verdict is at least <paramref name="atLeast"/>.</summary>
    private static void AssertWeighsAtLeast(string rule, string sample, Severity severity, Confidence confidence, Verdict atLeast)
    {
        var result = PackageScanner.Scan(Target(rule, sample));
        Assert.Contains(result.Findings, f => f.RuleId == rule && f.Severity >= severity && f.Confidence >= confidence);
        Assert.True(result.Verdict == atLeast || result.Verdict == Verdict.Malicious, $"{rule}/{sample} is {result.Verdict}");
    }

    /// <summary>
    /// Each row of the correlation table has its own vulnerable sample: the signals together make the package malicious (a
    /// medium row: suspicious), and the finding names the row. The safe samples hold all but one signal of a row (or hold them in tests).
    /// </summary>
    [Fact]
    public void Every_correlation_row_has_a_sample_its_signals_convict()
    {
        foreach (var row in Correlations.Table)
        {
            var result = PackageScanner.Scan(Target(Correlations.Rule.Id, "vulnerable-" + row.Name));
            Assert.Contains(result.Findings, f => f.RuleId == Correlations.Rule.Id && f.Message.Contains($"[{row.Name}]", StringComparison.Ordinal)
                && f.Severity == row.Severity && f.Confidence == row.Confidence);
            // Rows of high or critical severity are damning; a medium row makes the package suspicious at least.
            var expected = row.Severity >= Severity.High ? Verdict.Malicious : Verdict.Suspicious;
            Assert.True(result.Verdict >= expected, $"{row.Name}: {result.Verdict} {result.Score}");
        }
    }

    [Fact]
    public void The_fernet_install_payload_is_decrypted_and_its_second_stage_seen()
    {
        var result = PackageScanner.Scan(Target("MOAT-CODE-020", "vulnerable-fernet"));
        Assert.Equal(Verdict.Malicious, result.Verdict);
        var decode = Assert.Single(result.Findings, f => f.RuleId == "MOAT-CODE-020" && f.Message.Contains("fernet", StringComparison.Ordinal));
        Assert.Contains("fernet", decode.Message, StringComparison.Ordinal);
        // The decrypted layer downloads and executes a second stage: seen only if Fernet decryption worked.
        Assert.Contains(result.Findings, f => f.RuleId == "MOAT-CODE-021" && f.Evidence!.Contains("fernet", StringComparison.Ordinal));
    }
}
