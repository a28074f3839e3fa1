using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Moat.Index.Proxy;
using Moat.Testing;
using Tomlyn;
using Tomlyn.Model;

namespace Moat.Index.Tests;

/// <summary>
/// Repositories as configuration: <c>[[repository]]</c> parsing and its errors, group order (first match wins, no
/// merging, hosted shadows every upstream, a failing member stops the group), <c>/r/&lt;name&gt;/simple/</c>,
/// credentials, and the release-age gate on upstreams that give no upload time.
/// </summary>
public sealed class RepositoryTests : IDisposable
{
    private readonly StaticUpstream _private = StaticUpstream.Start();
    private readonly StaticUpstream _public = StaticUpstream.Start();

    private static IndexOptions Parse(string toml) => IndexOptions.Apply(new IndexOptions(), TomlSerializer.Deserialize<TomlTable>(toml)!, "moat.toml");

    private static string Error(string toml) => Assert.Throws<IndexConfigurationException>(() => Parse(toml)).Message;

    private string TwoUpstreams(string order = "\"hosted\", \"internal\", \"pypi\"") => $"""
        [proxy]
        page-ttl-seconds = 60
        reserved = ["corp-*"]

        [[repository]]
        name = "hosted"
        type = "hosted"
        reserved = ["acme-*"]

        [[repository]]
        name = "internal"
        type = "proxy"
        url = "{_private.SimpleUrl}"
        username = "ci"
        password-env = "MOAT_TEST_UPSTREAM_PASSWORD"

        [[repository]]
        name = "pypi"
        type = "proxy"
        url = "{_public.SimpleUrl}"
        min-release-age-hours = 48

        [[repository]]
        name = "all"
        type = "group"
        members = [{order}]
        """;

    private Task<TestIndex> StartAsync(string toml)
    {
        Environment.SetEnvironmentVariable("MOAT_TEST_UPSTREAM_PASSWORD", "s3cret");
        var configured = Parse(toml);
        return TestIndex.StartAsync(o => o with { Repositories = configured.Repositories, Proxy = configured.Proxy });
    }

    private static async Task<string[]> FilenamesAsync(TestIndex index, string path)
    {
        var page = JsonDocument.Parse(await index.GetAsync(path, "application/vnd.pypi.simple.v1+json")).RootElement;
        return [.. page.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("filename").GetString()!)];
    }

    [Fact]
    public void With_no_configuration_the_default_is_hosted_and_pypi_grouped_at_simple()
    {
        var layout = new IndexOptions().Layout;
        Assert.Equal("simple", layout.Root);
        Assert.Equal(["hosted", "pypi", "simple"], layout.Repositories.Select(r => r.Name));
        Assert.Equal(ProxyOptions.PyPI, Assert.Single(layout.Proxies).Upstream);
        Assert.Equal(["pypi"], layout.ProxyOrder("simple"));
        Assert.True(layout.IncludesHosted("simple"));
        var off = Parse("[proxy]\nupstream = \"\"\n").Layout;
        Assert.Empty(off.Proxies);
        Assert.True(off.IncludesHosted(off.Root));
    }

    [Fact]
    public void Repositories_are_read_in_order_with_proxy_defaults_credentials_and_reserved_names_shared_by_every_upstream()
    {
        Environment.SetEnvironmentVariable("MOAT_TEST_UPSTREAM_PASSWORD", "s3cret");
        var layout = Parse(TwoUpstreams()).Layout;
        Assert.Equal("all", layout.Root); // the only group
        Assert.Equal(["internal", "pypi"], layout.ProxyOrder("all"));
        var (internalProxy, pypi) = (layout.Find("internal")!.Proxy!, layout.Find("pypi")!.Proxy!);
        Assert.Equal(("ci", "s3cret"), (internalProxy.Username, internalProxy.Password));
        Assert.Null(pypi.Username);
        Assert.Equal(TimeSpan.FromSeconds(60), internalProxy.PageTtl); // from [proxy]
        Assert.Equal(TimeSpan.Zero, internalProxy.MinReleaseAge);
        Assert.Equal(TimeSpan.FromHours(48), pypi.MinReleaseAge);
        foreach (var proxy in layout.Proxies)
        {
            Assert.True(proxy.IsReserved("acme-billing")); // the hosted repository's reservation
            Assert.True(proxy.IsReserved("corp-tools"));   // [proxy] reserved
            Assert.False(proxy.IsReserved("requests"));
        }
        Assert.Equal(["pypi", "internal"], Parse(TwoUpstreams("\"pypi\", \"hosted\", \"internal\"")).Layout.ProxyOrder("all"));

        var nested = Parse("""
            [[repository]]
            name = "a"
            type = "proxy"
            url = "http://127.0.0.1:9/a/"
            [[repository]]
            name = "b"
            type = "proxy"
            url = "http://127.0.0.1:9/b"
            [[repository]]
            name = "inner"
            type = "group"
            members = ["b", "a"]
            [[repository]]
            name = "outer"
            type = "group"
            path = "/simple/"
            members = ["inner", "a"]
            [[repository]]
            name = "other"
            type = "group"
            members = ["a"]
            """).Layout;
        Assert.Equal("outer", nested.Root);
        Assert.Equal(["b", "a"], nested.ProxyOrder("outer"));
        Assert.False(nested.IncludesHosted("outer"));
        Assert.Equal("http://127.0.0.1:9/b/", nested.Find("b")!.Proxy!.Upstream);
        Assert.Equal("/simple/ = outer; a: proxy of http://127.0.0.1:9/a/; b: proxy of http://127.0.0.1:9/b/; inner: group of b, a; outer: group of inner, a; other: group of a",
            nested.Describe());
    }

    [Theory]
    [InlineData("[[repository]]\nname = \"g\"\ntype = \"group\"\nmembers = [\"nope\"]\n", "repository 'g': unknown member 'nope'")]
    [InlineData("[[repository]]\nname = \"x\"\ntype = \"group\"\nmembers = [\"y\"]\n[[repository]]\nname = \"y\"\ntype = \"group\"\nmembers = [\"x\"]\npath = \"/simple/\"\n", "groups form a cycle: x -> y -> x")]
    [InlineData("[[repository]]\nname = \"x\"\ntype = \"group\"\nmembers = [\"x\"]\n", "groups form a cycle: x -> x")]
    [InlineData("[[repository]]\nname = \"h\"\ntype = \"hosted\"\npath = \"/simple/\"\n[[repository]]\nname = \"g\"\ntype = \"group\"\nmembers = [\"h\"]\npath = \"/simple/\"\n", "two repositories at /simple/: 'h' and 'g'")]
    [InlineData("[[repository]]\nname = \"h\"\ntype = \"hosted\"\n[[repository]]\nname = \"g1\"\ntype = \"group\"\nmembers = [\"h\"]\n[[repository]]\nname = \"g2\"\ntype = \"group\"\nmembers = [\"h\"]\n", "which repository answers at /simple/?")]
    [InlineData("[[repository]]\nname = \"p\"\ntype = \"proxy\"\n", "repository 'p': a proxy needs url")]
    [InlineData("[[repository]]\nname = \"p\"\ntype = \"proxy\"\nurl = \"ftp://x/\"\n", "repository 'p'.url must be an http(s) URL")]
    [InlineData("[[repository]]\nname = \"p\"\ntype = \"proxy\"\nurl = \"https://x/simple/\"\nmembers = [\"a\"]\n", "unknown key 'members' for a proxy repository")]
    [InlineData("[[repository]]\nname = \"p\"\ntype = \"mirror\"\n", "type must be \"hosted\", \"proxy\" or \"group\"")]
    [InlineData("[[repository]]\nname = \"Bad Name\"\ntype = \"hosted\"\n", "name 'Bad Name' must be lower-case")]
    [InlineData("[[repository]]\nname = \"h\"\ntype = \"hosted\"\n[[repository]]\nname = \"h\"\ntype = \"hosted\"\n", "repository 'h': is defined twice")]
    [InlineData("[[repository]]\nname = \"h\"\ntype = \"hosted\"\n[[repository]]\nname = \"h2\"\ntype = \"hosted\"\n", "a second hosted repository")]
    [InlineData("[[repository]]\nname = \"g\"\ntype = \"group\"\nmembers = []\n", "a group needs members")]
    [InlineData("[[repository]]\nname = \"h\"\ntype = \"hosted\"\npath = \"/pypi/\"\n", "path may only be \"/simple/\"")]
    [InlineData("[[repository]]\nname = \"p\"\ntype = \"proxy\"\nurl = \"https://x/\"\npassword-env = \"MOAT_TEST_SURELY_UNSET\"\n", "password-env names MOAT_TEST_SURELY_UNSET, which is not set")]
    [InlineData("[proxy]\nupstream = \"https://x/\"\n[[repository]]\nname = \"h\"\ntype = \"hosted\"\n", "proxy.upstream is not used once [[repository]] is given")]
    public void Bad_repository_configuration_is_one_clear_line(string toml, string expected) =>
        Assert.Contains(expected, Error(toml));

    [Fact]
    public async Task The_first_proxy_that_has_a_project_wins_and_pages_are_never_merged_across_upstreams()
    {
        _private.AddWheel("shared-lib", "1.0");
        var publicHigher = _public.AddWheel("shared-lib", "9.0");
        var onlyPublic = _public.AddWheel("public-only", "2.0");
        await using var index = await StartAsync(TwoUpstreams());

        Assert.Equal(["shared_lib-1.0-py3-none-any.whl"], await FilenamesAsync(index, "/simple/shared-lib/"));
        Assert.Equal(0, _public.Count("/simple/shared-lib/")); // the first member answered: the second is not asked
        Assert.Equal([onlyPublic.Filename], await FilenamesAsync(index, "/simple/public-only/"));
        // Each repository at its own path: the public one still has its own 9.0.
        Assert.Equal([publicHigher.Filename], await FilenamesAsync(index, "/r/pypi/simple/shared-lib/"));
        Assert.Equal(["shared_lib-1.0-py3-none-any.whl"], await FilenamesAsync(index, "/r/all/simple/shared-lib/"));
        using var missing = await index.Client.GetAsync("/r/internal/simple/public-only/");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var unknownRepository = await index.Client.GetAsync("/r/nope/simple/shared-lib/");
        Assert.Equal(HttpStatusCode.NotFound, unknownRepository.StatusCode);

        // The file URL of the public 9.0 still downloads (by sha256) and from the upstream that lists it.
        Assert.Equal(publicHigher.Content, await index.Client.GetByteArrayAsync($"/files/{publicHigher.Sha256}/{publicHigher.Filename}"));
        Assert.Equal(1, _public.FileDownloads);
        Assert.Equal(0, _private.FileDownloads);
        // Credentials went to the private upstream only.
        Assert.All(_private.Authorizations, a => Assert.Equal("Basic " + Convert.ToBase64String("ci:s3cret"u8.ToArray()), a));
        Assert.NotEmpty(_private.Authorizations);
        Assert.Empty(_public.Authorizations);
    }

    [Fact]
    public async Task Reversing_the_group_order_reverses_which_upstream_wins()
    {
        _private.AddWheel("shared-lib", "1.0");
        var publicDist = _public.AddWheel("shared-lib", "9.0");
        await using var index = await StartAsync(TwoUpstreams("\"hosted\", \"pypi\", \"internal\""));
        Assert.Equal([publicDist.Filename], await FilenamesAsync(index, "/simple/shared-lib/"));
        Assert.Equal(0, _private.Count("/simple/shared-lib/"));
    }

    [Fact]
    public async Task A_hosted_or_reserved_name_shadows_every_upstream_whatever_the_group_order()
    {
        _private.AddWheel("moat-own", "50.0");
        _public.AddWheel("moat-own", "99.0");
        _public.AddWheel("acme-billing", "99.0");
        await using var index = await StartAsync(TwoUpstreams("\"internal\", \"pypi\", \"hosted\""));
        Assert.True((await index.UploadWheelAsync(await index.TokenAsync(null, admin: true), "moat-own", "1.0")).IsSuccessStatusCode);

        Assert.Equal(["moat_own-1.0-py3-none-any.whl"], await FilenamesAsync(index, "/simple/moat-own/"));
        // Even a repository without the hosted one never resolves a hosted name upstream.
        using var viaProxy = await index.Client.GetAsync("/r/pypi/simple/moat-own/");
        Assert.Equal(HttpStatusCode.NotFound, viaProxy.StatusCode);
        using var reserved = await index.Client.GetAsync("/simple/acme-billing/");
        Assert.Equal(HttpStatusCode.NotFound, reserved.StatusCode);
        Assert.Equal(0, _private.Count("/simple/moat-own/") + _public.Count("/simple/moat-own/") + _public.Count("/simple/acme-billing/"));
    }

    [Fact]
    public async Task A_failing_member_stops_the_group_instead_of_falling_through_to_the_next_upstream()
    {
        _public.AddWheel("private-thing", "99.0");
        _private.Down = true;
        await using var index = await StartAsync(TwoUpstreams());
        using var response = await index.Client.GetAsync("/simple/private-thing/");
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("cannot reach upstream 'internal'", response.ReasonPhrase);
        Assert.Equal(0, _public.Count("/simple/private-thing/"));
    }

    [Fact]
    public async Task Html_only_upstreams_age_files_from_when_moat_first_saw_them()
    {
        _public.HtmlOnly = true;
        var old = _public.AddWheel("htmlaged", "1.0");
        var fresh = _public.AddWheel("htmlaged", "1.1");
        await using var index = await TestIndex.StartAsync(o => o with
        {
            Proxy = new ProxyOptions { Upstream = _public.SimpleUrl, MinReleaseAge = TimeSpan.FromHours(48), PageTtl = TimeSpan.Zero },
        });
        // Moat saw 1.0 three days ago (as if an earlier page fetch had); 1.1 is new to it now.
        await index.App.Services.GetRequiredService<ProxyStore>().FirstSeenAsync([old.Sha256], DateTimeOffset.UtcNow.AddDays(-3));

        Assert.Equal([old.Filename], await FilenamesAsync(index, "/simple/htmlaged/"));
        using var refused = await index.Client.GetAsync($"/files/{fresh.Sha256}/{fresh.Filename}");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("the upstream gives no upload time and Moat first saw it", refused.ReasonPhrase);
        Assert.Equal(0, _public.FileDownloads);
        // Revalidation (a 304 with TTL zero) keeps the first-seen time: 1.1 does not age by being fetched again.
        Assert.Equal([old.Filename], await FilenamesAsync(index, "/simple/htmlaged/"));
        var seen = await index.App.Services.GetRequiredService<ProxyStore>().FirstSeenAsync([fresh.Sha256], DateTimeOffset.UtcNow.AddDays(5));
        Assert.True(seen[fresh.Sha256] < DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [Theory]
    [InlineData(UnknownUploadTime.Hide, 0)]
    [InlineData(UnknownUploadTime.Allow, 1)]
    public async Task Unknown_upload_times_can_be_hidden_or_allowed(UnknownUploadTime policy, int listed)
    {
        _public.HtmlOnly = true;
        var dist = _public.AddWheel("htmlaged", "1.0");
        await using var index = await TestIndex.StartAsync(o => o with
        {
            Proxy = new ProxyOptions { Upstream = _public.SimpleUrl, MinReleaseAge = TimeSpan.FromHours(48), UnknownUploadTime = policy },
        });
        Assert.Equal(listed, (await FilenamesAsync(index, "/simple/htmlaged/")).Length);
        using var response = await index.Client.GetAsync($"/files/{dist.Sha256}/{dist.Filename}");
        Assert.Equal(listed == 1 ? HttpStatusCode.OK : HttpStatusCode.Forbidden, response.StatusCode);
        if (listed == 0) Assert.Contains("gives no upload time, so the release-age gate (48 hours) cannot clear it", response.ReasonPhrase);
    }

    [Fact]
    public void Unknown_upload_time_policy_reads_from_moat_toml()
    {
        Assert.Equal(UnknownUploadTime.FirstSeen, new ProxyOptions().UnknownUploadTime);
        Assert.Equal(UnknownUploadTime.Hide, Parse("[proxy]\nunknown-upload-time = \"hide\"\n").Proxy.UnknownUploadTime);
        Assert.Contains("proxy.unknown-upload-time must be", Error("[proxy]\nunknown-upload-time = \"maybe\"\n"));
    }

    public void Dispose()
    {
        _private.Dispose();
        _public.Dispose();
    }
}
