using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Moat.Testing;

namespace Moat.Cli.Tests;

/// <summary>
/// <c>moat audit --update</c> against a local HTTP server that serves a generated OSV export and honours
/// If-None-Match, as osv.dev's bucket does; and the age of the advisory data in every audit.
/// </summary>
public sealed class AdvisoryUpdateTests : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("moat-advisories-");

    public void Dispose() => _work.Delete(recursive: true);

    private string AdvisoryDir => Path.Combine(_work.FullName, "store");

    /// <summary>An osv.dev-shaped export: one JSON document per advisory at the top of a zip.</summary>
    internal static byte[] OsvExport(DateTimeOffset modified, params (string Id, string Package, string Fixed, string Vector)[] advisories)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (id, package, fixedIn, vector) in advisories)
            {
                var document = JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["id"] = id,
                    ["modified"] = modified.ToString("yyyy-MM-ddTHH:mm:ssZ"),
                    ["published"] = modified.AddDays(-3).ToString("yyyy-MM-ddTHH:mm:ssZ"),
                    ["aliases"] = new[] { "CVE-2099-" + id[^4..] },
                    ["summary"] = $"Remote code execution in {package}",
                    ["severity"] = new[] { new Dictionary<string, string> { ["type"] = "CVSS_V3", ["score"] = vector } },
                    ["affected"] = new[]
                    {
                        new Dictionary<string, object>
                        {
                            ["package"] = new Dictionary<string, string> { ["name"] = package, ["ecosystem"] = "PyPI" },
                            ["ranges"] = new[] { new Dictionary<string, object> { ["type"] = "ECOSYSTEM", ["events"] = new object[] { new Dictionary<string, string> { ["introduced"] = "0" }, new Dictionary<string, string> { ["fixed"] = fixedIn } } } },
                        },
                    },
                });
                using var entry = zip.CreateEntry(id + ".json").Open();
                entry.Write(Encoding.UTF8.GetBytes(document));
            }
        }
        return buffer.ToArray();
    }

    private const string Critical = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";

    private string Requirements(string text)
    {
        var path = Path.Combine(_work.FullName, "requirements.txt");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Update_downloads_once_then_revalidates_with_the_etag_and_audits_with_the_fresh_data()
    {
        var export = OsvExport(DateTimeOffset.UtcNow.AddDays(-1), ("GHSA-test-0001", "example-widgets", "1.4.2", Critical));
        var requests = new List<string?>();
        using var server = new AuditCommandTests.LocalServer(context =>
        {
            lock (requests) requests.Add(context.Request.Headers["If-None-Match"]);
            if (context.Request.Headers["If-None-Match"] == "\"export-1\"")
            {
                context.Response.StatusCode = 304;
                return;
            }
            context.Response.Headers["ETag"] = "\"export-1\"";
            context.Response.OutputStream.Write(export);
        });
        var url = server.Url + "PyPI/all.zip";

        var (exit, output, error) = CliTests.Run("audit", "--update", "--osv-url", url, "--advisory-dir", AdvisoryDir);
        Assert.True(exit == 0, error);
        Assert.Contains("advisories: updated from " + url + ": 1 advisories, as of", output);
        (exit, output, error) = CliTests.Run("audit", "--update", "--osv-url", url, "--advisory-dir", AdvisoryDir);
        Assert.True(exit == 0, error);
        Assert.Contains("already up to date", output);
        Assert.Equal([200, 304], server.Statuses);
        Assert.Equal([null, "\"export-1\""], requests);

        // Later audits use the stored data without asking the server, and say how old it is (fresh: no warning).
        (exit, output, error) = CliTests.Run("audit", Requirements("example-widgets==1.4.0\nexample-widgets==1.4.2\n"), "--advisory-dir", AdvisoryDir, "--format", "json", "--no-names");
        Assert.Equal(1, exit);
        Assert.Equal(2, server.Statuses.Count);
        Assert.DoesNotContain("warning", error);
        using var json = JsonDocument.Parse(output);
        var advisories = json.RootElement.GetProperty("advisories");
        Assert.Equal(1, advisories.GetProperty("count").GetInt32());
        Assert.Equal(1, advisories.GetProperty("age_days").GetInt32());
        Assert.False(advisories.GetProperty("stale").GetBoolean());
        var results = json.RootElement.GetProperty("results").EnumerateArray().ToList();
        var vulnerable = results.Single(r => r.GetProperty("target").GetString() == "example-widgets==1.4.0");
        Assert.Equal("vulnerable", vulnerable.GetProperty("verdict").GetString());
        Assert.Equal("GHSA-test-0001", vulnerable.GetProperty("findings")[0].GetProperty("vulnerability").GetProperty("id").GetString());
        Assert.Equal("clean", results.Single(r => r.GetProperty("target").GetString() == "example-widgets==1.4.2").GetProperty("verdict").GetString());
    }

    [Fact]
    public void A_changed_export_replaces_the_stored_one()
    {
        var version = 1;
        using var server = new AuditCommandTests.LocalServer(context =>
        {
            if (context.Request.Headers["If-None-Match"] == $"\"v{version}\"")
            {
                context.Response.StatusCode = 304;
                return;
            }
            context.Response.Headers["ETag"] = $"\"v{version}\"";
            var advisories = version == 1
                ? new[] { ("PYSEC-2099-0001", "example-widgets", "1.4.2", Critical) }
                : [("PYSEC-2099-0001", "example-widgets", "1.4.2", Critical), ("PYSEC-2099-0002", "example-gadgets", "2.0", Critical)];
            context.Response.OutputStream.Write(OsvExport(DateTimeOffset.UtcNow, advisories));
        });
        Assert.Equal(0, CliTests.Run("audit", "--update", "--osv-url", server.Url + "all.zip", "--advisory-dir", AdvisoryDir).Exit);
        version = 2;
        var (exit, output, _) = CliTests.Run("audit", "--update", "--osv-url", server.Url + "all.zip", "--advisory-dir", AdvisoryDir);
        Assert.Equal(0, exit);
        Assert.Contains("updated from", output);
        Assert.Contains("2 advisories", output);
        Assert.Equal([200, 200], server.Statuses);
    }

    [Fact]
    public void A_failed_update_is_one_line_exit_2_and_keeps_the_stored_data()
    {
        var fail = false;
        using var server = new AuditCommandTests.LocalServer(context =>
        {
            if (fail)
            {
                context.Response.StatusCode = 503;
                return;
            }
            context.Response.OutputStream.Write(OsvExport(DateTimeOffset.UtcNow, ("PYSEC-2099-0001", "example-widgets", "1.4.2", Critical)));
        });
        Assert.Equal(0, CliTests.Run("audit", "--update", "--osv-url", server.Url + "all.zip", "--advisory-dir", AdvisoryDir).Exit);
        fail = true;
        var (exit, _, error) = CliTests.Run("audit", "--update", "--osv-url", server.Url + "all.zip", "--advisory-dir", AdvisoryDir);
        Assert.Equal(2, exit);
        Assert.Contains("cannot update the advisory database", error);
        Assert.Contains("503", error);
        Assert.Single(error.Trim().Split('\n'));

        // Not an OSV export at all: refused, store unchanged.
        File.WriteAllText(Path.Combine(_work.FullName, "junk.zip"), "not a zip");
        (exit, _, error) = CliTests.Run("audit", "--update", "--osv-url", Path.Combine(_work.FullName, "junk.zip"), "--advisory-dir", AdvisoryDir);
        Assert.Equal(2, exit);

        var (_, output, _) = CliTests.Run("audit", Requirements("example-widgets==1.0\n"), "--advisory-dir", AdvisoryDir, "--no-names");
        Assert.Contains("PYSEC-2099-0001", output);
    }

    [Fact]
    public void A_file_url_or_path_is_imported_without_http()
    {
        var path = Path.Combine(_work.FullName, "mirror-all.zip");
        File.WriteAllBytes(path, OsvExport(DateTimeOffset.UtcNow, ("PYSEC-2099-0003", "example-widgets", "1.4.2", Critical)));
        var (exit, output, error) = CliTests.Run("audit", "--update", "--osv-url", new Uri(path).AbsoluteUri, "--advisory-dir", AdvisoryDir);
        Assert.True(exit == 0, error);
        Assert.Contains("1 advisories", output);
        (exit, output, _) = CliTests.Run("audit", Requirements("example-widgets==1.0\n"), "--advisory-dir", AdvisoryDir, "--no-names");
        Assert.Equal(1, exit);
        Assert.Contains("VULNERABLE  example-widgets==1.0", output);
    }

    [Fact]
    public void Old_advisory_data_is_reported_with_its_age_and_a_warning()
    {
        // An empty store: the embedded snapshot (October 2024) is used, which is far older than 30 days.
        var (_, output, error) = CliTests.Run("audit", Requirements("jinja2==2.7.1\n"), "--advisory-dir", AdvisoryDir, "--no-names");
        Assert.Matches(@"advisories from pypa-advisory-database\.tar\.gz as of 2024-\d\d-\d\d \(\d+ days old\)", output);
        Assert.Contains("moat: warning: the advisory data is as of 2024-", error);
        Assert.Contains("moat audit --update", error);

        (_, output, _) = CliTests.Run("audit", Requirements("jinja2==2.7.1\n"), "--advisory-dir", AdvisoryDir, "--no-names", "--format", "json");
        using var json = JsonDocument.Parse(output);
        Assert.True(json.RootElement.GetProperty("advisories").GetProperty("stale").GetBoolean());
        Assert.True(json.RootElement.GetProperty("advisories").GetProperty("age_days").GetInt32() > 30);
    }

    [Fact]
    public void Update_cannot_be_combined_with_a_one_off_database()
    {
        var (exit, _, error) = CliTests.Run("audit", "--update", "--no-osv", "--advisory-dir", AdvisoryDir);
        Assert.Equal(2, exit);
        Assert.Contains("cannot be combined", error);
    }
}
