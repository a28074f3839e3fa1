using System.Text.Json;
using Moat.Testing;

namespace Moat.Cli.Tests;

public sealed class CiAndSecretsCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("moat-cli-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Ci_reports_the_ghostaction_workflow_as_malicious_in_json()
    {
        var (exit, output, _) = CliTests.Run("ci", TestPaths.Fixtures("workflows", "ghostaction", "vulnerable.yml"), "--format", "json");
        Assert.Equal(1, exit);
        using var json = JsonDocument.Parse(output);
        var result = Assert.Single(json.RootElement.GetProperty("results").EnumerateArray().ToList());
        Assert.Equal("workflow", result.GetProperty("kind").GetString());
        Assert.Equal("malicious", result.GetProperty("verdict").GetString());
        Assert.Contains(result.GetProperty("findings").EnumerateArray(), f => f.GetProperty("rule").GetString() == "MOAT-CI-001" && f.GetProperty("line").GetInt32() == 18);
    }

    [Theory]
    [InlineData("passwd", "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n", "the file is not a YAML mapping")]
    [InlineData("settings.yml", "name: settings\nvalues: [1, 2]\n", "not a GitHub Actions workflow: it has no 'on' and 'jobs'")]
    [InlineData("broken.yml", "on: [push\n", "not valid YAML")]
    [InlineData("action.yml", "name: x\ndescription: y\n", "not a GitHub action: it has no 'runs'")]
    [InlineData("empty.yml", "", "the file is not a YAML mapping")]
    public void Ci_on_a_file_that_is_not_a_ci_file_exits_2_with_one_line(string name, string content, string why)
    {
        var file = Path.Combine(_root, name);
        File.WriteAllText(file, content);
        var (exit, output, error) = CliTests.Run("ci", file);
        Assert.Equal(2, exit);
        Assert.Empty(output);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"moat: cannot audit {file} as a CI file: {why}", line);
    }

    [Fact]
    public void Ci_on_a_repository_reports_an_unreadable_workflow_unverified_beside_the_audited_ones()
    {
        var workflows = Directory.CreateDirectory(Path.Combine(_root, "repo", ".github", "workflows")).FullName;
        File.Copy(TestPaths.Fixtures("workflows", "ultralytics", "fixed.yml"), Path.Combine(workflows, "release.yml"));
        File.WriteAllText(Path.Combine(workflows, "notes.yml"), "root:x:0:0:root:/root:/bin/bash\n");
        var (exit, output, _) = CliTests.Run("ci", Path.Combine(_root, "repo"), "--format", "json");
        Assert.Equal(1, exit); // fail closed: what was not audited is not clean
        using var json = JsonDocument.Parse(output);
        var verdicts = json.RootElement.GetProperty("results").EnumerateArray().ToDictionary(r => r.GetProperty("target").GetString()!, r => r.GetProperty("verdict").GetString());
        Assert.Equal("unverified", verdicts[".github/workflows/notes.yml"]);
        Assert.Equal("clean", verdicts[".github/workflows/release.yml"]);
    }

    [Fact]
    public void Ci_on_a_fixed_workflow_exits_clean_and_fail_on_controls_the_exit_code()
    {
        Assert.Equal(0, CliTests.Run("ci", TestPaths.Fixtures("workflows", "ultralytics", "fixed.yml")).Exit);
        Assert.Equal(0, CliTests.Run("ci", TestPaths.Fixtures("workflows", "unpinned-action", "vulnerable.yml")).Exit); // medium < high
        Assert.Equal(1, CliTests.Run("ci", TestPaths.Fixtures("workflows", "unpinned-action", "vulnerable.yml"), "--fail-on", "medium").Exit);
    }

    [Fact]
    public void Ci_sarif_has_rules_locations_and_fingerprints()
    {
        var (_, output, _) = CliTests.Run("ci", TestPaths.Fixtures("workflows", "template-injection", "vulnerable.yml"), "--format", "sarif");
        using var json = JsonDocument.Parse(output);
        var run = json.RootElement.GetProperty("runs")[0];
        Assert.Contains(run.GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray(), r => r.GetProperty("id").GetString() == "MOAT-CI-005");
        var result = run.GetProperty("results")[0];
        Assert.Equal(14, result.GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("region").GetProperty("startLine").GetInt32());
        Assert.True(result.GetProperty("partialFingerprints").EnumerateObject().Any());
    }

    [Fact]
    public void Ci_without_ci_files_or_path_is_an_input_error()
    {
        Assert.Equal(2, CliTests.Run("ci", Path.Combine(_root, "missing")).Exit);
        var (exit, _, error) = CliTests.Run("ci", _root);
        Assert.Equal(2, exit);
        Assert.Contains("no CI files", error);
    }

    [Fact]
    public void Secrets_says_how_many_files_it_read_and_honours_exclude_and_secrets_toml()
    {
        File.WriteAllText(Path.Combine(_root, "a.txt"), "nothing\n");
        Directory.CreateDirectory(Path.Combine(_root, "vendor"));
        Directory.CreateDirectory(Path.Combine(_root, "docs"));
        File.WriteAllText(Path.Combine(_root, "vendor", "pip.conf"), "[global]\nindex-url = https://alice:Qz8rTy5uIo3p@pkgs.corp.example.org/simple/\n");
        File.WriteAllText(Path.Combine(_root, "docs", "pip.conf"), "[global]\nindex-url = https://bob:Qz8rTy5uIo3p@pkgs.corp.example.org/simple/\n");

        var (exit, output, error) = CliTests.Run("secrets", _root);
        Assert.Equal(1, exit);
        Assert.Contains("read 3 files", error);
        Assert.Contains("https://alice:****@pkgs.corp.example.org/simple/", output);

        var (excludedExit, _, excludedError) = CliTests.Run("secrets", _root, "--exclude", "vendor/*", "--exclude", "docs/*");
        Assert.Equal(0, excludedExit);
        Assert.Contains("read 1 file, excluded 2", excludedError);

        Directory.CreateDirectory(Path.Combine(_root, ".moat"));
        File.WriteAllText(Path.Combine(_root, ".moat", "secrets.toml"), "exclude = [\"vendor/*\"]\n");
        var (configExit, configOutput, _) = CliTests.Run("secrets", _root, "--exclude", "docs/*");
        Assert.Equal(0, configExit);
        Assert.DoesNotContain("alice", configOutput);

        File.WriteAllText(Path.Combine(_root, ".moat", "secrets.toml"), "exclud = []\n");
        var (badExit, _, badError) = CliTests.Run("secrets", _root);
        Assert.Equal(2, badExit);
        Assert.Contains("unknown key 'exclud'", badError);
    }

    [Fact]
    public void Secrets_redacts_and_baseline_round_trips()
    {
        var random = "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy"; // 30 base62 characters, token built from it below
        var token = $"ghp_{random}{Moat.Analysis.Secrets.TokenChecksum.Compute(random)}";
        File.WriteAllText(Path.Combine(_root, "config.env"), $"GH_TOKEN={token}\n");

        var (exit, output, _) = CliTests.Run("secrets", _root, "--format", "json");
        Assert.Equal(1, exit);
        Assert.DoesNotContain(token, output);
        using (var json = JsonDocument.Parse(output))
        {
            var result = Assert.Single(json.RootElement.GetProperty("results").EnumerateArray().ToList());
            Assert.Equal("file", result.GetProperty("kind").GetString());
            Assert.Equal("config.env", result.GetProperty("target").GetString());
            Assert.Equal("ghp_Ab…" + token[^4..], result.GetProperty("findings")[0].GetProperty("evidence").GetString());
        }

        var baseline = Path.Combine(Path.GetTempPath(), $"moat-baseline-{Guid.NewGuid():N}.json");
        try
        {
            Assert.Equal(0, CliTests.Run("secrets", _root, "--write-baseline", baseline).Exit);
            Assert.DoesNotContain(token, File.ReadAllText(baseline));
            var (again, text, _) = CliTests.Run("secrets", _root, "--baseline", baseline);
            Assert.Equal(0, again);
            Assert.Contains("CLEAN", text);
        }
        finally
        {
            File.Delete(baseline);
        }
    }

    [Fact]
    public void Secrets_with_a_broken_baseline_is_an_input_error()
    {
        var baseline = Path.Combine(_root, "baseline.json");
        File.WriteAllText(baseline, "[1, 2");
        var (exit, _, error) = CliTests.Run("secrets", _root, "--baseline", baseline);
        Assert.Equal(2, exit);
        Assert.Contains("baseline", error);
    }
}
