using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Moat.Index.Provenance;
using Moat.Index.Storage;
using Moat.Testing;

namespace Moat.Index.Tests;

/// <summary>
/// PEP 740 on the running index: a Trusted Publisher's upload with attestations signed under a test Sigstore (its
/// trusted_root.json given as <c>[provenance] trust-root</c>), what is served, what is refused, the requirement and
/// provenance continuity.
/// </summary>
public sealed class ProvenanceTests : IAsyncLifetime
{
    private TestIssuer _issuer = null!;
    private readonly TestSigstore _sigstore = new();
    private string _rootFile = null!;

    public async Task InitializeAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _rootFile = Path.Combine(Path.GetTempPath(), $"moat-trusted-root-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(_rootFile, _sigstore.TrustedRootJson());
    }

    public async Task DisposeAsync()
    {
        await _issuer.DisposeAsync();
        _sigstore.Dispose();
        File.Delete(_rootFile);
    }

    private Task<TestIndex> StartAsync(AttestationRequirement requirement = AttestationRequirement.Optional) => TestIndex.StartAsync(o => o with
    {
        Security = o.Security with { GitHubIssuer = _issuer.Url },
        Provenance = new ProvenanceOptions { TrustRootPath = _rootFile, PublicGood = false, Attestations = requirement },
    });

    /// <summary>The owner registers acme/widget's release.yml as widget's publisher; returns the owner and a token the publisher minted.</summary>
    private async Task<(AccountClient Owner, string PublisherToken)> PublisherAsync(TestIndex index)
    {
        var owner = await AccountClient.RegisterAsync(index, "owner");
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(await owner.CreateTokenAsync(), "widget", "0.1")).StatusCode);
        using var added = await owner.PostAsync("/_/projects/widget/publishers", new { kind = "github", repository = "acme/widget", ownerId = "4242", workflow = "release.yml" });
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        using var minted = await index.Client.PostAsJsonAsync("/_/oidc/mint-token", new { token = _issuer.Jwt(_issuer.GitHubClaims("acme/widget", "4242", "release.yml")) });
        Assert.Equal(HttpStatusCode.OK, minted.StatusCode);
        return (owner, (await AccountClient.JsonAsync(minted)).GetProperty("token").GetString()!);
    }

    private TestSigstore.Options Signed(string filename, byte[] wheel) => new(filename, Convert.ToHexStringLower(SHA256.HashData(wheel))) { Issuer = _issuer.Url };

    private static async Task<HttpResponseMessage> UploadAsync(TestIndex index, string token, string version, Func<string, byte[], string?> attest)
    {
        var filename = TestDistributions.WheelFilename("widget", version);
        var wheel = TestDistributions.Wheel("widget", version);
        var attestations = attest(filename, wheel);
        return await index.UploadAsync(token, TestDistributions.UploadForm("widget", version, filename, wheel,
            extra: attestations is null ? null : new Dictionary<string, string> { ["attestations"] = attestations }));
    }

    [Fact]
    public async Task A_trusted_publishers_attested_upload_is_served_by_the_integrity_api_and_linked_from_both_simple_formats()
    {
        await using var index = await StartAsync();
        var (_, token) = await PublisherAsync(index);
        string? sent = null;
        using var uploaded = await UploadAsync(index, token, "1.0", (f, w) => sent = List(_sigstore.Attest(Signed(f, w))));
        Assert.Equal(HttpStatusCode.OK, uploaded.StatusCode);

        var filename = TestDistributions.WheelFilename("widget", "1.0");
        var url = $"/integrity/widget/1.0/{filename}/provenance";
        using var provenance = await index.Client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, provenance.StatusCode);
        var body = JsonNode.Parse(await provenance.Content.ReadAsStringAsync())!;
        Assert.Equal(1, body["version"]!.GetValue<int>());
        var bundle = body["attestation_bundles"]![0]!;
        Assert.Equal("GitHub", bundle["publisher"]!["kind"]!.GetValue<string>());
        Assert.Equal("acme/widget", bundle["publisher"]!["repository"]!.GetValue<string>());
        Assert.Equal("release.yml", bundle["publisher"]!["workflow"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(sent!)![0], bundle["attestations"]![0]), "the attestation is served as it was uploaded");

        Assert.Contains($"data-provenance=\"{url}\"", await index.GetAsync("/simple/widget/", "text/html"));
        var json = JsonDocument.Parse(await index.GetAsync("/simple/widget/", "application/vnd.pypi.simple.v1+json")).RootElement;
        var files = json.GetProperty("files").EnumerateArray().ToList();
        Assert.Equal(url, files.Single(f => f.GetProperty("filename").GetString() == filename).GetProperty("provenance").GetString());
        // The owner's earlier, unattested file has no provenance link and no provenance object.
        Assert.False(files.Single(f => f.GetProperty("filename").GetString() != filename).TryGetProperty("provenance", out _));
        Assert.Equal(HttpStatusCode.NotFound, (await index.Client.GetAsync($"/integrity/widget/0.1/{TestDistributions.WheelFilename("widget", "0.1")}/provenance")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await index.Client.GetAsync($"/integrity/widget/9.9/{filename}/provenance")).StatusCode);

        // The project page says who built the file, from what commit, and that it verified.
        var page = await index.Client.GetStringAsync("/projects/widget");
        Assert.Contains("built by <strong>acme/widget</strong> workflow <code>release.yml</code> at commit <code title=\"0123456789abcdef0123456789abcdef01234567\">0123456789ab</code>", page);
        Assert.Contains("provenance verified", page);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(page, "class=\"small provenance\""));
    }

    [Fact]
    public async Task Every_spoiled_attestation_is_refused_with_its_reason()
    {
        await using var index = await StartAsync();
        var (owner, token) = await PublisherAsync(index);
        using var stranger = new TestSigstore();
        var cases = new (string Reason, Func<string, byte[], string?> Attest)[]
        {
            ("subject digest", (f, w) => List(_sigstore.Attest(Signed(f, w) with { Sha256 = new string('0', 64) }))),
            ("subject is widget-9.0-py3-none-any.whl", (f, w) => List(_sigstore.Attest(Signed("widget-9.0-py3-none-any.whl", w)))),
            ("not the Trusted Publisher's https://github.com/acme/widget/.github/workflows/release.yml@", (f, w) => List(_sigstore.Attest(Signed(f, w) with { Workflow = "other.yml" }))),
            ("source repository", (f, w) => List(_sigstore.Attest(Signed(f, w) with { Repository = "evil/widget" }))),
            ("not valid at the signed time", (f, w) => List(_sigstore.Attest(Signed(f, w) with { ValidFrom = TimeSpan.FromHours(-1) }))),
            ("log that is not in the trust root", (f, w) => List(stranger.Attest(Signed(f, w)))),
            ("different statement", (f, w) => List(Tamper(_sigstore.Attest(Signed(f, w)), j => j["envelope"]!["statement"] = OtherStatement(f, w)))),
            ("signature does not verify", (f, w) => List(_sigstore.Attest(Signed(f, w) with { SignInstead = Encoding.UTF8.GetBytes("something else") }))),
            ("does not lead to its root hash", (f, w) => List(_sigstore.Attest(Signed(f, w) with { BreakInclusionProof = true }))),
            ("not JSON", (f, w) => "{not json"),
        };
        foreach (var (reason, attest) in cases)
        {
            using var refused = await UploadAsync(index, token, "1.0", attest);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains(reason, await refused.Content.ReadAsStringAsync());
        }
        Assert.Null(await index.Store.GetFileAsync(TestDistributions.WheelFilename("widget", "1.0")));

        // Attestations from anyone but a Trusted Publisher have no identity to be checked against.
        using var byOwner = await UploadAsync(index, await owner.CreateTokenAsync(), "1.0", (f, w) => $"[{_sigstore.Attest(Signed(f, w))}]");
        Assert.Equal(HttpStatusCode.BadRequest, byOwner.StatusCode);
        Assert.Contains("only accepted from a Trusted Publisher", await byOwner.Content.ReadAsStringAsync());
    }

    private static string List(string attestation) => $"[{attestation}]";

    [Fact]
    public async Task The_proxy_serves_verified_upstream_provenance_and_holds_releases_that_break_continuity()
    {
        using var upstream = StaticUpstream.Start();
        StaticUpstream.Dist Signed(string version, string repository, Func<TestSigstore.Options, TestSigstore.Options>? spoil = null)
        {
            var dist = upstream.AddWheel("attestedpkg", version);
            var options = new TestSigstore.Options(dist.Filename, dist.Sha256) { Issuer = _issuer.Url, Repository = repository };
            upstream.SetProvenance(dist.Filename, TestSigstore.ProvenanceObject(repository, _sigstore.Attest((spoil ?? (o => o))(options))));
            return dist;
        }
        var v1 = Signed("1.0", "acme/attestedpkg");
        var v2 = upstream.AddWheel("attestedpkg", "2.0");
        var v3 = Signed("3.0", "evil/attestedpkg");
        var v4 = Signed("4.0", "acme/attestedpkg", o => o with { Sha256 = new string('0', 64) });
        var v5 = Signed("5.0", "acme/attestedpkg");
        await using var index = await TestIndex.StartAsync(o => o with
        {
            Proxy = new Proxy.ProxyOptions { Upstream = upstream.SimpleUrl },
            Security = o.Security with { GitHubIssuer = _issuer.Url },
            Provenance = new ProvenanceOptions { TrustRootPath = _rootFile, PublicGood = false },
        });

        // Linked from both formats with Moat's own Integrity API URL; served on once it verified.
        var page = JsonDocument.Parse(await index.GetAsync("/simple/attestedpkg/", "application/vnd.pypi.simple.v1+json")).RootElement;
        var files = page.GetProperty("files").EnumerateArray().ToDictionary(f => f.GetProperty("filename").GetString()!);
        var url = $"/integrity/attestedpkg/1.0/{v1.Filename}/provenance";
        Assert.Equal(url, files[v1.Filename].GetProperty("provenance").GetString());
        Assert.False(files[v2.Filename].TryGetProperty("provenance", out _));
        Assert.Contains($"data-provenance=\"{url}\"", await index.GetAsync("/simple/attestedpkg/", "text/html"));
        var served = JsonNode.Parse(await index.Client.GetStringAsync(url))!;
        Assert.Equal("acme/attestedpkg", served["attestation_bundles"]![0]!["publisher"]!["repository"]!.GetValue<string>());

        // 1.0 is attested and verifies; 5.0 continues it.
        Assert.Equal(v1.Content, await index.Client.GetByteArrayAsync($"/files/{v1.Sha256}/{v1.Filename}"));
        Assert.Equal(v5.Content, await index.Client.GetByteArrayAsync($"/files/{v5.Sha256}/{v5.Filename}"));
        async Task Held(StaticUpstream.Dist dist, string reason)
        {
            using var response = await index.Client.GetAsync($"/files/{dist.Sha256}/{dist.Filename}");
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Contains(reason, response.ReasonPhrase);
        }
        await Held(v2, "provenance continuity: earlier releases of attestedpkg were attested by acme/attestedpkg workflow release.yml, this file carries no attestation");
        await Held(v3, "this file by evil/attestedpkg workflow release.yml");
        await Held(v4, "attestation does not verify: the statement's subject digest");
        // The proxy's project page says who built each downloaded file, and what did not verify.
        var projectPage = await index.Client.GetStringAsync("/projects/attestedpkg");
        Assert.Contains("built by <strong>acme/attestedpkg</strong> workflow <code>release.yml</code>", projectPage);
        Assert.Contains("provenance verified", projectPage);
        Assert.Contains("provenance not verified", projectPage);
        // What does not verify is not served on as provenance.
        using var unverified = await index.Client.GetAsync($"/integrity/attestedpkg/4.0/{v4.Filename}/provenance");
        Assert.Equal(HttpStatusCode.NotFound, unverified.StatusCode);
        Assert.Contains("subject digest", await unverified.Content.ReadAsStringAsync());
    }

    /// <summary>A statement about the same file, but not the one that was signed and logged.</summary>
    private static string OtherStatement(string filename, byte[] wheel) => Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
    {
        ["_type"] = "https://in-toto.io/Statement/v1",
        ["subject"] = new[] { new { name = filename, digest = new { sha256 = Convert.ToHexStringLower(SHA256.HashData(wheel)) } } },
        ["predicateType"] = AttestationVerifier.PublishPredicate,
        ["predicate"] = new { injected = true },
    }));

    private static string Tamper(string attestation, Action<JsonObject> change)
    {
        var json = JsonNode.Parse(attestation)!.AsObject();
        change(json);
        return json.ToJsonString();
    }

    [Fact]
    public void The_configuration_names_the_requirement_and_the_trust_root()
    {
        static IndexOptions Parse(string toml)
        {
            ConfigurationKeys.Check(toml, "moat.toml");
            return IndexOptions.Apply(new IndexOptions(), Tomlyn.TomlSerializer.Deserialize<Tomlyn.Model.TomlTable>(toml)!, "moat.toml");
        }
        var options = Parse($"[policy]\nattestations = \"required\"\n[provenance]\ntrust-root = \"{_rootFile}\"\n");
        Assert.Equal(AttestationRequirement.Required, options.Provenance.Attestations);
        // Added to the public-good root by default; alone with public-good = false.
        Assert.Equal(SigstoreTrustRoot.PublicGood.Logs.Count + 1, options.Provenance.TrustRoot().Logs.Count);
        Assert.Single(Parse($"[provenance]\ntrust-root = \"{_rootFile}\"\npublic-good = false\n").Provenance.TrustRoot().Logs);
        Assert.Equal(AttestationRequirement.Optional, Parse("").Provenance.Attestations);

        Assert.Contains("policy.attestations must be \"optional\" or \"required\"", Assert.Throws<IndexConfigurationException>(() => Parse("[policy]\nattestations = \"yes\"\n")).Message);
        Assert.Contains("did you mean 'trust-root'", Assert.Throws<IndexConfigurationException>(() => Parse("[provenance]\ntrust-roots = \"x\"\n")).Message);
        Assert.Contains("provenance.trust-root /nonexistent/root.json", Assert.Throws<IndexConfigurationException>(() => Parse("[provenance]\ntrust-root = \"/nonexistent/root.json\"\n").Provenance.TrustRoot()).Message);
        var notRoot = Path.Combine(Path.GetTempPath(), $"moat-not-a-root-{Guid.NewGuid():N}.json");
        File.WriteAllText(notRoot, "{\"tlogs\": []}");
        try { Assert.Contains("not a Sigstore trusted root", Assert.Throws<IndexConfigurationException>(() => Parse($"[provenance]\ntrust-root = \"{notRoot}\"\n").Provenance.TrustRoot()).Message); }
        finally { File.Delete(notRoot); }
    }

    [Fact]
    public async Task With_attestations_required_an_unsigned_upload_is_refused()
    {
        await using var index = await StartAsync(AttestationRequirement.Required);
        var owner = await AccountClient.RegisterAsync(index, "owner");
        using var refused = await index.UploadWheelAsync(await owner.CreateTokenAsync(), "widget", "0.1");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("Only signed packages can be uploaded", await refused.Content.ReadAsStringAsync());

        // Per project: an index that leaves it optional, a project whose owner requires it.
        await using var optional = await StartAsync();
        var (projectOwner, token) = await PublisherAsync(optional);
        using var set = await projectOwner.SendAsync(HttpMethod.Put, "/_/projects/widget/provenance", new { attestations = "required" });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        using var unsigned = await UploadAsync(optional, token, "1.0", (_, _) => null);
        Assert.Equal(HttpStatusCode.BadRequest, unsigned.StatusCode);
        Assert.Contains("Only signed packages can be uploaded: widget requires a PEP 740 attestation", await unsigned.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await UploadAsync(optional, token, "1.0", (f, w) => $"[{_sigstore.Attest(Signed(f, w))}]")).StatusCode);
        var events = await optional.Accounts.EventsAsync(null, "widget", 100);
        Assert.Contains(events, e => e.Kind == "project:provenance-policy" && e.Details!.Contains("\"required\""));
    }

    [Fact]
    public async Task An_unsigned_release_after_a_signed_one_is_held_for_review_unless_the_owner_turned_continuity_off()
    {
        await using var index = await StartAsync();
        var (owner, token) = await PublisherAsync(index);
        Assert.Equal(HttpStatusCode.OK, (await UploadAsync(index, token, "1.0", (f, w) => $"[{_sigstore.Attest(Signed(f, w))}]")).StatusCode);

        // A token stolen from CI publishes without the workflow's signature: stored, held, its reason said.
        using var held = await UploadAsync(index, token, "2.0", (_, _) => null);
        Assert.Equal(HttpStatusCode.OK, held.StatusCode);
        var notice = await held.Content.ReadAsStringAsync();
        Assert.Contains("held for review: provenance continuity: earlier releases of widget were attested by acme/widget workflow release.yml, this file carries no attestation", notice);
        var file = (await index.Store.GetFileAsync(TestDistributions.WheelFilename("widget", "2.0")))!;
        Assert.Equal(FileState.Quarantined, file.State);
        Assert.DoesNotContain("widget-2.0", await index.GetAsync("/simple/widget/", "text/html"));

        using var off = await owner.SendAsync(HttpMethod.Put, "/_/projects/widget/provenance", new { continuity = false });
        Assert.Equal(HttpStatusCode.OK, off.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await UploadAsync(index, token, "3.0", (_, _) => null)).StatusCode);
        Assert.Equal(FileState.Available, (await index.Store.GetFileAsync(TestDistributions.WheelFilename("widget", "3.0")))!.State);
    }
}
