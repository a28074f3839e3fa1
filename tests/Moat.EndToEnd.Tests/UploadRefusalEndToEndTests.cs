using System.Text.RegularExpressions;
using Moat.Testing;

namespace Moat.EndToEnd.Tests;

/// <summary>
/// What twine shows when the gate holds or refuses an upload. twine prints a refusal's reason phrase ("HTTPError: 400
/// Bad Request from … &lt;reason&gt;") always, and a success's status line and body only with <c>--verbose</c>
/// ("Response from …: 200 &lt;reason&gt;"); a reason phrase is ASCII, so non-ASCII reaches the user through the UTF-8 body.
/// </summary>
public sealed partial class UploadRefusalEndToEndTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "moat-e2e", Guid.NewGuid().ToString("N"));

    private string[] Twine(MoatServer server, string token, string file, bool verbose) =>
        ["upload", .. verbose ? ["--verbose"] : Array.Empty<string>(), "--non-interactive", "--disable-progress-bar", "--repository-url", server.Url + "/legacy/", "-u", "__token__", "-p", token, file];

    /// <summary>twine's output as one line: rich wraps long lines at the terminal width.</summary>
    private static string Flat(string output) => Whitespace().Replace(output, " ");

    private static readonly Dictionary<string, string> WideTerminal = new() { ["COLUMNS"] = "400" };

    [Fact]
    public async Task Twine_reports_an_upload_held_for_review_as_accepted_but_held_with_the_reason()
    {
        var config = Path.Combine(_root, "moat.toml");
        Directory.CreateDirectory(_root);
        File.WriteAllText(config, "[policy]\nmalicious = \"quarantine\"\n");
        using var server = await MoatServer.StartAsync(Path.Combine(_root, "data"), config: config);
        // Defanged cryptominer (pool address in base64, example.net hosts): judged malicious by the code scan.
        var sample = FixturePacker.PackCorpusSample("malicious", "m093-miner-obfuscated-pool", Path.Combine(_root, "dist"));
        var token = server.Admin("token", "create", "--project", sample.Project);
        var file = Path.Combine(_root, "dist", sample.Filename);

        var held = Tools.Run("twine", Twine(server, token, file, verbose: true), env: WideTerminal);
        Assert.True(held.Exit == 0, held.Output + held.Error); // stored: not a failure
        var shown = Flat(held.Output + held.Error);
        Assert.Contains($"200 OK, accepted but held for review: {sample.Filename} is quarantined: judged malicious", shown);

        // The same file again gets the same answer, not a bare "OK".
        var again = Tools.Run("twine", Twine(server, token, file, verbose: true), env: WideTerminal);
        Assert.True(again.Exit == 0, again.Output + again.Error);
        Assert.Contains("200 OK, accepted but held for review:", Flat(again.Output + again.Error));
    }

    [Fact]
    public async Task Twine_shows_a_refusal_reason_with_its_non_ascii_characters_readable()
    {
        using var server = await MoatServer.StartAsync(Path.Combine(_root, "data"));
        // setup.py runs exec(base64.b64decode(...)) (a harmless print): "Decoded data is executed: base64 → exec".
        var sample = FixturePacker.PackCorpusSample("malicious", "m002-setup-module-exec-b64", Path.Combine(_root, "dist"));
        var token = server.Admin("token", "create", "--project", sample.Project);
        var file = Path.Combine(_root, "dist", sample.Filename);

        var quiet = Tools.Run("twine", Twine(server, token, file, verbose: false), env: WideTerminal);
        Assert.NotEqual(0, quiet.Exit);
        var reason = Flat(quiet.Output + quiet.Error);
        Assert.Contains("HTTPError: 400 Bad Request", reason);
        Assert.Contains("Decoded data is executed: base64 -> exec", reason); // the reason phrase: readable ASCII, never "?"
        Assert.DoesNotContain("base64 ? exec", reason);

        var verbose = Tools.Run("twine", Twine(server, token, file, verbose: true), env: WideTerminal);
        Assert.NotEqual(0, verbose.Exit);
        Assert.Contains("Decoded data is executed: base64 → exec", Flat(verbose.Output + verbose.Error)); // the body: exact UTF-8
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
