using System.CommandLine;
using System.Text.Json;
using Moat.Analysis.Domains.Generation;
using Moat.Cli;
using Moat.Cli.Commands;
using Moat.Testing;

namespace Moat.Cli.Tests;

public class DomainsAndLinksCliTests
{
    private static string Fixture(string name) => TestPaths.Fixtures("domains", name);

    [Fact]
    public void Links_on_a_phishing_mail_fails_and_names_the_lookalike()
    {
        var (exit, output, _) = CliTests.Run("links", Fixture("pypj-email-verification.eml"));
        Assert.Equal(ExitCodes.Findings, exit);
        Assert.Contains("MOAT-LINK-003", output);
        Assert.Contains("pypj.org imitates pypi.org", output);
    }

    [Fact]
    public void Links_on_a_legitimate_mail_passes()
    {
        var (exit, output, _) = CliTests.Run("links", Fixture("pypi-release-notice.eml"));
        Assert.Equal(ExitCodes.Clean, exit);
        Assert.Contains("0 malicious, 0 suspicious, 20 clean", output);
    }

    [Fact]
    public void Links_json_uses_url_domain_and_file_kinds()
    {
        var (exit, output, _) = CliTests.Run("links", Fixture("pypi-mirror-account-verification.eml"), "pypy.org", "--format", "json");
        Assert.Equal(ExitCodes.Findings, exit);
        using var json = JsonDocument.Parse(output);
        var results = json.RootElement.GetProperty("results").EnumerateArray().ToList();
        string KindOf(string target) => results.Single(r => r.GetProperty("target").GetString() == target).GetProperty("kind").GetString()!;
        Assert.Equal("url", KindOf("https://pypi-mirror.org/account/login/?next=/manage/projects/"));
        Assert.Equal("domain", KindOf("pypi-support.net"));
        Assert.Equal("file", KindOf(Fixture("pypi-mirror-account-verification.eml")));
        var pypy = results.Single(r => r.GetProperty("target").GetString() == "pypy.org");
        Assert.Equal("clean", pypy.GetProperty("verdict").GetString());
    }

    [Fact]
    public void Links_sarif_is_sarif()
    {
        var (_, output, _) = CliTests.Run("links", "pypj.org", "--format", "sarif");
        using var json = JsonDocument.Parse(output);
        Assert.Equal("2.1.0", json.RootElement.GetProperty("version").GetString());
        Assert.Contains("MOAT-DOMAIN-002", output);
    }

    [Fact]
    public void Fail_on_critical_lets_a_tld_swap_pass()
    {
        Assert.Equal(ExitCodes.Findings, CliTests.Run("links", "pypi.net").Exit);
        Assert.Equal(ExitCodes.Clean, CliTests.Run("links", "pypi.net", "--fail-on", "critical").Exit);
    }

    [Fact]
    public void Protect_adds_a_domain_and_protect_file_reads_a_list()
    {
        Assert.Equal(ExitCodes.Clean, CliTests.Run("links", "examplebank-login.com").Exit);
        Assert.Equal(ExitCodes.Findings, CliTests.Run("links", "examplebank-login.com", "--protect", "examplebank.com").Exit);
        var list = Path.Combine(Path.GetTempPath(), $"moat-protect-{Guid.NewGuid():N}.txt");
        File.WriteAllText(list, "# ours\nexamplebank.com\n");
        try
        {
            Assert.Equal(ExitCodes.Findings, CliTests.Run("links", "examp1ebank.com", "--protect-file", list, "--no-default-protect").Exit);
            Assert.Equal(ExitCodes.Clean, CliTests.Run("links", "pypj.org", "--protect-file", list, "--no-default-protect").Exit);
        }
        finally
        {
            File.Delete(list);
        }
    }

    [Theory]
    [InlineData("links", "no such file.txt")]
    [InlineData("links", "pypj.org", "--protect", "not a domain")]
    [InlineData("links", "pypj.org", "--protect-file", "/nonexistent/protect.txt")]
    [InlineData("domains", "generate", "not a domain")]
    public void Bad_input_is_exit_2_with_one_line(params string[] args)
    {
        var (exit, _, error) = CliTests.Run(args);
        Assert.Equal(ExitCodes.InputError, exit);
        Assert.StartsWith("moat: ", error);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public void Generate_lists_hosts_and_counts_techniques()
    {
        var (exit, output, error) = CliTests.Run("domains", "generate", "pypi.org");
        Assert.Equal(ExitCodes.Clean, exit);
        var hosts = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')[0]).ToList();
        Assert.Contains("pypj.org", hosts);
        Assert.Contains("pypi-mirror.org", hosts);
        Assert.Contains("pypi-support.net", hosts);
        Assert.Contains($"pypi.org: {hosts.Count} lookalikes", error);
        Assert.Contains("brand-keyword", error);
        // Homoglyphs show their Unicode form beside the punycode.
        Assert.Contains(output.Split('\n'), l => l.StartsWith("xn--", StringComparison.Ordinal) && l.Contains('\t'));
    }

    [Fact]
    public void Generate_json_and_csv()
    {
        var (_, json, _) = CliTests.Run("domains", "generate", "pypi.org", "--format", "json");
        using var document = JsonDocument.Parse(json);
        var domain = document.RootElement.GetProperty("domains")[0];
        var total = domain.GetProperty("total").GetInt32();
        Assert.Equal(total, domain.GetProperty("permutations").GetArrayLength());
        Assert.Equal(total, domain.GetProperty("counts").EnumerateObject().Sum(p => p.Value.GetInt32()));

        var (_, csv, _) = CliTests.Run("domains", "generate", "pypi.org", "--format", "csv");
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("domain,host,display,technique,detail", lines[0]);
        Assert.Equal(total + 1, lines.Length);
        Assert.Contains("pypi.org,pypi-mirror.org,pypi-mirror.org,brand-keyword,'mirror' + .org", lines);
    }

    private sealed class FakeResolver : IDomainResolver
    {
        public Task<DnsRecords> ResolveAsync(string host, CancellationToken cancellationToken) => Task.FromResult(host switch
        {
            "pypj.org" => new DnsRecords(["192.0.2.7"], []),
            "pypi-mirror.org" => new DnsRecords([], ["mx.pypi-mirror.org"]),
            _ => DnsRecords.None,
        });
    }

    [Fact]
    public void Generate_resolve_keeps_registered_names_through_the_resolver_seam()
    {
        var root = new RootCommand { DomainsCommand.Create(new FakeResolver()) };
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = root.Parse(["domains", "generate", "pypi.org", "--resolve", "--format", "csv"])
            .Invoke(new InvocationConfiguration { Output = output, Error = error });
        Assert.Equal(0, exit);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("domain,host,display,technique,detail,addresses,mx", lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.Contains(lines, l => l.StartsWith("pypi.org,pypj.org,", StringComparison.Ordinal) && l.EndsWith(",192.0.2.7,", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("pypi.org,pypi-mirror.org,", StringComparison.Ordinal) && l.EndsWith(",,mx.pypi-mirror.org", StringComparison.Ordinal));
        Assert.Contains("2 resolve", error.ToString());
    }
}
