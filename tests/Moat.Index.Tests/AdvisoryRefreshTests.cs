using Microsoft.Extensions.Logging;
using Moat.Analysis.Dependencies.Advisories;
using Moat.Index.Advisories;

namespace Moat.Index.Tests;

public sealed class AdvisoryRefreshTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("moat-index-advisories-");

    public void Dispose() => _root.Delete(recursive: true);

    private static IndexOptions Parse(string toml) =>
        IndexOptions.Apply(new IndexOptions(), Tomlyn.TomlSerializer.Deserialize<Tomlyn.Model.TomlTable>(toml)!, "moat.toml");

    [Fact]
    public void The_refresh_is_daily_from_osv_by_default_and_configurable_or_off()
    {
        Assert.Equal(TimeSpan.FromHours(24), new IndexOptions().Advisories.RefreshInterval);
        Assert.Equal(AdvisoryUpdater.DefaultSource, new IndexOptions().Advisories.Source);
        var configured = Parse("[advisories]\nsource = \"https://mirror.example.com/osv/PyPI/all.zip\"\nrefresh-hours = 6\n");
        Assert.Equal("https://mirror.example.com/osv/PyPI/all.zip", configured.Advisories.Source);
        Assert.Equal(TimeSpan.FromHours(6), configured.Advisories.RefreshInterval);
        Assert.Equal(TimeSpan.Zero, Parse("[advisories]\nrefresh-hours = 0\n").Advisories.RefreshInterval);
        Assert.Throws<IndexConfigurationException>(() => Parse("[advisories]\nrefresh-hours = -2\n"));
        var misspelt = Assert.Throws<IndexConfigurationException>(() => ConfigurationKeys.Check("[advisories]\nrefresh-hour = 6\n", "moat.toml"));
        Assert.Contains("did you mean 'refresh-hours'", misspelt.Message);
    }

    private string Advisory(string id, string package, string fixedIn)
    {
        var path = Path.Combine(_root.FullName, $"{id}.json");
        File.WriteAllText(path, $$"""
            {"id": "{{id}}", "modified": "{{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ssZ}}", "summary": "flaw in {{package}}",
             "affected": [{"package": {"name": "{{package}}", "ecosystem": "PyPI"},
                           "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "{{fixedIn}}"}]}]}]}
            """);
        return path;
    }

    [Fact]
    public async Task A_refresh_replaces_the_database_in_use_and_a_failed_one_keeps_it()
    {
        var source = Advisory("PYSEC-2099-0100", "example-widgets", "2.0");
        var options = new IndexOptions { Advisories = new AdvisoryOptions { Source = source } };
        var store = new AdvisoryStore(Path.Combine(_root.FullName, "data", "advisories"));
        var database = new AdvisoryDatabase(store);
        var log = new CapturedLog();
        using var factory = LoggerFactory.Create(b => b.AddProvider(log));
        var service = new AdvisoryRefreshService(database, new AdvisoryUpdater(new HttpClient(), TimeProvider.System), options, TimeProvider.System,
            factory.CreateLogger<AdvisoryRefreshService>());

        // Before any refresh: the embedded snapshot.
        Assert.Empty(database.Current.Query("example-widgets", Moat.Packaging.Versions.PackageVersion.Parse("1.0")));
        await service.RefreshOnceAsync(CancellationToken.None);
        Assert.Single(database.Current.Query("example-widgets", Moat.Packaging.Versions.PackageVersion.Parse("1.0")));
        Assert.Contains(log.Lines, l => l.Contains("updated", StringComparison.Ordinal));
        // A restarted index starts from the stored database.
        Assert.Single(new AdvisoryDatabase(store).Current.Query("example-widgets", Moat.Packaging.Versions.PackageVersion.Parse("1.0")));

        File.Delete(source);
        await service.RefreshOnceAsync(CancellationToken.None);
        Assert.Single(database.Current.Query("example-widgets", Moat.Packaging.Versions.PackageVersion.Parse("1.0")));
        Assert.Contains(log.Lines, l => l.Contains("keeping the database in use", StringComparison.Ordinal));
    }
}
