using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Moat.Cli.Tests;

/// <summary><c>moat check --index-url</c>: each resembling name's release history is read from a JSON simple index and weighed.</summary>
public sealed class NameHistoryCliTests
{
    private static string Page(string project, params (string Version, DateTimeOffset Uploaded)[] releases) =>
        JsonSerializer.Serialize(new
        {
            meta = new { api_version = "1.1" },
            name = project,
            files = releases.Select(r => new Dictionary<string, object>
            {
                ["filename"] = $"{project}-{r.Version}-py3-none-any.whl",
                ["url"] = $"/files/{project}-{r.Version}-py3-none-any.whl",
                ["hashes"] = new Dictionary<string, string> { ["sha256"] = new string('a', 64) },
                ["upload-time"] = r.Uploaded.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ"),
            }),
        });

    [Fact]
    public async Task A_new_squat_is_raised_an_established_lookalike_lowered_and_unknown_names_are_left_as_they_are()
    {
        var now = DateTimeOffset.UtcNow;
        var pages = new Dictionary<string, string>
        {
            ["/simple/reqeusts/"] = Page("reqeusts", ("2.31.0", now.AddDays(-3))),
            ["/simple/requets/"] = Page("requets", [.. Enumerable.Range(0, 6).Select(i => ($"1.{i}", now.AddYears(-6 + i)))]),
        };
        var asked = new List<string>();
        var port = FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        using var stop = new CancellationTokenSource();
        var serve = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                HttpListenerContext context;
                try { context = await listener.GetContextAsync(); } catch (HttpListenerException) { return; } catch (ObjectDisposedException) { return; }
                var path = context.Request.Url!.AbsolutePath;
                lock (asked) asked.Add(path);
                if (pages.TryGetValue(path, out var body))
                {
                    context.Response.ContentType = "application/vnd.pypi.simple.v1+json";
                    await context.Response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes(body));
                }
                else context.Response.StatusCode = 404;
                context.Response.Close();
            }
        });

        var (exit, output, error) = CliTests.Run("check", "reqeusts", "requets", "requestes", "flask", "--index-url", $"http://127.0.0.1:{port}/simple/", "--format", "json");
        stop.Cancel();
        listener.Stop();
        Assert.Equal(1, exit);
        using var json = JsonDocument.Parse(output);
        var results = json.RootElement.GetProperty("results").EnumerateArray().ToDictionary(r => r.GetProperty("target").GetString()!);
        var squat = results["reqeusts"].GetProperty("findings")[0].GetProperty("message").GetString()!;
        Assert.Contains("first release 3 days ago, 1 release (new; raised the score ×1.3)", squat);
        Assert.Equal("malicious", results["reqeusts"].GetProperty("verdict").GetString());
        var established = results["requets"].GetProperty("findings")[0].GetProperty("message").GetString()!;
        Assert.Contains("6 releases (established; lowered the score ×0.5)", established);
        Assert.Equal("suspicious", results["requestes"].GetProperty("verdict").GetString()); // not on the index: unweighed
        Assert.Contains("requestes is not on", error);
        Assert.Equal("clean", results["flask"].GetProperty("verdict").GetString());
        Assert.DoesNotContain("/simple/flask/", asked); // a name that resembles nothing is never looked up
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
