using Moat.Analysis.Dependencies.Advisories;
using Moat.Packaging.Versions;
using Moat.Testing;

namespace Moat.Analysis.Tests.Dependencies;

/// <summary>
/// moat embeds the PyPA advisory database pre-parsed (data/pypa-advisories.json.gz), derived from
/// data/pypa-advisory-database.tar.gz. These tests keep the two equal. After replacing the tar.gz, regenerate with
/// <c>MOAT_UPDATE_SNAPSHOT=1 dotnet test tests/Moat.Analysis.Tests --filter EmbeddedAdvisories</c>.
/// </summary>
public class EmbeddedAdvisoriesTests
{
    private static string DataFile(string name) => Path.Combine(TestPaths.RepositoryRoot, "data", name);

    private static byte[] Serialized(OsvDatabase database)
    {
        using var buffer = new MemoryStream();
        AdvisorySnapshot.Write(database, buffer);
        return buffer.ToArray();
    }

    [Fact]
    public void The_embedded_snapshot_is_exactly_the_parsed_yaml_database()
    {
        var parsed = OsvDatabase.Load(DataFile("pypa-advisory-database.tar.gz"));
        var expected = Serialized(parsed);
        var snapshotPath = DataFile("pypa-advisories.json.gz");
        if (Environment.GetEnvironmentVariable("MOAT_UPDATE_SNAPSHOT") == "1")
        {
            File.WriteAllBytes(snapshotPath, expected);
            return;
        }
        Assert.Empty(parsed.LoadProblems);
        var embedded = EmbeddedAdvisories.Load();
        Assert.Equal(parsed.Advisories.Count, embedded.Advisories.Count);
        Assert.Equal("pypa-advisory-database.tar.gz", embedded.Source);
        // Byte-equal after a round trip: every field of every advisory survived, in the same order.
        Assert.True(expected.AsSpan().SequenceEqual(Serialized(embedded)),
            "data/pypa-advisories.json.gz differs from data/pypa-advisory-database.tar.gz: regenerate it (see this class's summary)");
    }

    [Fact]
    public void The_embedded_snapshot_answers_queries_like_the_yaml()
    {
        var embedded = EmbeddedAdvisories.Load();
        var match = Assert.Single(embedded.Query("Jinja2", PackageVersion.Parse("2.7.1")), m => m.Advisory.Id == "PYSEC-2014-8");
        Assert.Equal("2.7.2", match.SmallestFix?.ToString());
        Assert.DoesNotContain(embedded.Query("jinja2", PackageVersion.Parse("3.1.6")), m => m.Advisory.Id == "PYSEC-2014-8");
    }

    [Fact]
    public void A_snapshot_of_another_format_or_not_a_snapshot_is_refused_with_a_clear_error()
    {
        using var notGzip = new MemoryStream("not a snapshot"u8.ToArray());
        Assert.ThrowsAny<InvalidDataException>(() => AdvisorySnapshot.Read(notGzip));

        using var otherFormat = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(otherFormat, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write("""{"Format":99,"Source":"x","Advisories":[]}"""u8);
        otherFormat.Position = 0;
        var error = Assert.Throws<InvalidDataException>(() => AdvisorySnapshot.Read(otherFormat));
        Assert.Contains("format 99", error.Message);
    }
}
