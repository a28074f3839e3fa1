using Moat.Analysis.Dependencies.Advisories;
using Moat.Packaging.Versions;
using Moat.Testing;

namespace Moat.Analysis.Tests.Dependencies;

/// <summary>Loads the real PyPA advisory snapshot (data/) once for every test class that uses it.</summary>
public sealed class PypaSnapshot
{
    private static readonly Lazy<OsvDatabase> Shared = new(() =>
        OsvDatabase.Load(TestPaths.Data("pypa-advisory-database.tar.gz")));

    public OsvDatabase Database => Shared.Value;
}

public class OsvTests(PypaSnapshot snapshot) : IClassFixture<PypaSnapshot>
{
    private IReadOnlyList<string> Ids(string package, string version) =>
        [.. snapshot.Database.Query(package, PackageVersion.Parse(version)).Select(m => m.Advisory.Id)];

    [Fact]
    public void The_whole_snapshot_loads_without_problems()
    {
        Assert.Equal(2661, snapshot.Database.Advisories.Count);
        Assert.Empty(snapshot.Database.LoadProblems);
        Assert.True(snapshot.Database.PackageCount > 600);
    }

    [Theory]
    [InlineData("2.7.1", true)]
    [InlineData("2.0rc1", true)]   // listed explicitly, and a pre-release inside [0, 2.7.2)
    [InlineData("2.7.2", false)]
    [InlineData("3.1.2", false)]
    public void Jinja2_PYSEC_2014_8_introduced_zero_fixed(string version, bool affected) =>
        Assert.Equal(affected, Ids("Jinja2", version).Contains("PYSEC-2014-8"));

    [Theory]
    [InlineData("2.3.7", true, "2.3.8")]
    [InlineData("2.3.8", false, null)]
    [InlineData("2.9.0", false, null)]
    [InlineData("3.0.0", true, "3.0.1")]
    [InlineData("3.0.1", false, null)]
    public void Werkzeug_PYSEC_2023_221_has_two_ranges(string version, bool affected, string? smallestFix)
    {
        var match = snapshot.Database.Query("werkzeug", PackageVersion.Parse(version)).SingleOrDefault(m => m.Advisory.Id == "PYSEC-2023-221");
        Assert.Equal(affected, match is not null);
        Assert.Equal(smallestFix, match?.SmallestFix?.ToString());
        if (match is not null) Assert.Contains("CVE-2023-46136", match.Advisory.Aliases);
    }

    [Theory]
    [InlineData("1.11.0", true)]   // last_affected is inclusive
    [InlineData("1.10.0", true)]
    [InlineData("1.11.1", false)]
    public void Py_PYSEC_2022_42969_last_affected(string version, bool affected) =>
        Assert.Equal(affected, Ids("py", version).Contains("PYSEC-2022-42969"));

    [Theory]
    [InlineData("1.0.0a11", true)]
    [InlineData("1.0.0a12", false)]  // the fix is itself a pre-release
    [InlineData("1.0.0", false)]
    [InlineData("0.1.0", true)]
    public void Invenio_previewer_fixed_in_a_prerelease(string version, bool affected) =>
        Assert.Equal(affected, Ids("invenio-previewer", version).Contains("PYSEC-2019-26"));

    [Fact]
    public void Names_are_matched_after_normalization() =>
        Assert.Contains("PYSEC-2019-26", Ids("Invenio_Previewer", "0.1.0"));

    [Fact]
    public void Cvss_vectors_get_base_scores_from_the_snapshot()
    {
        var advisory = snapshot.Database.Advisories.Single(a => a.Id == "PYSEC-2024-6");
        Assert.Equal("CVSS:3.1/AV:L/AC:L/PR:L/UI:R/S:U/C:L/I:N/A:N", advisory.Severity!.Vector);
        Assert.Equal(2.8, advisory.Severity.BaseScore);
    }

    [Theory]
    [InlineData("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8)]
    [InlineData("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0)]
    [InlineData("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1)]
    [InlineData("CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9)]
    [InlineData("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0)]
    public void Cvss3_base_scores_match_the_specification(string vector, double expected) =>
        Assert.Equal(expected, Cvss3.BaseScore(vector));

    [Fact]
    public void Epochs_and_explicit_versions_follow_pep_440()
    {
        const string document = """
            {"id": "TEST-1", "summary": "epoch test",
             "affected": [{"package": {"name": "Epochal", "ecosystem": "PyPI"},
                           "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "1!1.0"}, {"fixed": "1!2.0"}]}],
                           "versions": ["0.9.post1"]}]}
            """;
        var database = OsvDatabase.FromAdvisories([OsvDocument.Parse(document, "t.json")]);
        bool Affected(string v) => database.Query("epochal", PackageVersion.Parse(v)).Count > 0;
        Assert.True(Affected("1!1.5"));
        Assert.False(Affected("5.0"));        // epoch 0 sorts below every epoch-1 version
        Assert.False(Affected("1!2.0"));
        Assert.True(Affected("0.9.post1"));  // explicit list
        Assert.False(Affected("0.9"));
    }

    [Fact]
    public void Withdrawn_advisories_never_match()
    {
        var withdrawn = snapshot.Database.Advisories.Where(a => a.Withdrawn is not null).ToList();
        Assert.NotEmpty(withdrawn);
        foreach (var advisory in withdrawn)
        {
            foreach (var affected in advisory.Affected)
            {
                Assert.DoesNotContain(snapshot.Database.ForPackage(affected.Package), a => a.Id == advisory.Id);
            }
        }
    }

    [Fact]
    public void Malformed_documents_are_reported_not_thrown()
    {
        var directory = Directory.CreateTempSubdirectory("osv-");
        try
        {
            File.WriteAllText(Path.Combine(directory.FullName, "good.json"), """{"id":"X-1","affected":[]}""");
            File.WriteAllText(Path.Combine(directory.FullName, "bad.yaml"), "id: [unclosed\n  - : :");
            File.WriteAllText(Path.Combine(directory.FullName, "noid.json"), """{"summary":"no id"}""");
            var database = OsvDatabase.Load(directory.FullName);
            Assert.Single(database.Advisories);
            Assert.Equal(2, database.LoadProblems.Count);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_missing_database_is_a_clear_error() =>
        Assert.Throws<FileNotFoundException>(() => OsvDatabase.Load("/nonexistent/osv"));
}
