using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Moat.Cli.Tests;

public class CheckCommandTests
{
    private static (int Exit, string Out, string Err) Run(params string[] args) => CliTests.Run(args);

    [Fact]
    public void A_typosquat_is_reported_with_its_target_and_fails_the_run()
    {
        var (exit, output, _) = Run("check", "reqeusts");
        Assert.Equal(1, exit);
        Assert.Contains("SUSPICIOUS  reqeusts", output);
        Assert.Contains("MOAT-NAME-001", output);
        Assert.Contains("'requests' (download rank 6)", output);
    }

    [Fact]
    public void Popular_names_are_clean_and_exit_zero()
    {
        var (exit, output, _) = Run("check", "requests", "numpy", "boto");
        Assert.Equal(0, exit);
        Assert.Contains("3 checked: 0 malicious, 0 suspicious, 3 clean", output);
    }

    [Fact]
    public void Json_has_one_result_per_name_with_kind_verdict_score_and_target()
    {
        var (exit, output, _) = Run("check", "python3-dateutil", "flask", "--format", "json");
        Assert.Equal(1, exit);
        using var json = JsonDocument.Parse(output);
        var results = json.RootElement.GetProperty("results");
        Assert.Equal(2, results.GetArrayLength());
        var squat = results[0];
        Assert.Equal("python3-dateutil", squat.GetProperty("target").GetString());
        Assert.Equal("name", squat.GetProperty("kind").GetString());
        Assert.Equal("suspicious", squat.GetProperty("verdict").GetString());
        Assert.True(squat.GetProperty("score").GetDouble() > 0);
        var finding = squat.GetProperty("findings")[0];
        Assert.Equal("MOAT-NAME-003", finding.GetProperty("rule").GetString());
        Assert.Contains("python-dateutil", finding.GetProperty("message").GetString());
        Assert.Equal("clean", results[1].GetProperty("verdict").GetString());
    }

    [Fact]
    public void Sarif_output_names_the_rule()
    {
        var (_, output, _) = Run("check", "colourama", "--format", "sarif");
        using var sarif = JsonDocument.Parse(output);
        Assert.Equal("2.1.0", sarif.RootElement.GetProperty("version").GetString());
        Assert.Contains("MOAT-NAME-001", output);
    }

    [Fact]
    public void Names_come_from_a_file_and_the_allowlist_silences_them()
    {
        var dir = Directory.CreateTempSubdirectory("moat-check");
        try
        {
            var names = Path.Combine(dir.FullName, "names.txt");
            File.WriteAllText(names, "# to check\nreqeusts\npilow\n");
            var (exit, output, _) = Run("check", "--file", names, "--fail-on", "medium");
            Assert.Equal(1, exit);
            Assert.Contains("2 checked: 0 malicious, 2 suspicious", output);

            var (allowedExit, allowed, _) = Run("check", "--file", names, "--allow", "reqeusts", "--allow", "pilow");
            Assert.Equal(0, allowedExit);
            Assert.Contains("2 clean", allowed);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_custom_corpus_replaces_the_embedded_one()
    {
        var dir = Directory.CreateTempSubdirectory("moat-check");
        try
        {
            var corpus = Path.Combine(dir.FullName, "corpus.json");
            File.WriteAllText(corpus, """{"rows":[{"project":"acmewidgets","download_count":5}]}""");
            var (exit, output, _) = Run("check", "acmewidgtes", "reqeusts", "--corpus", corpus);
            Assert.Equal(1, exit);
            Assert.Contains("'acmewidgets' (download rank 1)", output);
            Assert.Contains("CLEAN  reqeusts", output);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("check")]
    [InlineData("check", "x", "--corpus", "/nonexistent/corpus.tsv")]
    [InlineData("check", "--public-names", "/nonexistent/names.txt")]
    [InlineData("check", "--internal-prefix", "acme-", "--public-index", "ftp://example.com/simple/")]
    public void Bad_input_is_a_usage_error(params string[] args)
    {
        var (exit, _, error) = Run(args);
        Assert.Equal(2, exit);
        Assert.StartsWith("moat: ", error);
    }

    [Fact]
    public void Dependency_confusion_against_a_names_file()
    {
        var dir = Directory.CreateTempSubdirectory("moat-check");
        try
        {
            var internalNames = Path.Combine(dir.FullName, "internal.txt");
            File.WriteAllText(internalNames, "acme-billing\nwidgetcore\n");
            var publicNames = Path.Combine(dir.FullName, "public.txt");
            File.WriteAllText(publicNames, "requests\nacme_billing\nwidgetcroe\n");
            var (exit, output, _) = Run("check", "--internal", internalNames, "--public-names", publicNames);
            Assert.Equal(1, exit);
            Assert.Contains("MOAT-NAME-007", output);
            Assert.Contains("internal package 'acme-billing' also exists on public.txt", output);
            Assert.Contains("MOAT-NAME-008", output);
            Assert.Contains("internal package 'widgetcore'", output);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Dependency_confusion_against_a_live_simple_index()
    {
        var port = FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        string? accept = null;
        var serve = Task.Run(async () =>
        {
            var context = await listener.GetContextAsync();
            accept = context.Request.Headers["Accept"];
            var body = Encoding.UTF8.GetBytes("""{"meta":{"api-version":"1.1"},"projects":[{"name":"requests"},{"name":"acme-tools"}]}""");
            context.Response.ContentType = "application/vnd.pypi.simple.v1+json";
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        });
        var (exit, output, _) = Run("check", "--internal-prefix", "acme-", "--public-index", $"http://127.0.0.1:{port}/simple/", "--format", "json");
        await serve;
        Assert.Equal(1, exit);
        Assert.Contains("application/vnd.pypi.simple.v1+json", accept);
        using var json = JsonDocument.Parse(output);
        var result = Assert.Single(json.RootElement.GetProperty("results").EnumerateArray());
        Assert.Equal("acme-tools", result.GetProperty("target").GetString());
        Assert.Contains("internal prefix 'acme-'", result.GetProperty("findings")[0].GetProperty("message").GetString());
    }

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}
