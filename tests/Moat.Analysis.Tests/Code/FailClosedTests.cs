using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Moat.Analysis.Code;
using Moat.Analysis.Reporting;
using Moat.Packaging.Archives;
using Moat.Testing;

namespace Moat.Analysis.Tests.Code;

/// <summary>What Moat could not read is never called clean: every limit is a could-not-check finding and the verdict is unverified.</summary>
public sealed class FailClosedTests : IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("moat-failclosed-");

    private static readonly string ExecPayload =
        $"import base64\nexec(base64.b64decode('{Convert.ToBase64String(Encoding.UTF8.GetBytes("print('harmless')\n"))}'))\n";

    private static byte[] Zip(params (string Path, string Text)[] members)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (path, text) in members)
                using (var stream = zip.CreateEntry(path).Open()) stream.Write(Encoding.UTF8.GetBytes(text));
        return buffer.ToArray();
    }

    private static byte[] TarGz(params (string Path, byte[] Data)[] members) => TestDistributions.TarGz(members);

    private static ScanResult Scan(byte[] archive, string fileName, CodeScanOptions? options = null) =>
        PackageScanner.Scan(new MemoryStream(archive), fileName, options);

    private static Finding Single(ScanResult result, string rule) => Assert.Single(result.Findings, f => f.RuleId == rule);

    // ---------------------------------------------------------------- verdicts

    private static Finding Limit(string rule = "MOAT-PKG-011") => new(rule, Severity.Medium, Confidence.High, "limit", Location.None);

    [Fact]
    public void A_could_not_check_finding_makes_an_otherwise_clean_target_unverified_and_adds_nothing_to_the_score()
    {
        var (verdict, score) = Verdicts.Judge([Limit()]);
        Assert.Equal(Verdict.Unverified, verdict);
        Assert.Equal(0.0, score);
    }

    [Fact]
    public void Unverified_ranks_above_suspicious_and_below_malicious()
    {
        var suspicious = new Finding("MOAT-CODE-008", Severity.High, Confidence.High, "m", Location.None);
        var critical = new Finding("MOAT-CODE-020", Severity.Critical, Confidence.High, "m", Location.None);
        Assert.Equal(Verdict.Suspicious, Verdicts.Judge([suspicious]).Verdict);
        Assert.Equal(Verdict.Unverified, Verdicts.Judge([suspicious, Limit()]).Verdict);
        Assert.Equal(Verdict.Malicious, Verdicts.Judge([critical, Limit("MOAT-CODE-092")]).Verdict);
        // A limit never tips suspicious evidence over into malicious: it is not evidence.
        Assert.Equal(Verdicts.Judge([suspicious]).Score, Verdicts.Judge([suspicious, Limit(), Limit("MOAT-PKG-010")]).Score);
    }

    [Fact]
    public void Every_could_not_check_rule_is_flagged_in_the_catalog()
    {
        string[] expected = ["MOAT-CI-000", "MOAT-CODE-090", "MOAT-CODE-091", "MOAT-CODE-092", "MOAT-CODE-093", "MOAT-DEP-013", "MOAT-DEP-017", "MOAT-PKG-010", "MOAT-PKG-011", "MOAT-PKG-012"];
        Assert.Equal(expected, RuleCatalog.All.Where(r => r.CouldNotCheck).Select(r => r.Id));
    }

    [Fact]
    public void Reports_say_unverified_and_it_fails_like_a_high_finding()
    {
        var result = ScanResult.From("x-1.0.tar.gz", TargetKind.Package, [Limit()]);
        var json = new StringWriter();
        ReportWriter.Write(json, [result], ReportFormat.Json);
        Assert.Contains("\"verdict\": \"unverified\"", json.ToString());
        var sarif = new StringWriter();
        ReportWriter.Write(sarif, [result], ReportFormat.Sarif);
        Assert.Contains("\"verdict\": \"unverified\"", sarif.ToString());
        var text = new StringWriter();
        ReportWriter.Write(text, [result], ReportFormat.Text);
        Assert.StartsWith("UNVERIFIED  x-1.0.tar.gz", text.ToString());
        Assert.Contains("1 unverified", text.ToString());

        Assert.Equal(1, ReportNames.ExitCode([result], Severity.High));
        Assert.Equal(1, ReportNames.ExitCode([result], Severity.Medium));
        Assert.Equal(0, ReportNames.ExitCode([result], Severity.Critical));
        Assert.Equal(0, ReportNames.ExitCode([result], null));
    }

    // ---------------------------------------------------------------- archives

    [Fact]
    public void A_truncated_archive_is_unverified_and_what_could_be_read_is_still_scanned()
    {
        var noise = new byte[256 * 1024];
        new Random(3).NextBytes(noise);
        var whole = TarGz(("evil-1.0/setup.py", Encoding.UTF8.GetBytes(ExecPayload)), ("evil-1.0/data.bin", noise));
        var cut = whole[..(whole.Length / 2)];

        var result = Scan(cut, "evil-1.0.tar.gz");

        Assert.Equal(Verdict.Malicious, result.Verdict); // the payload in the readable part still decides
        Assert.Contains(result.Findings, f => f.RuleId == "MOAT-CODE-020");
        Assert.Contains("Truncated", Single(result, "MOAT-PKG-010").Message);

        var benign = TarGz(("ok-1.0/setup.py", "from setuptools import setup\nsetup()\n"u8.ToArray()), ("ok-1.0/data.bin", noise));
        var benignResult = Scan(benign[..(benign.Length / 2)], "ok-1.0.tar.gz");
        Assert.Equal(Verdict.Unverified, benignResult.Verdict);
    }

    [Fact]
    public void A_corrupt_zip_is_unverified_not_clean()
    {
        var zip = Zip(("pkg/__init__.py", "VALUE = 1\n"));
        zip.AsSpan(zip.Length - 40).Fill(0x5A); // smash the central directory
        var result = Scan(zip, "pkg-1.0-py3-none-any.whl");
        Assert.Equal(Verdict.Unverified, result.Verdict);
        Assert.Contains(result.Findings, f => f.RuleId == "MOAT-PKG-010");
    }

    public static TheoryData<string, ArchiveIssueKind> ReaderLimits => new()
    {
        { "member-size", ArchiveIssueKind.MemberSizeExceeded },
        { "members", ArchiveIssueKind.TooManyMembers },
        { "ratio", ArchiveIssueKind.CompressionRatioExceeded },
        { "total", ArchiveIssueKind.TotalSizeExceeded },
        { "depth", ArchiveIssueKind.NestingTooDeep },
    };

    [Theory]
    [MemberData(nameof(ReaderLimits))]
    public void Every_reader_limit_is_a_could_not_check_finding_naming_what_and_where(string limit, ArchiveIssueKind kind)
    {
        var zeros = new string('\0', 2 * MiB);
        var limits = limit switch
        {
            "member-size" => ArchiveLimits.Default with { MaxMemberBytes = MiB, MaxCompressionRatio = 1e6 },
            "members" => ArchiveLimits.Default with { MaxMembers = 2 },
            "ratio" => ArchiveLimits.Default,
            "total" => ArchiveLimits.Default with { MaxTotalBytes = MiB, MaxCompressionRatio = 1e6 },
            _ => ArchiveLimits.Default with { MaxDepth = 0 },
        };
        var (archive, name) = limit switch
        {
            "depth" => (Zip(("pkg/__init__.py", "VALUE = 1\n"), ("pkg/inner.zip", "not opened")), "pkg-1.0-py3-none-any.whl"),
            // A tar stream is decompressed whole (skipped data is work too), so its total is spent on every byte.
            "total" => (TarGz(("pkg-1.0/setup.py", "from setuptools import setup\n"u8.ToArray()), ("pkg-1.0/zeros.bin", new byte[2 * MiB])), "pkg-1.0.tar.gz"),
            _ => (Zip(("pkg/__init__.py", "VALUE = 1\n"), ("pkg/b.py", "B = 2\n"), ("pkg/zeros.bin", zeros)), "pkg-1.0-py3-none-any.whl"),
        };

        var result = Scan(archive, name, new CodeScanOptions { ArchiveLimits = limits });

        Assert.Equal(Verdict.Unverified, result.Verdict);
        var finding = Assert.Single(result.Findings, f => f.RuleId == "MOAT-PKG-011");
        Assert.StartsWith(kind.ToString(), finding.Message, StringComparison.Ordinal);
        if (limit is "member-size" or "ratio") Assert.Equal("pkg/zeros.bin", finding.Location.Path);
        if (limit is "depth") Assert.Equal("pkg/inner.zip", finding.Location.Path);
    }

    [Fact]
    public void A_member_skipped_for_an_unsafe_name_is_hostile_and_unverified()
    {
        var archive = TarGz(("ok-1.0/setup.py", "from setuptools import setup\nsetup()\n"u8.ToArray()), ("../../evil.py", Encoding.UTF8.GetBytes(ExecPayload)));
        var result = Scan(archive, "ok-1.0.tar.gz");
        Assert.Contains(result.Findings, f => f.RuleId == "MOAT-PKG-001");
        Assert.Contains("unsafe name", Single(result, "MOAT-PKG-010").Message);
        Assert.NotEqual(Verdict.Clean, result.Verdict);
    }

    // ---------------------------------------------------------------- oversized files

    [Fact]
    public void A_padded_pth_over_the_member_limit_is_still_read_and_its_payload_found()
    {
        var wheel = PaddedWheel.Build(_temp.FullName, "padded", "1.0", paddingBytes: 3 * MiB);
        // The default bounds scaled down (4 MiB per file < 64 MiB per member): 1 MiB per file, 2 MiB per member.
        var options = new CodeScanOptions { MaxFileBytes = MiB, SampleBytes = 256 * 1024, ArchiveLimits = ArchiveLimits.Default with { MaxMemberBytes = 2 * MiB } };

        using var stream = File.OpenRead(wheel);
        var result = PackageScanner.Scan(stream, Path.GetFileName(wheel), options);

        Assert.Equal(Verdict.Malicious, result.Verdict);
        var exec = Assert.Single(result.Findings, f => f.RuleId == "MOAT-CODE-020" && f.Location.Path == "padded_boot.pth");
        Assert.Equal(1, exec.Location.Line);
        Assert.Contains("MemberSizeExceeded", Single(result, "MOAT-PKG-011").Message);
        Assert.Contains("only its first", Single(result, "MOAT-PKG-012").Message);
    }

    [Fact]
    public void The_same_pth_under_the_limits_is_malicious_too_and_not_unverified()
    {
        var wheel = PaddedWheel.Build(_temp.FullName, "small", "1.0", paddingBytes: 10_000);
        var result = PackageScanner.Scan(wheel);
        Assert.Equal(Verdict.Malicious, result.Verdict);
        Assert.DoesNotContain(result.Findings, RuleCatalog.IsCouldNotCheck);
    }

    [Fact]
    public void A_python_file_over_the_file_limit_is_analysed_head_and_tail_with_true_line_numbers()
    {
        var padding = string.Concat(Enumerable.Repeat("# padding line that pushes the payload down\n", 5_000)); // 220 KB
        var source = "VALUE = 1\n" + padding + ExecPayload;
        var archive = Zip(("pkg/__init__.py", source), ("pkg/other.py", "B = 2\n"));
        var options = new CodeScanOptions { MaxFileBytes = 100_000, SampleBytes = 16 * 1024 };

        var result = Scan(archive, "pkg-1.0-py3-none-any.whl", options);

        Assert.Equal(Verdict.Malicious, result.Verdict); // found in the tail
        var exec = result.Findings.First(f => f.RuleId == "MOAT-CODE-020");
        var expectedLine = source[..source.IndexOf("exec(", StringComparison.Ordinal)].Count(c => c == '\n') + 1;
        Assert.Equal(expectedLine, exec.Location.Line);
        var partly = Single(result, "MOAT-PKG-012");
        Assert.Equal("pkg/__init__.py", partly.Location.Path);
    }

    [Fact]
    public void Files_past_the_package_source_budget_are_reported_as_not_analysed()
    {
        var archive = Zip(("pkg/__init__.py", "A = 1\n"), ("pkg/b.py", "B = 2\n"), ("pkg/c.py", "C = 3\n"));
        var result = Scan(archive, "pkg-1.0-py3-none-any.whl", new CodeScanOptions { MaxSourceBytes = 8 });
        Assert.Equal(Verdict.Unverified, result.Verdict);
        Assert.Equal(2, result.Findings.Count(f => f.RuleId == "MOAT-PKG-012" && f.Message.StartsWith("Not analysed", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_single_oversized_python_file_is_sampled_too()
    {
        var path = Path.Combine(_temp.FullName, "big.py");
        File.WriteAllText(path, ExecPayload + string.Concat(Enumerable.Repeat("# pad\n", 40_000)));
        var result = PackageScanner.Scan(path, new CodeScanOptions { MaxFileBytes = 64 * 1024, SampleBytes = 8 * 1024 });
        Assert.Equal(Verdict.Malicious, result.Verdict);
        Assert.Contains(result.Findings, f => f.RuleId == "MOAT-PKG-012");
    }

    // ---------------------------------------------------------------- code engine limits

    private static ScanResult ScanModule(string source, CodeScanOptions? options = null) =>
        Scan(Zip(("pkg/__init__.py", source)), "pkg-1.0-py3-none-any.whl", options);

    [Fact]
    public void A_file_the_parser_gave_up_on_is_unverified()
    {
        var deep = "X = " + new string('(', PyParser.MaxDepth + 10) + "1" + new string(')', PyParser.MaxDepth + 10) + "\n";
        var result = ScanModule(deep);
        Assert.Equal(Verdict.Unverified, result.Verdict);
        Assert.Equal("pkg/__init__.py", Single(result, "MOAT-CODE-090").Location.Path);
    }

    [Fact]
    public void A_layer_chain_cut_at_its_depth_cap_is_reported()
    {
        var layer = "print('innermost')\n";
        for (var i = 0; i < 4; i++) layer = $"import base64\nexec(base64.b64decode('{Convert.ToBase64String(Encoding.UTF8.GetBytes(layer))}'))\n";
        var result = ScanModule(layer, new CodeScanOptions { MaxLayerDepth = 2 });
        var cut = Single(result, "MOAT-CODE-091");
        Assert.Contains("deeper than 2 layers", cut.Message);
        Assert.Equal(2, cut.Location.Line);
        Assert.Equal(Verdict.Malicious, result.Verdict); // decode → exec was seen before the cut

        Assert.DoesNotContain(ScanModule(layer).Findings, f => f.RuleId == "MOAT-CODE-091"); // 4 layers: within the default 8
    }

    [Fact]
    public void The_layer_count_cap_is_reported()
    {
        string Exec(string code) => $"exec(base64.b64decode('{Convert.ToBase64String(Encoding.UTF8.GetBytes(code))}'))\n";
        var source = "import base64\n" + Exec("print(1)\n") + Exec("print(2)\n") + Exec("print(3)\n");
        var result = ScanModule(source, new CodeScanOptions { MaxLayers = 1 });
        Assert.Contains("more than 1 decoded layers", Single(result, "MOAT-CODE-091").Message);
    }

    [Fact]
    public void The_evaluator_step_budget_running_out_is_reported()
    {
        const string source = "def spin(n):\n    total = 0\n    for i in range(n):\n        total = total + i\n    return total\n\nVALUE = spin(5000)\n";
        Assert.DoesNotContain(ScanModule(source).Findings, RuleCatalog.IsCouldNotCheck);
        var result = ScanModule(source, new CodeScanOptions { EvaluatorStepBudget = 1_000 });
        Assert.Equal(Verdict.Unverified, result.Verdict);
        Assert.Contains("1,000 steps", Single(result, "MOAT-CODE-092").Message);
    }

    [Fact]
    public void The_function_walk_cap_is_reported()
    {
        const string source = "def a():\n    return 1\n\ndef b():\n    return 2\n\ndef c():\n    return 3\n\na()\nb()\nc()\n";
        Assert.DoesNotContain(ScanModule(source).Findings, RuleCatalog.IsCouldNotCheck);
        var result = ScanModule(source, new CodeScanOptions { MaxFunctionWalks = 1 });
        Assert.Contains("walks were left undone", Single(result, "MOAT-CODE-092").Message);
    }

    [Fact]
    public void The_evaluator_says_when_its_budget_ran_out()
    {
        var module = PyParser.Parse("def f(n):\n    t = 0\n    for i in range(n):\n        t = t + i\n    return t\n");
        var evaluator = new Evaluator(stepBudget: 100);
        evaluator.DefineFunction((FuncDef)module.Body[0]);
        Assert.False(evaluator.BudgetExhausted);
        evaluator.Eval(((ExprStmt)PyParser.Parse("f(1000)\n").Body[0]).Value);
        Assert.True(evaluator.BudgetExhausted);
    }

    // ---------------------------------------------------------------- input that is not a package

    [Fact]
    public void Input_that_is_not_a_package_is_told_apart_from_a_broken_package()
    {
        string Write(string name, byte[] data)
        {
            var path = Path.Combine(_temp.FullName, name);
            File.WriteAllBytes(path, data);
            return path;
        }
        var noise = new byte[4096];
        new Random(5).NextBytes(noise);
        noise[0] = 0x00;
        Assert.Equal("not a gzip/tar archive", PackageInput.Problem(Write("x.tar.gz", noise)));
        Assert.Equal("not a zip archive", PackageInput.Problem(Write("x-1.0-py3-none-any.whl", noise)));
        byte[] elf = [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, .. new byte[600]];
        Assert.StartsWith("an ELF executable, not a package", PackageInput.Problem(Write("ls", elf)));
        Assert.Equal("empty file, not a package", PackageInput.Problem(Write("empty.tar.gz", [])));
        Assert.Equal("no such file or directory", PackageInput.Problem(Path.Combine(_temp.FullName, "missing.tar.gz")));
        Assert.StartsWith("empty directory", PackageInput.Problem(_temp.CreateSubdirectory("empty").FullName));
        var links = _temp.CreateSubdirectory("links");
        File.CreateSymbolicLink(Path.Combine(links.FullName, "ok-1.0.tar.gz"), Write("linked-1.0.tar.gz", TarGz(("ok-1.0/setup.py", "print(1)\n"u8.ToArray()))));
        Directory.CreateSymbolicLink(Path.Combine(links.CreateSubdirectory("nested").FullName, "loop"), links.FullName);
        Assert.Equal("no files to scan: the directory holds only symbolic links (2), which are not followed", PackageInput.Problem(links.FullName));

        var truncated = TarGz(("ok-1.0/setup.py", "from setuptools import setup\n"u8.ToArray()));
        Assert.Null(PackageInput.Problem(Write("ok-1.0.tar.gz", truncated[..20])));   // right magic: a broken package, scanned
        Assert.Null(PackageInput.Problem(Write("tool.py", "print(1)\n"u8.ToArray())));
    }

    public void Dispose() => _temp.Delete(recursive: true);
}
