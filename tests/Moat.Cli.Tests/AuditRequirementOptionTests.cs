using System.Text.Json;
using Moat.Testing;

namespace Moat.Cli.Tests;

/// <summary><c>-r FILE</c> (a requirements file of any name) and <c>--ignore-vuln ID</c>.</summary>
public sealed class AuditRequirementOptionTests : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("moat-audit-r-");

    public void Dispose() => _work.Delete(recursive: true);

    private static readonly string Osv = TestPaths.Data("pypa-advisory-database.tar.gz");

    private string Write(string name, string text)
    {
        var path = Path.Combine(_work.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Dash_r_reads_a_requirements_file_of_any_name_with_its_includes()
    {
        Write("base.pip-deps", "jinja2==2.7.1\n");
        var deps = Write("deps.lst", "-r base.pip-deps\nsix==1.16.0\n");
        // By name alone the file is not recognised…
        var (exit, _, error) = CliTests.Run("audit", deps, "--no-names", "--osv", Osv);
        Assert.Equal(2, exit);
        Assert.Contains("-r FILE", error);
        // …with -r it is read as pip reads it, including its own -r.
        (exit, var output, error) = CliTests.Run("audit", "-r", deps, "--no-names", "--osv", Osv, "--format", "json");
        Assert.True(exit == 1, error);
        using var json = JsonDocument.Parse(output);
        var targets = json.RootElement.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("target").GetString()).ToList();
        Assert.Contains("jinja2==2.7.1", targets);
        Assert.Contains("six==1.16.0", targets);

        (exit, _, error) = CliTests.Run("audit", "-r", Path.Combine(_work.FullName, "missing.lst"), "--no-osv");
        Assert.Equal(2, exit);
        Assert.Contains("no such file", error);
    }

    [Fact]
    public void Ignore_vuln_drops_an_advisory_by_id_or_alias_and_leaves_the_others()
    {
        var requirements = Write("requirements.txt", "jinja2==2.7.1\n");
        static List<string> Advisories(string output)
        {
            using var json = JsonDocument.Parse(output);
            return [.. json.RootElement.GetProperty("results")[0].GetProperty("findings").EnumerateArray()
                .Where(f => f.TryGetProperty("vulnerability", out _)).Select(f => f.GetProperty("evidence").GetString()!)];
        }
        var all = Advisories(CliTests.Run("audit", requirements, "--no-names", "--osv", Osv, "--format", "json").Out);
        Assert.Contains("PYSEC-2014-8", all);
        Assert.True(all.Count > 1);

        var byId = Advisories(CliTests.Run("audit", requirements, "--no-names", "--osv", Osv, "--format", "json", "--ignore-vuln", "pysec-2014-8").Out);
        Assert.Equal(all.Count - 1, byId.Count);
        Assert.DoesNotContain("PYSEC-2014-8", byId);
        // CVE-2014-1402 is PYSEC-2014-8's alias.
        var byAlias = Advisories(CliTests.Run("audit", requirements, "--no-names", "--osv", Osv, "--format", "json", "--ignore-vuln", "CVE-2014-1402").Out);
        Assert.DoesNotContain("PYSEC-2014-8", byAlias);

        // Ignoring every advisory leaves the dependency clean, exit 0.
        var args = new List<string> { "audit", requirements, "--no-names", "--osv", Osv };
        foreach (var id in all) args.AddRange(["--ignore-vuln", id]);
        var (exit, output, _) = CliTests.Run([.. args]);
        Assert.Equal(0, exit);
        Assert.Contains("CLEAN  jinja2==2.7.1", output);
    }
}
