using Moat.Packaging.Distributions;
using System.Text.Json;
using Moat.Index.Accounts;
using Moat.Index.Storage;

namespace Moat.Cli.Tests;

/// <summary><c>moat admin quarantine</c> and <c>moat admin hosted …</c> on a data directory holding one quarantined upload.</summary>
public sealed class HostedAdminCommandTests : IAsyncLifetime
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("moat-cli-hosted-");
    private const string Filename = "evil_pkg-1.0.tar.gz";

    public async Task InitializeAsync()
    {
        var store = SqlMetadataStore.Open(Path.Combine(_data.FullName, "moat.db"));
        var sha = new string('e', 64);
        var file = new FileRecord(Filename, "evil-pkg", "1.0", PackageType.Sdist, "source", null, sha, null, "00", 10, DateTimeOffset.UtcNow, null, false, null,
            FileState.Quarantined, "evil_pkg-1.0.tar.gz is quarantined: judged malicious", null, null);
        Assert.Equal(AddFileOutcome.Added, (await store.AddFileAsync(file, "evil-pkg")).Outcome);
        await store.SaveVerdictAsync(new StoredVerdict(sha, Filename, "quarantine", "malicious", 9.5,
            """[{"rule":"MOAT-CODE-001","severity":"critical","message":"exec of a base64 blob","evidence":"exec(b64decode('cHJpbnQoMSk='))"}]""",
            "judged malicious", DateTimeOffset.UtcNow));
    }

    private (int Exit, string Out, string Err) Admin(params string[] args) => CliTests.Run(["admin", "--data", _data.FullName, .. args]);

    [Fact]
    public void The_overview_lists_the_upload_with_its_origin_and_show_prints_its_findings()
    {
        var (exit, output, _) = Admin("quarantine");
        Assert.Equal(0, exit);
        Assert.Contains($"{Filename}  {new string('e', 64)}  malicious  uploaded by unknown", output);

        (exit, output, _) = Admin("quarantine", "--json");
        Assert.Equal(0, exit);
        var json = JsonDocument.Parse(output).RootElement;
        Assert.Equal(Filename, Assert.Single(json.GetProperty("uploaded").EnumerateArray()).GetProperty("filename").GetString());
        Assert.Empty(json.GetProperty("proxied").EnumerateArray());

        (exit, output, _) = Admin("hosted", "show", Filename);
        Assert.Equal(0, exit);
        Assert.Contains("MOAT-CODE-001", output);
        // One key style throughout (snake_case, nested objects too) and quotes as themselves, not \u0027 escapes.
        var shown = JsonDocument.Parse(output).RootElement;
        Assert.Equal(["verdict", "action", "score", "message", "findings"], shown.GetProperty("verdict").EnumerateObject().Select(p => p.Name));
        Assert.Contains(shown.EnumerateObject(), p => p.Name == "uploaded_by");
        Assert.Contains("exec(b64decode('cHJpbnQoMSk='))", output);
        Assert.DoesNotContain("\\u0027", output);
    }

    [Fact]
    public async Task Release_needs_a_reason_then_makes_the_file_available_and_is_recorded_with_the_operator()
    {
        var (exit, _, _) = Admin("hosted", "release", Filename);
        Assert.NotEqual(0, exit); // --reason is required
        var store = SqlMetadataStore.Open(Path.Combine(_data.FullName, "moat.db"));
        Assert.Equal(FileState.Quarantined, (await store.GetFileAsync(Filename))!.State);

        (exit, var output, _) = Admin("hosted", "release", Filename, "--reason", "reviewed: test fixture");
        Assert.Equal(0, exit);
        Assert.StartsWith($"Released {Filename}", output);
        Assert.Equal(FileState.Available, (await store.GetFileAsync(Filename))!.State);
        var events = await AccountStore.Open(Path.Combine(_data.FullName, "moat.db")).EventsAsync(null, "evil-pkg", 10);
        Assert.Contains("\"by\":\"moat admin (", Assert.Single(events, e => e.Kind == "firewall:release").Details);

        // Released: nothing left to show or block, and the command says so (exit 2, one line).
        (exit, _, var error) = Admin("hosted", "block", Filename, "--reason", "too late");
        Assert.Equal(2, exit);
        Assert.Contains("not quarantined", error);
        Assert.Equal("The quarantine is empty.", Admin("quarantine").Out.Trim());
    }

    public Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _data.Delete(recursive: true);
        return Task.CompletedTask;
    }
}
