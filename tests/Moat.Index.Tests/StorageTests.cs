using Moat.Packaging.Distributions;
using Moat.Index.Storage;
using Moat.Packaging;
using Tomlyn;
using Tomlyn.Model;

namespace Moat.Index.Tests;

public sealed class StorageTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "moat-storage-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Blobs_are_content_addressed()
    {
        var blobs = new FileSystemBlobStore(Path.Combine(_root, "blobs"));
        var kept = await blobs.PutAsync("kept"u8.ToArray(), default);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("kept"u8.ToArray())), kept);
        Assert.Equal(kept, await blobs.PutAsync("kept"u8.ToArray(), default)); // idempotent
        Assert.Equal([kept], (await blobs.ListAsync()).Select(b => b.Name));
        Assert.NotNull(await blobs.ReadAllAsync(kept));
        Assert.Null(await blobs.OpenReadAsync("../../etc/passwd", default));
    }

    [Fact]
    public async Task Staging_refuses_oversized_content_and_leaves_nothing()
    {
        var blobs = new FileSystemBlobStore(Path.Combine(_root, "blobs"));
        await Assert.ThrowsAsync<BlobTooLargeException>(() => blobs.StageAsync(new MemoryStream(new byte[1000]), 999, null, default));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_root, "blobs"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_file_row_needs_its_project_state_and_filenames_are_never_reused()
    {
        var store = SqlMetadataStore.Open(Path.Combine(_root, "moat.db"));
        var file = new FileRecord("a-1.0-py3-none-any.whl", "a", "1.0", PackageType.Wheel, "py3", null, new string('1', 64), null, new string('2', 32), 10,
            DateTimeOffset.UtcNow, null, false, null, FileState.Available, null, null, null);
        Assert.Equal(AddFileOutcome.Added, (await store.AddFileAsync(file, "A")).Outcome);
        Assert.Equal(AddFileOutcome.IdenticalExists, (await store.AddFileAsync(file, "A")).Outcome);
        Assert.Equal(AddFileOutcome.FilenameTaken, (await store.AddFileAsync(file with { Sha256 = new string('3', 64) }, "A")).Outcome);
        var serial = await store.GetProjectSerialAsync(NormalizedName.Of("a"));
        Assert.True(await store.DeleteFileAsync(file.Filename));
        Assert.True(await store.GetProjectSerialAsync(NormalizedName.Of("a")) > serial);
        Assert.Equal(AddFileOutcome.FilenameDeleted, (await store.AddFileAsync(file, "A")).Outcome);
        Assert.True(await store.SetProjectStatusAsync(NormalizedName.Of("a"), ProjectStatus.Archived, null));
        Assert.Equal(AddFileOutcome.ProjectNotAcceptingUploads, (await store.AddFileAsync(file with { Filename = "a-2.0-py3-none-any.whl" }, "A")).Outcome);

        // Reopening migrates nothing twice and keeps the data.
        var reopened = SqlMetadataStore.Open(Path.Combine(_root, "moat.db"));
        Assert.Equal(ProjectStatus.Archived, (await reopened.GetProjectAsync(NormalizedName.Of("a")))!.Status);
    }

    [Fact]
    public void Configuration_file_overrides_defaults_and_reports_bad_values()
    {
        var table = TomlSerializer.Deserialize<TomlTable>("[server]\nurls = \"http://127.0.0.1:9999\"\ndata = \"/srv/moat\"\nmax-upload-mb = 5\n[policy]\nsuspicious = \"quarantine\"\n")!;
        var options = IndexOptions.Apply(new IndexOptions(), table, "moat.toml");
        Assert.Equal("http://127.0.0.1:9999", options.Urls);
        Assert.Equal("/srv/moat", options.DataDirectory);
        Assert.Equal(5L * 1024 * 1024, options.MaxUploadBytes);
        Assert.Equal(GatePolicyAction.Quarantine, options.OnSuspicious);
        Assert.Equal(GatePolicyAction.Reject, options.OnMalicious);

        var bad = TomlSerializer.Deserialize<TomlTable>("[policy]\nmalicious = \"shrug\"\n")!;
        var error = Assert.Throws<IndexConfigurationException>(() => IndexOptions.Apply(new IndexOptions(), bad, "moat.toml"));
        Assert.Contains("policy.malicious", error.Message);
        Assert.Throws<IndexConfigurationException>(() => IndexOptions.Load(Path.Combine(_root, "missing.toml")));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_root, recursive: true); } catch (DirectoryNotFoundException) { } catch (IOException) { }
    }
}
