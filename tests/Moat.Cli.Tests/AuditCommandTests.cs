using System.Net;
using System.Text.Json;
using Moat.Cli.Commands;
using Moat.Testing;

namespace Moat.Cli.Tests;

public class AuditCommandTests
{
    private static string Fixture(params string[] parts) => TestPaths.Fixtures(["audit", .. parts]);

    [Fact]
    public void Auditing_a_requirements_file_reports_each_dependency_in_json()
    {
        var (exit, output, error) = CliTests.Run("audit", Fixture("app", "requirements.txt"), "--format", "json",
            "--internal-prefix", "acme-", "--osv", TestPaths.Data("pypa-advisory-database.tar.gz"));
        Assert.True(exit == 1, error);
        using var json = JsonDocument.Parse(output);
        var results = json.RootElement.GetProperty("results").EnumerateArray().ToList();
        var targets = results.Select(r => r.GetProperty("target").GetString()).ToList();
        Assert.Contains("jinja2==2.7.1", targets);
        Assert.Contains("acme-billing-core==1.4.0", targets);

        var jinja = results.Single(r => r.GetProperty("target").GetString() == "jinja2==2.7.1");
        Assert.Equal("dependency", jinja.GetProperty("kind").GetString());
        Assert.Contains(jinja.GetProperty("findings").EnumerateArray(), f => f.GetProperty("evidence").GetString() == "PYSEC-2014-8");
        var internalDep = results.Single(r => r.GetProperty("target").GetString() == "acme-billing-core==1.4.0");
        Assert.Contains(internalDep.GetProperty("findings").EnumerateArray(), f => f.GetProperty("rule").GetString() == "MOAT-DEP-007");
        var file = results.Single(r => r.GetProperty("kind").GetString() == "file");
        Assert.Contains(file.GetProperty("findings").EnumerateArray(), f => f.GetProperty("rule").GetString() == "MOAT-DEP-006");
    }

    [Fact]
    public void Text_output_ends_with_a_summary_line()
    {
        var (exit, output, _) = CliTests.Run("audit", Fixture("uv", "uv.lock"), "--no-osv");
        Assert.Equal(0, exit);
        Assert.Contains("audit: 2 dependencies, no findings; no advisory database", output);
    }

    [Fact]
    public void A_directory_is_searched_for_dependency_files()
    {
        var (_, output, _) = CliTests.Run("audit", Fixture("poetry"), "--no-osv", "--format", "json");
        using var json = JsonDocument.Parse(output);
        var targets = json.RootElement.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("target").GetString()).ToList();
        Assert.Contains("numpy==1.26.4", targets);   // from poetry.lock
        Assert.Contains("numpy 1.26.4", targets);    // from pyproject.toml
    }

    [Theory]
    [InlineData("setup.cfg", "unknown dependency file format")]
    [InlineData("missing-requirements.txt", "no such file")]
    public void Bad_input_is_exit_code_2_with_one_line(string name, string message)
    {
        var path = Path.Combine(Path.GetTempPath(), $"moat-{Guid.NewGuid():N}-{name}");
        if (!name.StartsWith("missing", StringComparison.Ordinal)) File.WriteAllText(path, "[metadata]\n");
        try
        {
            var (exit, _, error) = CliTests.Run("audit", path, "--no-osv");
            Assert.Equal(2, exit);
            Assert.Contains(message, error);
            Assert.Single(error.Trim().Split('\n'));
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A bounded HTTP server on 127.0.0.1 for one test: answers with <paramref name="handler"/> until disposed.</summary>
    internal sealed class LocalServer : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _loop;

        public LocalServer(Action<HttpListenerContext> handler)
        {
            var port = FreePort();
            Url = $"http://127.0.0.1:{port}/";
            _listener.Prefixes.Add(Url);
            _listener.Start();
            _loop = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    HttpListenerContext context;
                    try { context = await _listener.GetContextAsync(); }
                    catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException) { return; }
                    try { handler(context); }
                    finally
                    {
                        lock (Statuses) Statuses.Add(context.Response.StatusCode);
                        context.Response.Close();
                    }
                }
            });
        }

        public string Url { get; }
        public List<int> Statuses { get; } = [];

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            _loop.Wait(TimeSpan.FromSeconds(5));
        }

        internal static int FreePort()
        {
            var socket = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
            socket.Start();
            var port = ((IPEndPoint)socket.LocalEndpoint).Port;
            socket.Stop();
            return port;
        }
    }
}

public class AuditNameCheckTests
{
    [Fact]
    public void Typosquatted_dependencies_are_flagged_by_the_name_engine()
    {
        var (exit, output, _) = CliTests.Run("audit", TestPaths.Fixtures("audit", "app", "requirements.txt"), "--no-osv", "--format", "json");
        Assert.Equal(1, exit);
        using var json = System.Text.Json.JsonDocument.Parse(output);
        var squat = json.RootElement.GetProperty("results").EnumerateArray().Single(r => r.GetProperty("target").GetString() == "reqeusts==2.31.0");
        var finding = squat.GetProperty("findings").EnumerateArray().First(f => f.GetProperty("rule").GetString()!.StartsWith("MOAT-NAME-", StringComparison.Ordinal));
        Assert.Contains("requests", finding.GetProperty("message").GetString());
        Assert.Equal(14, finding.GetProperty("line").GetInt32());

        var (_, clean, _) = CliTests.Run("audit", TestPaths.Fixtures("audit", "app", "requirements.txt"), "--no-osv", "--no-names", "--format", "json");
        Assert.DoesNotContain("MOAT-NAME-", clean);
    }
}
