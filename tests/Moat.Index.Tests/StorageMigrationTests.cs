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
                // A second copy would double the index: refused, and nothing of it lands.
                var again = Assert.Throws<IndexConfigurationException>(() => DatabaseCopy.Copy(source, destination, StorageSchema.Index));
                Assert.Contains("already holds rows", again.Message, StringComparison.Ordinal);
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
        }
        finally
        {
            TestStorage.Drop(target);
        }
    }
}
#endif
