using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Moat.Index.Provenance;
using Moat.Testing;

namespace Moat.Index.Tests;

public sealed class AttestationVerifierTests
{
    private const string File = "widget-1.0-py3-none-any.whl";
    private static readonly string Sha = new('a', 64);
    private static readonly TrustedPublisherIdentity Publisher = new(PublisherKind.GitHub, "acme/widget", "release.yml", TestSigstore.Issuer, OwnerId: "4242");

    private static SigstoreTrustRoot Root(TestSigstore sigstore) => SigstoreTrustRoot.Parse(sigstore.TrustedRootJson());

    private static Attestation Parse(string json) =>
        Attestation.TryParse(JsonDocument.Parse(json).RootElement, out var error) ?? throw new InvalidOperationException(error);

    private static AttestationCheck Check(TestSigstore sigstore, TestSigstore.Options options, string filename = File, string? sha = null, TrustedPublisherIdentity? publisher = null) =>
        new AttestationVerifier(Root(sigstore)).Verify(Parse(sigstore.Attest(options)), filename, sha ?? Sha, publisher ?? Publisher);

    [Fact]
    public void A_valid_attestation_verifies_with_its_signer_identity()
    {
        using var sigstore = new TestSigstore();
        var verified = Assert.IsType<AttestationVerified>(Check(sigstore, new(File, Sha)));
        Assert.Equal("acme/widget", verified.Signer.Repository);
        Assert.Equal("release.yml", verified.Signer.Workflow);
        Assert.Equal("0123456789abcdef0123456789abcdef01234567", verified.Signer.SourceRepositoryDigest);
        Assert.Equal(AttestationVerifier.PublishPredicate, verified.PredicateType);
        Assert.InRange(verified.SignedAt, DateTimeOffset.UtcNow.AddMinutes(-2), DateTimeOffset.UtcNow);
        // SLSA provenance is the other known predicate; another spelling of the filename names the same file.
        Assert.IsType<AttestationVerified>(Check(sigstore, new(File, Sha) { PredicateType = AttestationVerifier.SlsaPredicate }));
        Assert.IsType<AttestationVerified>(Check(sigstore, new("Widget-1.0.0-py3-none-any.whl", Sha)));
    }

    [Fact]
    public void Each_spoiled_part_is_refused_with_its_reason()
    {
        using var sigstore = new TestSigstore();
        using var stranger = new TestSigstore();
        void Refused(string expected, AttestationCheck check) => Assert.Contains(expected, Assert.IsType<AttestationRefused>(check).Reason);

        Refused("subject digest", Check(sigstore, new(File, Sha), sha: new string('b', 64)));
        Refused("subject is widget-1.0-py3-none-any.whl, not widget-2.0-py3-none-any.whl", Check(sigstore, new(File, Sha), filename: "widget-2.0-py3-none-any.whl"));
        Refused("workflow", Check(sigstore, new(File, Sha) { Workflow = "other.yml" }));
        Refused("source repository", Check(sigstore, new(File, Sha) { Repository = "evil/widget" }));
        Refused("OIDC issuer", Check(sigstore, new(File, Sha) { Issuer = "https://issuer.example.com" }));
        Refused("owner id", Check(sigstore, new(File, Sha) { OwnerId = "9999" }));
        Refused("not valid at the signed time", Check(sigstore, new(File, Sha) { ValidFrom = TimeSpan.FromMinutes(-30), ValidFor = TimeSpan.FromMinutes(10) }));
        Refused("predicate type", Check(sigstore, new(File, Sha) { PredicateType = "https://example.com/predicate/v1" }));
        Refused("not for code signing", Check(sigstore, new(File, Sha) { NotForCodeSigning = true }));
        Refused("signature does not verify", Check(sigstore, new(File, Sha) { SignInstead = Encoding.UTF8.GetBytes("{}") }));
        Refused("does not lead to its root hash", Check(sigstore, new(File, Sha) { BreakInclusionProof = true }));
        Refused("checkpoint's signature does not verify", Check(sigstore, new(File, Sha) { ForgeCheckpoint = true }));

        // Signed under another Sigstore entirely: its log is unknown here, and so is its CA.
        var foreign = Parse(stranger.Attest(new(File, Sha)));
        Refused("log that is not in the trust root", new AttestationVerifier(Root(sigstore)).Verify(foreign, File, Sha, Publisher));
        var knownLogForeignCa = new SigstoreTrustRoot(Root(sigstore).Authorities, Root(stranger).Logs);
        Refused("does not chain to a trusted Sigstore root", new AttestationVerifier(knownLogForeignCa).Verify(foreign, File, Sha, Publisher));
    }

    [Fact]
    public void Tampering_with_the_envelope_or_the_log_entry_after_signing_is_refused()
    {
        using var sigstore = new TestSigstore();
        var verifier = new AttestationVerifier(Root(sigstore));
        string Tamper(Action<JsonObject> change)
        {
            var json = JsonNode.Parse(sigstore.Attest(new(File, Sha)))!.AsObject();
            change(json);
            return json.ToJsonString();
        }
        string Reason(string json) => Assert.IsType<AttestationRefused>(verifier.Verify(Parse(json), File, Sha, Publisher)).Reason;

        // Another statement in the envelope (the log recorded the original's hash).
        var other = Convert.ToBase64String(Encoding.UTF8.GetBytes(
            "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":\"" + File + "\",\"digest\":{\"sha256\":\"" + Sha +
            "\"}}],\"predicateType\":\"https://docs.pypi.org/attestations/publish/v1\",\"predicate\":{\"evil\":true}}"));
        Assert.Contains("different statement", Reason(Tamper(j => j["envelope"]!["statement"] = other)));
        // A flipped signature byte.
        Assert.Contains("different signature", Reason(Tamper(j =>
        {
            var sig = Convert.FromBase64String(j["envelope"]!["signature"]!.GetValue<string>());
            sig[^1] ^= 1;
            j["envelope"]!["signature"] = Convert.ToBase64String(sig);
        })));
        // A later integrated time (to make an expired certificate look current) breaks the signed entry timestamp.
        Assert.Contains("signed entry timestamp does not verify", Reason(Tamper(j =>
        {
            var entry = j["verification_material"]!["transparency_entries"]![0]!;
            entry["integratedTime"] = (long.Parse(entry["integratedTime"]!.GetValue<string>()) + 60).ToString();
        })));
        Assert.Contains("exactly one transparency log entry", Reason(Tamper(j => j["verification_material"]!["transparency_entries"] = new JsonArray())));
        Assert.Contains("no signed entry timestamp", Reason(Tamper(j => j["verification_material"]!["transparency_entries"]![0]!.AsObject().Remove("inclusionPromise"))));
    }

    [Theory]
    [InlineData("[]", null)]
    [InlineData("[{}]", "version")]
    [InlineData("""[{"version":1}]""", "malformed")]
    [InlineData("""[{"version":1,"verification_material":{"certificate":"!!","transparency_entries":[]},"envelope":{"statement":"","signature":""}}]""", "malformed")]
    [InlineData("""[{"version":1,"verification_material":{"certificate":"","transparency_entries":[{"logIndex":"x"}]},"envelope":{"statement":"","signature":""}}]""", "malformed")]
    [InlineData("not json", "not JSON")]
    [InlineData("{\"a\":1}", "not a JSON list")]
    public void Hostile_attestation_fields_are_refused_without_throwing(string field, string? reason)
    {
        var parsed = Attestation.TryParseList(field, out var error);
        if (reason is null) Assert.Empty(parsed!);
        else
        {
            Assert.Null(parsed);
            Assert.Contains(reason, error);
        }
    }

    [Fact]
    public void Random_corruption_anywhere_is_refused_and_never_thrown()
    {
        using var sigstore = new TestSigstore();
        var verifier = new AttestationVerifier(Root(sigstore));
        var valid = sigstore.Attest(new(File, Sha));
        var random = new Random(740);
        const string alphabet = "AZaz09+/={}[]\":,1x ";
        var refused = 0;
        for (var i = 0; i < 300; i++)
        {
            var chars = valid.ToCharArray();
            for (var k = random.Next(1, 4); k > 0; k--) chars[random.Next(chars.Length)] = alphabet[random.Next(alphabet.Length)];
            var text = new string(chars);
            if (text == valid) continue;
            var list = Attestation.TryParseList($"[{text}]", out var error);
            if (list is null)
            {
                Assert.NotNull(error);
                refused++;
                continue;
            }
            // A change in a part nothing reads (the envelope hash Rekor computed, a key order) may still verify; anything else is refused.
            if (verifier.Verify(list[0], File, Sha, Publisher) is AttestationRefused) refused++;
        }
        Assert.True(refused > 250, $"only {refused} of 300 corruptions were refused");
    }

    [Fact]
    public void A_certificate_that_is_not_x509_is_refused()
    {
        using var sigstore = new TestSigstore();
        var json = JsonNode.Parse(sigstore.Attest(new(File, Sha)))!.AsObject();
        json["verification_material"]!["certificate"] = Convert.ToBase64String(Encoding.UTF8.GetBytes("not a certificate"));
        var check = new AttestationVerifier(Root(sigstore)).Verify(Parse(json.ToJsonString()), File, Sha, Publisher);
        Assert.Contains("not an X.509 certificate", Assert.IsType<AttestationRefused>(check).Reason);
    }

    /// <summary>
    /// A real attestation PyPI serves for pypi-attestations 0.0.19's sdist (from the PyPA project's own test assets,
    /// trailofbits/pypi-attestations test/assets, public), verified against the embedded public-good root: Fulcio's
    /// certificate chain, Rekor's signed entry timestamp, inclusion proof and checkpoint, the DSSE signature.
    /// </summary>
    [Fact]
    public void A_real_pypi_attestation_verifies_against_the_public_good_root()
    {
        var json = System.IO.File.ReadAllText(TestPaths.Fixtures("provenance", "pypi_attestations-0.0.19.tar.gz.publish.attestation"));
        const string filename = "pypi_attestations-0.0.19.tar.gz";
        const string sha256 = "9bb1add04b1b4e182be6b0b80931593f7a291eb49d69b4fd728a5d4cbcdc4bd3";
        var publisher = new TrustedPublisherIdentity(PublisherKind.GitHub, "trailofbits/pypi-attestations", "release.yml", "https://token.actions.githubusercontent.com");
        var verifier = new AttestationVerifier(SigstoreTrustRoot.PublicGood);

        var verified = Assert.IsType<AttestationVerified>(verifier.Verify(Parse(json), filename, sha256, publisher));
        Assert.Equal("08802efe1f8e5fec4ad842d6b8ce97656092ee72", verified.Signer.SourceRepositoryDigest);
        Assert.Equal("refs/tags/v0.0.19", verified.Signer.SourceRepositoryRef);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1733354041), verified.SignedAt);

        Assert.IsType<AttestationRefused>(verifier.Verify(Parse(json), filename, sha256,
            publisher with { Repository = "someone/pypi-attestations" }));
        Assert.IsType<AttestationRefused>(verifier.Verify(Parse(json), filename, new string('0', 64), publisher));
        // The test Sigstore's root does not vouch for sigstore.dev's log or CA.
        using var sigstore = new TestSigstore();
        Assert.IsType<AttestationRefused>(new AttestationVerifier(Root(sigstore)).Verify(Parse(json), filename, sha256, publisher));
    }
}
