using System.Text.Json;

namespace Moat.EndToEnd.Tests;

/// <summary>Release approval with the real clients: twine uploads to a project that requires approval, pip cannot see the release until it is approved.</summary>
public sealed class ReleaseApprovalEndToEndTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "moat-e2e", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Twine_stages_a_release_pip_cannot_install_it_until_an_admin_approves_it()
    {
        using var server = await MoatServer.StartAsync(Path.Combine(_root, "data"));
        var token = server.Admin("token", "create", "--project", "moat-e2e-gated");
        var builds = Path.Combine(_root, "builds");
        string[] Twine(IEnumerable<string> dists) => ["upload", "--verbose", "--non-interactive", "--disable-progress-bar", "--repository-url", server.Url + "/legacy/",
            "-u", "__token__", "-p", token, .. dists];

        var first = Tools.Run("twine", Twine(Tools.Build(builds, "moat-e2e-gated", "1.0")));
        Assert.True(first.Exit == 0, first.Output + first.Error);
        Assert.Contains("now need approval", server.Admin("approval", "moat-e2e-gated", "on"));

        // twine succeeds (exit 0) and, with --verbose, shows the server's notice that the release is staged.
        var staged = Tools.Run("twine", Twine(Tools.Build(builds, "moat-e2e-gated", "2.0")));
        Assert.True(staged.Exit == 0, staged.Output + staged.Error);
        Assert.Contains("Staged moat-e2e-gated 2.0", staged.Output + staged.Error);
        var listed = JsonDocument.Parse(server.Admin("staged", "moat-e2e-gated")).RootElement;
        Assert.Equal("2.0", listed.GetProperty("version").GetString());
        Assert.Equal(2, listed.GetProperty("files").GetArrayLength()); // the wheel and the sdist

        var venv = Path.Combine(_root, "venv");
        Tools.Check(Tools.Python, ["-m", "venv", venv]);
        var pip = Path.Combine(venv, "bin", "pip");
        var hidden = Tools.Run(pip, ["install", "--no-cache-dir", "--index-url", server.Url + "/simple/", "moat-e2e-gated==2.0"]);
        Assert.NotEqual(0, hidden.Exit);
        Assert.Contains("No matching distribution found for moat-e2e-gated==2.0", hidden.Output + hidden.Error);

        Assert.Contains("Approved moat-e2e-gated 2.0", server.Admin("approve", "moat-e2e-gated", "2.0"));
        await Task.Delay(1200); // the running server re-reads the serial of a page older than a second

        var install = Tools.Run(pip, ["install", "--no-cache-dir", "--index-url", server.Url + "/simple/", "moat-e2e-gated"]);
        Assert.True(install.Exit == 0, install.Output + install.Error + server.Log);
        var installed = JsonDocument.Parse(Tools.Check(pip, ["list", "--format=json"])).RootElement.EnumerateArray()
            .ToDictionary(p => p.GetProperty("name").GetString()!, p => p.GetProperty("version").GetString()!);
        Assert.Equal("2.0", installed["moat-e2e-gated"]);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
