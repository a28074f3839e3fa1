using System.IO.Compression;
using System.Text;
using Moat.Analysis.Dependencies.Advisories;

namespace Moat.Analysis.Tests.Dependencies;

public sealed class AdvisoryStoreTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("moat-advisory-store-");

    public void Dispose() => _root.Delete(recursive: true);

    private static string Document(string id, DateTimeOffset modified) =>
        $$"""{"id": "{{id}}", "modified": "{{modified:yyyy-MM-ddTHH:mm:ssZ}}", "affected": [{"package": {"name": "widget", "ecosystem": "PyPI"}, "versions": ["1.0"]}]}""";

    private string Zip(params (string Name, string Text)[] members)
    {
        var path = Path.Combine(_root.FullName, $"{Guid.NewGuid():N}.zip");
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, text) in members)
        {
            using var entry = zip.CreateEntry(name).Open();
            entry.Write(Encoding.UTF8.GetBytes(text));
        }
        return path;
    }

    [Fact]
    public void The_data_date_is_the_newest_advisory_and_staleness_follows_it()
    {
        var now = new DateTimeOffset(2026, 12, 6, 0, 0, 0, TimeSpan.Zero);
        var database = OsvDatabase.Load(Zip(("A.json", Document("PYSEC-1", now.AddDays(-40))), ("B.json", Document("PYSEC-2", now.AddDays(-31)))));
        Assert.Equal(now.AddDays(-31), database.AsOf);
        Assert.Equal(31, AdvisoryAge.Days(database, now));
        Assert.True(AdvisoryAge.IsStale(database, now));
        Assert.False(AdvisoryAge.IsStale(database, now.AddDays(-2)));
        Assert.Equal("as of 2026-11-05 (31 days old)", AdvisoryAge.Describe(database, now));
        // Undated data is never taken for fresh.
        Assert.True(AdvisoryAge.IsStale(OsvDatabase.FromAdvisories([]), now));
    }

    [Fact]
    public void A_stored_database_round_trips_with_its_state()
    {
        var store = new AdvisoryStore(Path.Combine(_root.FullName, "store"));
        Assert.Null(store.Load());
        Assert.Null(store.ReadState());
        var database = OsvDatabase.Load(Zip(("A.json", Document("PYSEC-1", DateTimeOffset.UtcNow))));
        store.Save(database, new AdvisoryStoreState("https://mirror.example.com/all.zip", "\"v7\"", DateTimeOffset.UtcNow, 1));
        var loaded = store.Load()!;
        Assert.Equal(["PYSEC-1"], loaded.Advisories.Select(a => a.Id));
        Assert.Equal(database.AsOf, loaded.AsOf);
        Assert.Equal("\"v7\"", store.ReadState()!.ETag);
        Assert.Empty(Directory.GetFiles(store.Directory, "*.tmp"));
    }

    [Fact]
    public void An_archive_that_cannot_be_read_whole_is_refused_not_loaded_in_part()
    {
        // One member past the per-document bound (16 MiB of padding): the read is cut, so the database would be partial.
        var padded = "{\"id\": \"PYSEC-3\", \"details\": \"" + new string('x', 17 * 1024 * 1024) + "\"}";
        var archive = Zip(("A.json", Document("PYSEC-1", DateTimeOffset.UtcNow)), ("big.json", padded));
        var error = Assert.Throws<InvalidDataException>(() => OsvDatabase.Load(archive));
        Assert.Contains("refusing a partial database", error.Message);
    }
}
