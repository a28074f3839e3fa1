using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Moat.Analysis.Code;
using Moat.Cli.Audit;
using Moat.Testing;

namespace Moat.Cli.Tests;

/// <summary><c>moat audit --scan</c> against a static PEP 691/503 index on 127.0.0.1 (tests/Shared/StaticUpstream).</summary>
public sealed class AuditScanTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "moat-audit-scan", Guid.NewGuid().ToString("N"));
    private string Cache => Path.Combine(_root, "cache");

    private static readonly string MaliciousFixture = TestPaths.Fixtures("code", "corpus", "malicious", "m002-setup-module-exec-b64");
    private static readonly string BenignFixture = TestPaths.Fixtures("code", "corpus", "benign", "b014-api-client-bearer-env");

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    /// <summary>The corpus' colorsama 0.4.7 sdist and acme-cloud-sdk 2.14.0 wheel, served by a fresh static index.</summary>
    private (StaticUpstream Index, StaticUpstream.Dist Malicious, StaticUpstream.Dist Benign) StartIndex()
    {
        var packed = Path.Combine(_root, "packed");
        var malicious = FixturePacker.Pack(MaliciousFixture, packed);
        var benign = FixturePacker.Pack(BenignFixture, packed);
        var index = StaticUpstream.Start();
        var m = index.Add("colorsama", Path.GetFileName(malicious), File.ReadAllBytes(malicious));
        var b = index.Add("acme-cloud-sdk", Path.GetFileName(benign), File.ReadAllBytes(benign));
        index.AddWheel("acme-cloud-sdk", "2.13.0"); // another version: never downloaded
        return (index, m, b);
    }

    private string Requirements(string text)
    {
        Directory.CreateDirectory(_root);
        var path = Path.Combine(_root, $"requirements-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, text);
        return path;
    }

    private (int Exit, JsonElement Results, string Error) Audit(string requirements, string indexUrl, params string[] extra)
    {
        var (exit, output, error) = CliTests.Run(["audit", requirements, "--scan", indexUrl, "--format", "json", "--no-osv", "--no-names", "--cache-dir", Cache, .. extra]);
        Assert.True(exit is 0 or 1, $"exit {exit}: {error}");
        return (exit, JsonDocument.Parse(output).RootElement.GetProperty("results").Clone(), error);
    }

    private static JsonElement Result(JsonElement results, string target) =>
        results.EnumerateArray().Single(r => r.GetProperty("target").GetString() == target);

    private static List<string> Rules(JsonElement result) =>
        [.. result.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("rule").GetString()!)];

    [Fact]
    public void A_malicious_pin_is_judged_by_its_scanned_files_and_a_benign_pin_stays_clean()
    {
        var (index, malicious, _) = StartIndex();
        using var _ = index;
        var requirements = Requirements("colorsama==0.4.7\nacme-cloud-sdk==2.14.0\nrequests>=2\n");

        var (exit, results, error) = Audit(requirements, index.SimpleUrl);

        Assert.Equal(1, exit);
        var bad = Result(results, "colorsama==0.4.7");
        Assert.Equal("dependency", bad.GetProperty("kind").GetString());
        Assert.Equal("malicious", bad.GetProperty("verdict").GetString());
        // The scanner's own rule ids, placed inside the file they were found in.
        var expected = PackageScanner.Scan(new MemoryStream(malicious.Content), malicious.Filename).Findings.Select(f => f.RuleId).ToHashSet();
        Assert.Contains(expected, id => id.StartsWith("MOAT-CODE-", StringComparison.Ordinal));
        Assert.Superset(expected, Rules(bad).Where(r => !r.StartsWith("MOAT-DEP-", StringComparison.Ordinal)).ToHashSet());
        Assert.Subset(Rules(bad).ToHashSet(), expected);
        Assert.Contains(bad.GetProperty("findings").EnumerateArray(), f => f.GetProperty("path").GetString() == "colorsama-0.4.7.tar.gz/colorsama-0.4.7/setup.py");

        var good = Result(results, "acme-cloud-sdk==2.14.0");
        Assert.Equal("clean", good.GetProperty("verdict").GetString());
        Assert.DoesNotContain(Rules(good), r => r.StartsWith("MOAT-CODE-", StringComparison.Ordinal));
        Assert.DoesNotContain(Rules(Result(results, "requests>=2")), r => r is "MOAT-DEP-012" or "MOAT-DEP-013" || r.StartsWith("MOAT-CODE-", StringComparison.Ordinal));
        Assert.Equal(0, index.Count("/simple/requests/")); // unpinned: nothing to resolve
        Assert.Equal(2, index.FileDownloads);               // 2.13.0 is never fetched
        Assert.Contains("scan: 2 files of 2 pinned dependencies, 0 from cache, 2 downloaded", error);
    }

    [Fact]
    public void A_second_audit_takes_every_scan_from_the_cache()
    {
        var (index, _, _) = StartIndex();
        using var _ = index;
        var requirements = Requirements("colorsama==0.4.7\nacme-cloud-sdk==2.14.0\n");
        var first = Audit(requirements, index.SimpleUrl);
        Assert.Equal(2, index.FileDownloads);

        var second = Audit(requirements, index.SimpleUrl);

        Assert.Equal(2, index.FileDownloads); // no file fetched again
        Assert.Contains("scan: 2 files of 2 pinned dependencies, 2 from cache, 0 downloaded", second.Error);
        Assert.Equal(first.Results.GetRawText(), second.Results.GetRawText());
        // The cache is per engine: entries sit under the engine key, named by sha256.
        Assert.Equal(2, Directory.GetFiles(Path.Combine(Cache, ScanCache.EngineKey), "*.json", SearchOption.AllDirectories).Length);

        // --no-cache downloads again.
        Audit(requirements, index.SimpleUrl, "--no-cache");
        Assert.Equal(4, index.FileDownloads);
    }

    [Fact]
    public void A_corrupt_or_foreign_cache_entry_is_a_miss_not_an_error()
    {
        var cache = new ScanCache(Cache);
        var sha = new string('a', 64);
        Assert.Null(cache.TryGet(sha));
        var path = Path.Combine(Cache, ScanCache.EngineKey, "aa", sha + ".json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "{ not json");
        Assert.Null(cache.TryGet(sha));
        // The shape older Moats wrote (PascalCase, the whole result serialized) under the same engine key: a miss.
        File.WriteAllText(path, "{\"Engine\":\"" + ScanCache.EngineKey + "\",\"Sha256\":\"" + sha
            + "\",\"Result\":{\"Target\":\"x.whl\",\"Kind\":\"package\",\"Verdict\":\"clean\",\"Score\":0,\"Findings\":[]}}");
        Assert.Null(cache.TryGet(sha));

        // A module that decodes and runs a payload: findings with paths, lines and evidence to carry through the cache.
        var module = "import base64\nexec(base64.b64decode('cHJpbnQoJ2hlbGxvJyk='))\n";
        var result = PackageScanner.Scan(new MemoryStream(TestDistributions.Wheel("tidy", "1.0", module: module)), "tidy-1.0-py3-none-any.whl");
        Assert.NotEmpty(result.Findings);
        cache.Put(sha, result);
        var back = cache.TryGet(sha);
        Assert.NotNull(back);
        Assert.Equal(result.Verdict, back.Verdict);
        Assert.Equal(result.Findings, back.Findings);
        Assert.Equal(result.Score, back.Score);
        Assert.Contains("\"findings\":[", File.ReadAllText(path)); // the report's key style, written by FindingJson
        Assert.Null(cache.TryGet(new string('b', 64)));
    }

    [Fact]
    public void Requirement_hashes_choose_the_files_and_a_hash_no_file_has_is_a_mismatch()
    {
        var (index, malicious, benign) = StartIndex();
        using var _ = index;
        var other = index.Add("acme-cloud-sdk", "acme_cloud_sdk-2.14.0.tar.gz", TestDistributions.Sdist("acme-cloud-sdk", "2.14.0"));
        var requirements = Requirements(
            $"acme-cloud-sdk==2.14.0 --hash=sha256:{benign.Sha256}\n" +
            $"colorsama==0.4.7 --hash=sha256:{new string('0', 64)}\n");

        var (_, results, _) = Audit(requirements, index.SimpleUrl);

        // Only the hashed wheel is downloaded; the sdist of the same version is not the locked file.
        Assert.Equal(1, index.Count("/files/" + benign.Filename));
        Assert.Equal(0, index.Count("/files/" + other.Filename));
        var good = Result(results, $"acme-cloud-sdk==2.14.0");
        Assert.Equal("clean", good.GetProperty("verdict").GetString());

        var mismatch = Result(results, "colorsama==0.4.7");
        Assert.Contains("MOAT-DEP-012", Rules(mismatch));
        Assert.Equal(0, index.Count("/files/" + malicious.Filename)); // never downloaded: not the file the lock names
    }

    [Fact]
    public void Bytes_that_differ_from_the_advertised_sha256_are_a_mismatch_and_are_not_scanned()
    {
        var (index, _, benign) = StartIndex();
        using var _ = index;
        index.Tamper(benign.Filename, TestDistributions.Wheel("acme-cloud-sdk", "2.14.0", module: "import os\n"));
        var requirements = Requirements("acme-cloud-sdk==2.14.0\n");

        var (exit, results, _) = Audit(requirements, index.SimpleUrl);

        var dep = Result(results, "acme-cloud-sdk==2.14.0");
        var finding = dep.GetProperty("findings").EnumerateArray().Single(f => f.GetProperty("rule").GetString() == "MOAT-DEP-012");
        Assert.Contains($"advertises sha256 {benign.Sha256}", finding.GetProperty("message").GetString());
        Assert.Equal("high", finding.GetProperty("severity").GetString());
        Assert.Equal(1, exit); // high is at the default --fail-on
        Assert.Empty(Directory.Exists(Cache) ? Directory.GetFiles(Cache, "*.json", SearchOption.AllDirectories) : []); // nothing cached under a wrong hash
    }

    [Fact]
    public void Missing_projects_missing_versions_and_a_down_index_are_findings_per_dependency()
    {
        var (index, _, _) = StartIndex();
        using var _ = index;
        var requirements = Requirements("no-such-project==1.0\nacme-cloud-sdk==9.9.9\n");

        var (_, results, _) = Audit(requirements, index.SimpleUrl);
        var missing = Result(results, "no-such-project==1.0").GetProperty("findings").EnumerateArray().Single(f => f.GetProperty("rule").GetString() == "MOAT-DEP-013");
        Assert.Contains("no project of that name", missing.GetProperty("message").GetString());
        var noVersion = Result(results, "acme-cloud-sdk==9.9.9").GetProperty("findings").EnumerateArray().Single(f => f.GetProperty("rule").GetString() == "MOAT-DEP-013");
        Assert.Contains("no file of version 9.9.9", noVersion.GetProperty("message").GetString());

        // What could not be scanned is unverified (fail closed), never clean.
        Assert.Equal("unverified", Result(results, "no-such-project==1.0").GetProperty("verdict").GetString());
        Assert.Equal("unverified", Result(results, "acme-cloud-sdk==9.9.9").GetProperty("verdict").GetString());

        index.Down = true;
        var (exit, down, error) = Audit(requirements, index.SimpleUrl);
        Assert.Equal(1, exit); // unverified fails the default --fail-on high
        Assert.All(down.EnumerateArray(), r => Assert.Contains(r.GetProperty("findings").EnumerateArray(),
            f => f.GetProperty("rule").GetString() == "MOAT-DEP-013" && f.GetProperty("message").GetString()!.Contains("503", StringComparison.Ordinal)));
        Assert.All(down.EnumerateArray(), r => Assert.Equal("unverified", r.GetProperty("verdict").GetString()));
        Assert.Contains("2 dependencies not scanned", error);
        var line = Assert.Single(error.Split('\n'), l => l.StartsWith("moat: 2 dependencies could not be scanned", StringComparison.Ordinal));
        Assert.Contains("reported unverified, not clean: no-such-project==1.0 (", line);
    }

    [Fact]
    public void An_index_that_refuses_connections_is_a_finding_not_a_crash()
    {
        var port = AuditCommandTests.LocalServer.FreePort();
        var requirements = Requirements("acme-cloud-sdk==2.14.0\n");
        var (_, results, _) = Audit(requirements, $"http://127.0.0.1:{port}/simple", "--scan-timeout", "5");
        Assert.Contains("MOAT-DEP-013", Rules(Result(results, "acme-cloud-sdk==2.14.0")));
    }

    [Fact]
    public void An_html_only_index_is_read_too()
    {
        var (index, _, _) = StartIndex();
        using var _ = index;
        index.HtmlOnly = true;
        var (_, results, _) = Audit(Requirements("colorsama==0.4.7\n"), index.SimpleUrl);
        Assert.Equal("malicious", Result(results, "colorsama==0.4.7").GetProperty("verdict").GetString());
    }

    [Fact]
    public void Lock_file_entries_are_scanned_and_sarif_stays_valid()
    {
        var (index, _, _) = StartIndex();
        using var _ = index;
        Directory.CreateDirectory(_root);
        var lockFile = Path.Combine(_root, "pylock.toml");
        File.WriteAllText(lockFile, """
            lock-version = "1.0"
            created-by = "hand"

            [[packages]]
            name = "colorsama"
            version = "0.4.7"

            [[packages]]
            name = "acme-cloud-sdk"
            version = "2.14.0"
            """);
        var (exit, output, error) = CliTests.Run("audit", lockFile, "--scan", index.SimpleUrl, "--format", "sarif", "--no-osv", "--no-names", "--cache-dir", Cache);
        Assert.True(exit == 1, error);
        using var sarif = JsonDocument.Parse(output);
        var run = sarif.RootElement.GetProperty("runs")[0];
        var ruleIds = run.GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray().Select(r => r.GetProperty("id").GetString()).ToHashSet();
        var resultRules = run.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("ruleId").GetString()).ToList();
        Assert.Contains(resultRules, r => r!.StartsWith("MOAT-CODE-", StringComparison.Ordinal));
        Assert.All(resultRules, r => Assert.Contains(r, ruleIds));
    }

    [Fact]
    public void Credentials_from_the_url_or_a_token_go_to_the_index_host_only()
    {
        using var files = StaticUpstream.Start(); // another origin, as a CDN would be
        var wheel = files.AddWheel("tidy-lib", "1.0");
        var seen = new List<string?>();
        using var index = new AuditCommandTests.LocalServer(context =>
        {
            var auth = context.Request.Headers["Authorization"];
            lock (seen) seen.Add(auth);
            if (auth is null)
            {
                context.Response.StatusCode = 401;
                return;
            }
            var page = JsonSerializer.SerializeToUtf8Bytes(new
            {
                meta = new { api_version = "1.1" },
                name = "tidy-lib",
                files = new[] { new { filename = wheel.Filename, url = files.Url + "/files/" + wheel.Filename, hashes = new { sha256 = wheel.Sha256 } } },
            });
            context.Response.ContentType = "application/vnd.pypi.simple.v1+json";
            context.Response.OutputStream.Write(page);
        });
        var requirements = Requirements("tidy-lib==1.0\n");
        var withUser = index.Url.Replace("http://", "http://alice:s%3Acret@", StringComparison.Ordinal) + "simple/";

        var (_, results, _) = Audit(requirements, withUser, "--no-cache");
        Assert.DoesNotContain("MOAT-DEP-013", Rules(Result(results, "tidy-lib==1.0")));
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:s:cret")), seen.Last());
        Assert.Equal(1, files.FileDownloads); // fetched from the other origin, which got no credentials (StaticUpstream would serve anyone)

        Audit(requirements, index.Url + "simple/", "--no-cache", "--index-token", "moat-tok");
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("__token__:moat-tok")), seen.Last());

        var (_, anonymous, _) = Audit(requirements, index.Url + "simple/", "--no-cache");
        Assert.Contains("401", Result(anonymous, "tidy-lib==1.0").GetProperty("findings").EnumerateArray().Single(f => f.GetProperty("rule").GetString() == "MOAT-DEP-013").GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("colorsama-0.4.7.tar.gz", "colorsama", "0.4.7", true)]
    [InlineData("colorsama-0.4.7.tar.gz", "colorsama", "0.4.7.0", true)]         // PEP 440: zero padding
    [InlineData("Colorsama-0.4.7-py3-none-any.whl", "colorsama", "0.4.7", true)]
    [InlineData("colorsama-0.4.7+local-py3-none-any.whl", "colorsama", "0.4.7", true)] // == without a local label matches local versions
    [InlineData("colorsama-0.4.70.tar.gz", "colorsama", "0.4.7", false)]
    [InlineData("colorsama-0.4.7rc1.tar.gz", "colorsama", "0.4.7", false)]
    [InlineData("colorsama_extra-0.4.7.tar.gz", "colorsama", "0.4.7", false)]
    [InlineData("python_dateutil-2.8.2-py2.py3-none-any.whl", "python-dateutil", "2.8.2", true)]
    [InlineData("python-dateutil-2.8.2.tar.gz", "python-dateutil", "2.8.2", true)]
    [InlineData("colorsama-0.4.7.exe", "colorsama", "0.4.7", false)]
    public void Files_match_the_pinned_version_by_pep_440_equality(string filename, string project, string pinned, bool matches) =>
        Assert.Equal(matches, IndexPackageScanner.IsFileOf(filename, project, pinned));

    [Fact]
    public void A_bad_index_url_is_a_usage_error()
    {
        var (exit, _, error) = CliTests.Run("audit", Requirements("a==1\n"), "--scan", "ftp://example.com/simple/", "--no-osv");
        Assert.Equal(2, exit);
        Assert.Contains("--scan must be an http(s) index URL", error);
    }
}
