using Moat.Packaging.Distributions;
using Moat.Index.Admin;
using Moat.Index.Proxy;
using Moat.Index.Storage;

namespace Moat.Index.Tests;

/// <summary>The orphan-blob sweep: crash leftovers and deleted files' bytes go; referenced, proxied and young blobs stay.</summary>
public sealed class BlobSweepTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "moat-sweep-tests", Guid.NewGuid().ToString("N"));
    private static readonly TimeSpan Grace = TimeSpan.FromHours(1);
    private static readonly DateTime LongAgo = DateTime.UtcNow.AddHours(-3);

    private sealed record Scene(FileSystemBlobStore Blobs, BlobSweep Sweep, Dictionary<string, string> Shas, string AbandonedStaging);

    /// <summary>
    /// A data directory as crashes and admins leave it: a hosted wheel and its metadata, a deleted file, a blob committed
    /// just before a crash (no row), an upload abandoned in staging, a proxied file and a proxied metadata file — all
    /// old — and a blob committed a moment ago whose row is not written yet (an upload in flight).
    /// </summary>
    private async Task<Scene> BuildAsync()
    {
        var store = SqlMetadataStore.Open(Path.Combine(_root, "moat.db"));
        var proxy = ProxyStore.Open(Path.Combine(_root, "proxy.db"));
        var blobs = new FileSystemBlobStore(Path.Combine(_root, "blobs"));
        var shas = new Dictionary<string, string>();
        foreach (var name in (string[])["hosted", "hosted-metadata", "deleted", "crashed", "proxied", "proxied-metadata", "in-flight"])
            shas[name] = await blobs.PutAsync(System.Text.Encoding.UTF8.GetBytes(name + " content"), default);

        FileRecord File(string filename, string sha, string? metadata) => new(filename, "alpha", "1.0", PackageType.Wheel, "py3", null, sha, null, new string('2', 32), 10,
            DateTimeOffset.UtcNow, metadata, false, null, FileState.Available, null, null, null);
        await store.AddFileAsync(File("alpha-1.0-py3-none-any.whl", shas["hosted"], shas["hosted-metadata"]), "alpha");
        await store.AddFileAsync(File("alpha-1.0-py2-none-any.whl", shas["deleted"], null), "alpha");
        Assert.True(await store.DeleteFileAsync("alpha-1.0-py2-none-any.whl"));
        await proxy.SaveDecisionAsync(shas["proxied"], "six-1.0-py3-none-any.whl", "six", ProxiedFileState.Quarantined, "held for review");
        await proxy.SavePageAsync("pypi/six", new UpstreamPage("six", [new UpstreamFile("six-1.0-py3-none-any.whl", "https://files.example.com/six-1.0-py3-none-any.whl",
            shas["proxied"], null, false, null, shas["proxied-metadata"], null, 10)], null, null));

        using (var abandoned = await blobs.StageAsync(new MemoryStream(new byte[5000]), long.MaxValue, null, default))
        {
            foreach (var (name, sha) in shas.Where(s => s.Key != "in-flight")) System.IO.File.SetLastWriteTimeUtc(blobs.PathOf(sha), LongAgo);
            System.IO.File.SetLastWriteTimeUtc(abandoned.Path, LongAgo);
            var stagingName = Path.GetFileName(abandoned.Path);
            // Keep the staging file: StagedBlob deletes on dispose, a crash does not.
            System.IO.File.Copy(abandoned.Path, abandoned.Path + "-crash");
            System.IO.File.SetLastWriteTimeUtc(abandoned.Path + "-crash", LongAgo);
            return new Scene(blobs, new BlobSweep(store, proxy, blobs, TimeProvider.System), shas, stagingName + "-crash");
        }
    }

    [Fact]
    public async Task Dry_run_lists_crash_leftovers_and_deleted_files_with_sizes_and_deletes_nothing()
    {
        var scene = await BuildAsync();
        var report = await scene.Sweep.RunAsync(Grace, delete: false);

        Assert.Equal(new[] { scene.Shas["crashed"], scene.Shas["deleted"], scene.AbandonedStaging }.Order(), report.Orphans.Select(o => o.Name).Order());
        Assert.Equal("crashed content".Length + "deleted content".Length + 5000, report.OrphanBytes);
        Assert.Empty(report.Deleted);
        Assert.Equal(4, report.Referenced); // hosted, its metadata, proxied, proxied metadata
        Assert.Equal(1, report.TooYoung);   // the upload in flight
        Assert.All(scene.Shas.Values, sha => Assert.True(System.IO.File.Exists(scene.Blobs.PathOf(sha))));
    }

    [Fact]
    public async Task Delete_removes_orphans_and_keeps_referenced_proxied_and_young_blobs()
    {
        var scene = await BuildAsync();
        var report = await scene.Sweep.RunAsync(Grace, delete: true);

        Assert.Equal(3, report.Deleted.Count);
        Assert.False(System.IO.File.Exists(scene.Blobs.PathOf(scene.Shas["crashed"])));
        Assert.False(System.IO.File.Exists(scene.Blobs.PathOf(scene.Shas["deleted"])));
        Assert.DoesNotContain(await scene.Blobs.ListAsync(), b => b.Staging);
        foreach (var kept in (string[])["hosted", "hosted-metadata", "proxied", "proxied-metadata", "in-flight"])
            Assert.True(System.IO.File.Exists(scene.Blobs.PathOf(scene.Shas[kept])), kept);

        var again = await scene.Sweep.RunAsync(Grace, delete: true);
        Assert.Empty(again.Orphans);
    }

    [Fact]
    public async Task Re_uploading_an_orphans_bytes_makes_it_young_so_the_sweep_keeps_it()
    {
        var scene = await BuildAsync();
        // An upload of the same bytes as the crash leftover: the commit finds the blob and refreshes its time, and
        // its row follows. A sweep that listed the blob before that must not delete it now.
        var listedBefore = (await scene.Blobs.ListAsync()).Single(b => b.Name == scene.Shas["crashed"]);
        using var staged = await scene.Blobs.StageAsync(new MemoryStream("crashed content"u8.ToArray()), long.MaxValue, null, default);
        await scene.Blobs.CommitAsync(staged, default);

        Assert.False(await scene.Blobs.DeleteAsync(listedBefore, DateTime.UtcNow - Grace, default));
        Assert.True(System.IO.File.Exists(scene.Blobs.PathOf(scene.Shas["crashed"])));
        var report = await scene.Sweep.RunAsync(Grace, delete: true);
        Assert.DoesNotContain(report.Deleted, b => b.Name == scene.Shas["crashed"]);
    }

    [Fact]
    public async Task Nothing_outside_the_store_layout_is_touched()
    {
        var scene = await BuildAsync();
        var stray = Path.Combine(_root, "blobs", "README.txt");
        await System.IO.File.WriteAllTextAsync(stray, "not a blob");
        System.IO.File.SetLastWriteTimeUtc(stray, LongAgo);
        await scene.Sweep.RunAsync(Grace, delete: true);
        Assert.True(System.IO.File.Exists(stray));
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}

public sealed class BlobSweepOptionsTests
{
    [Fact]
    public void The_sweep_is_daily_by_default_and_configurable_or_off()
    {
        Assert.Equal(TimeSpan.FromHours(24), new IndexOptions().BlobSweepInterval);
        Assert.Equal(TimeSpan.FromHours(1), new IndexOptions().BlobGrace);
        static IndexOptions Parse(string toml) => IndexOptions.Apply(new IndexOptions(), Tomlyn.TomlSerializer.Deserialize<Tomlyn.Model.TomlTable>(toml)!, "moat.toml");
        var configured = Parse("[server]\nblob-sweep-hours = 6\nblob-grace-minutes = 240\n");
        Assert.Equal(TimeSpan.FromHours(6), configured.BlobSweepInterval);
        Assert.Equal(TimeSpan.FromMinutes(240), configured.BlobGrace);
        Assert.Equal(TimeSpan.Zero, Parse("[server]\nblob-sweep-hours = 0\n").BlobSweepInterval);
        Assert.Throws<IndexConfigurationException>(() => Parse("[server]\nblob-sweep-hours = -1\n"));
        Assert.Throws<IndexConfigurationException>(() => Parse("[server]\nblob-grace-minutes = \"soon\"\n"));
    }
}
