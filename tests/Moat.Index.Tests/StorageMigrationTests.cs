#if MOAT_TEST_POSTGRESQL
using System.Net;
using Moat.Index.Hosting;
using Moat.Index.Storage;
using Moat.Testing;

namespace Moat.Index.Tests;

/// <summary>
/// An embedded index (SQLite) copied into PostgreSQL — what <c>moat admin migrate-storage</c> does — reads the same:
/// projects, files and yanks, tokens, accounts, events, switches. Only in the PostgreSQL twin: it needs the server.
/// </summary>
public sealed class StorageMigrationTests
{
    [Fact]
    public async Task A_populated_sqlite_index_copied_into_postgresql_serves_the_same_files_tokens_accounts_and_events()
    {
        await using var embedded = await TestIndex.StartAsync(o => o with { Database = null }, blobs: BlobBackend.FileSystem); // migrate-storage moves the tables; the blobs stay in the data directory
        var token = await embedded.TokenAsync("alpha-pkg");
        Assert.Equal(HttpStatusCode.OK, (await embedded.UploadWheelAsync(token, "alpha-pkg", "1.0")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await embedded.UploadWheelAsync(token, "alpha-pkg", "2.0")).StatusCode);
        Assert.True((await embedded.Admin.YankAsync("alpha-pkg", "1.0", true, "broken")).Ok);
        var alice = await AccountClient.RegisterAsync(embedded, "alice", totp: false);
        Assert.True((await embedded.Admin.SetSwitchAsync("no-new-users", true, "maintenance")).Ok);
        var before = await embedded.GetAsync("/simple/alpha-pkg/", "application/vnd.pypi.simple.v1+json");
        var events = await embedded.Accounts.EventsAsync(null, null, 100);

        var target = TestStorage.NewDatabase()!;
        try
        {
            using (var source = Database.Sqlite(embedded.Options.DatabasePath))
            using (var proxySource = Database.Sqlite(embedded.Options.ProxyDatabasePath))
            using (var destination = Database.PostgreSql(target))
            {
                var copied = DatabaseCopy.Copy(source, destination, StorageSchema.Index).Concat(DatabaseCopy.Copy(proxySource, destination, StorageSchema.Proxy)).ToList();
                Assert.Equal(2, copied.Single(t => t.Table == "files").Rows);
                // Run again (after an interruption, say): the same copy is recognized and nothing is doubled.
                var again = DatabaseCopy.Copy(source, destination, StorageSchema.Index);
                Assert.All(again, t => Assert.True(t.AlreadyThere, t.Table));
                Assert.Equal(2, again.Single(t => t.Table == "files").Rows);
            }

            await using var clustered = await TestIndex.StartAsync(o => o with { Database = target, DataDirectory = embedded.DataDirectory }, blobs: BlobBackend.FileSystem);
            Assert.Equal(before, await clustered.GetAsync("/simple/alpha-pkg/", "application/vnd.pypi.simple.v1+json"));
            var url = System.Text.Json.JsonDocument.Parse(before).RootElement.GetProperty("files").EnumerateArray()
                .Single(f => f.GetProperty("filename").GetString() == TestDistributions.WheelFilename("alpha-pkg", "2.0")).GetProperty("url").GetString()!;
            var download = await clustered.Client.GetAsync(new Uri(new Uri("http://localhost/simple/alpha-pkg/"), url).PathAndQuery);
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            // The same token still uploads (its hash came across), and the serial goes on from where it was.
            Assert.Equal(HttpStatusCode.OK, (await clustered.UploadWheelAsync(token, "alpha-pkg", "3.0")).StatusCode);
            Assert.True(await clustered.Store.GetGlobalSerialAsync() > await embedded.Store.GetGlobalSerialAsync());
            Assert.NotNull(await clustered.Accounts.UserByNameAsync("alice"));
            Assert.Equal(events.Count, (await clustered.Accounts.EventsAsync(null, null, 100)).Count(e => events.Any(x => x.Id == e.Id)));
            Assert.Contains((await clustered.Accounts.SwitchesAsync()), s => s.Name == "no-new-users" && s.Enabled);
            Assert.NotNull(alice);

            // The tables now differ from the source's (3.0 was uploaded): a copy into them is refused, nothing lands.
            using (var source = Database.Sqlite(embedded.Options.DatabasePath))
            using (var destination = Database.PostgreSql(target))
            {
                var refused = Assert.Throws<IndexConfigurationException>(() => DatabaseCopy.Copy(source, destination, StorageSchema.Index));
                Assert.Contains("already holds rows", refused.Message, StringComparison.Ordinal);
            }
        }
        finally
        {
            TestStorage.Drop(target);
        }
    }

    [Fact]
    public async Task The_blobs_copied_into_a_bucket_are_each_verified_a_second_run_copies_nothing_and_a_damaged_file_is_never_carried_over()
    {
        await using var embedded = await TestIndex.StartAsync(o => o with { Database = null }, blobs: BlobBackend.FileSystem);
        var token = await embedded.TokenAsync("alpha-pkg");
        Assert.Equal(HttpStatusCode.OK, (await embedded.UploadWheelAsync(token, "alpha-pkg", "1.0")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await embedded.UploadWheelAsync(token, "alpha-pkg", "2.0")).StatusCode);
        var stored = new List<string>();
        await foreach (var blob in embedded.Blobs.ListAsync(CancellationToken.None)) if (!blob.Staging) stored.Add(blob.Name);
        Assert.Equal(4, stored.Count); // two wheels and their metadata files

        var bucket = TestStorage.S3Blobs();
        using var target = S3BlobStore.Create(bucket, Path.Combine(embedded.DataDirectory, "copy-staging"));
        var first = await BlobCopy.CopyAsync(embedded.Blobs, target, CancellationToken.None);
        Assert.Equal((4L, 0L), (first.Copied, first.AlreadyThere));
        Assert.Empty(first.Damaged);
        foreach (var sha in stored)
        {
            await using var content = await target.OpenReadAsync(sha, CancellationToken.None);
            Assert.Equal(sha, Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(content!)));
        }
        var second = await BlobCopy.CopyAsync(embedded.Blobs, target, CancellationToken.None);
        Assert.Equal((0L, 4L), (second.Copied, second.AlreadyThere));

        // A node on the bucket serves what was copied.
        await using var clustered = await TestIndex.StartAsync(o => o with { Database = null, DataDirectory = embedded.DataDirectory, Blobs = bucket });
        var page = System.Text.Json.JsonDocument.Parse(await clustered.GetAsync("/simple/alpha-pkg/", "application/vnd.pypi.simple.v1+json")).RootElement;
        foreach (var file in page.GetProperty("files").EnumerateArray())
        {
            var body = await clustered.Client.GetByteArrayAsync(new Uri(new Uri("http://localhost/simple/alpha-pkg/"), file.GetProperty("url").GetString()!).PathAndQuery);
            Assert.Equal(file.GetProperty("hashes").GetProperty("sha256").GetString(), Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body)));
        }

        // A file damaged on disk is reported and not copied into a fresh bucket; the intact ones are.
        var victim = stored[0];
        var path = Directory.GetFiles(embedded.Options.BlobDirectory, victim, SearchOption.AllDirectories).Single();
        File.SetAttributes(path, FileAttributes.Normal);
        File.WriteAllText(path, "not what the name says");
        using var fresh = S3BlobStore.Create(TestStorage.S3Blobs(), Path.Combine(embedded.DataDirectory, "copy-staging-2"));
        var damaged = await BlobCopy.CopyAsync(embedded.Blobs, fresh, CancellationToken.None);
        Assert.Equal(3, damaged.Copied);
        Assert.StartsWith(victim, Assert.Single(damaged.Damaged), StringComparison.Ordinal);
        Assert.False(await fresh.ExistsAsync(victim, CancellationToken.None));
    }
}
#endif
