using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Moat.Testing;

/// <summary>
/// A throw-away Sigstore made by the test: a root CA and an intermediate standing in for Fulcio (P-384, like the real
/// ones), leaf certificates carrying Fulcio's real extension OIDs, and a transparency log key (P-256, like Rekor's)
/// that signs entry timestamps and checkpoints over an RFC 6962 tree the test builds. Attestations come out in PEP
/// 740's JSON shape, each part of which a test can spoil on purpose.
/// </summary>
internal sealed class TestSigstore : IDisposable
{
    public const string Issuer = "https://token.actions.githubusercontent.com";
    public const string PublishPredicate = "https://docs.pypi.org/attestations/publish/v1";
    private readonly ECDsa _rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP384);
    private readonly ECDsa _intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP384);
    public ECDsa LogKey { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    public X509Certificate2 Root { get; }
    public X509Certificate2 Intermediate { get; }
    public byte[] LogId { get; }

    public TestSigstore()
    {
        var now = DateTimeOffset.UtcNow;
        var rootRequest = new CertificateRequest("O=moat.example.com, CN=test-sigstore", _rootKey, HashAlgorithmName.SHA384);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 1, true));
        rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        rootRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(rootRequest.PublicKey, false));
        Root = rootRequest.CreateSelfSigned(now.AddYears(-2), now.AddYears(5));

        var intermediateRequest = new CertificateRequest("O=moat.example.com, CN=test-sigstore-intermediate", _intermediateKey, HashAlgorithmName.SHA384);
        intermediateRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        intermediateRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        intermediateRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.3")], false));
        intermediateRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(intermediateRequest.PublicKey, false));
        using var issued = intermediateRequest.Create(Root, now.AddYears(-1), now.AddYears(4), [1, 2, 3, 4]);
        Intermediate = issued.CopyWithPrivateKey(_intermediateKey);
        LogId = SHA256.HashData(LogKey.ExportSubjectPublicKeyInfo());
    }

    /// <summary>This instance in Sigstore's trusted_root.json format (what <c>[provenance] trust-root</c> reads).</summary>
    public string TrustedRootJson() => new JsonObject
    {
        ["mediaType"] = "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
        ["tlogs"] = new JsonArray(new JsonObject
        {
            ["baseUrl"] = "https://rekor.example.com", ["hashAlgorithm"] = "SHA2_256",
            ["publicKey"] = new JsonObject
            {
                ["rawBytes"] = Convert.ToBase64String(LogKey.ExportSubjectPublicKeyInfo()), ["keyDetails"] = "PKIX_ECDSA_P256_SHA_256",
                ["validFor"] = new JsonObject { ["start"] = "2020-01-01T00:00:00Z" },
            },
            ["logId"] = new JsonObject { ["keyId"] = Convert.ToBase64String(LogId) },
        }),
        ["certificateAuthorities"] = new JsonArray(new JsonObject
        {
            ["subject"] = new JsonObject { ["organization"] = "moat.example.com", ["commonName"] = "test-sigstore" },
            ["uri"] = "https://fulcio.example.com",
            ["certChain"] = new JsonObject
            {
                ["certificates"] = new JsonArray(
                    new JsonObject { ["rawBytes"] = Convert.ToBase64String(Intermediate.RawData) },
                    new JsonObject { ["rawBytes"] = Convert.ToBase64String(Root.RawData) }),
            },
            ["validFor"] = new JsonObject { ["start"] = "2020-01-01T00:00:00Z" },
        }),
    }.ToJsonString();

    /// <summary>What to sign and how; every field defaults to a valid attestation for acme/widget's release.yml.</summary>
    public sealed record Options(string Filename, string Sha256)
    {
        public string Repository { get; init; } = "acme/widget";
        public string Workflow { get; init; } = "release.yml";
        public string Issuer { get; init; } = TestSigstore.Issuer;
        public string OwnerId { get; init; } = "4242";
        public string Commit { get; init; } = "0123456789abcdef0123456789abcdef01234567";
        public string PredicateType { get; init; } = PublishPredicate;
        public DateTimeOffset? SignedAt { get; init; }
        /// <summary>Certificate validity relative to the signed time (Fulcio issues for 10 minutes).</summary>
        public TimeSpan ValidFrom { get; init; } = TimeSpan.FromMinutes(-1);
        public TimeSpan ValidFor { get; init; } = TimeSpan.FromMinutes(10);
        /// <summary>Signs these bytes instead of the statement (a signature that does not match the envelope).</summary>
        public byte[]? SignInstead { get; init; }
        /// <summary>Spoils the inclusion proof's first hash.</summary>
        public bool BreakInclusionProof { get; init; }
        /// <summary>Signs the checkpoint with another key.</summary>
        public bool ForgeCheckpoint { get; init; }
        /// <summary>A leaf for another purpose than code signing (server authentication).</summary>
        public bool NotForCodeSigning { get; init; }
    }

    /// <summary>A provenance object as an index serves it (the Integrity API): one bundle naming the GitHub publisher, with the attestations.</summary>
    public static string ProvenanceObject(string repository, params string[] attestations) => new JsonObject
    {
        ["version"] = 1,
        ["attestation_bundles"] = new JsonArray(new JsonObject
        {
            ["publisher"] = new JsonObject { ["kind"] = "GitHub", ["repository"] = repository, ["workflow"] = "release.yml", ["environment"] = null },
            ["attestations"] = new JsonArray([.. attestations.Select(a => JsonNode.Parse(a))]),
        }),
    }.ToJsonString();

    /// <summary>A PEP 740 attestation object for the options, as JSON text.</summary>
    public string Attest(Options o)
    {
        var signedAt = o.SignedAt ?? DateTimeOffset.UtcNow.AddSeconds(-30);
        signedAt = DateTimeOffset.FromUnixTimeSeconds(signedAt.ToUnixTimeSeconds());
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var leaf = Leaf(leafKey, o, signedAt);

        var statement = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
        {
            ["_type"] = "https://in-toto.io/Statement/v1",
            ["subject"] = new[] { new { name = o.Filename, digest = new { sha256 = o.Sha256 } } },
            ["predicateType"] = o.PredicateType,
            ["predicate"] = null,
        });
        var signature = leafKey.SignData(Pae(o.SignInstead ?? statement), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            apiVersion = "0.0.1", kind = "dsse",
            spec = new
            {
                envelopeHash = new { algorithm = "sha256", value = Convert.ToHexStringLower(SHA256.HashData(signature)) },
                payloadHash = new { algorithm = "sha256", value = Convert.ToHexStringLower(SHA256.HashData(statement)) },
                signatures = new[] { new { signature = Convert.ToBase64String(signature), verifier = Convert.ToBase64String(Encoding.ASCII.GetBytes(leaf.ExportCertificatePem())) } },
            },
        });
        const long logIndex = 7_000_001;
        var integratedTime = signedAt.ToUnixTimeSeconds();
        var set = LogKey.SignData(Encoding.UTF8.GetBytes(
            $"{{\"body\":\"{Convert.ToBase64String(body)}\",\"integratedTime\":{integratedTime},\"logID\":\"{Convert.ToHexStringLower(LogId)}\",\"logIndex\":{logIndex}}}"),
            HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

        // A small tree: four other entries around this one, at index 2 of 5.
        var leaves = new List<byte[]> { Encoding.UTF8.GetBytes("a"), Encoding.UTF8.GetBytes("b"), body, Encoding.UTF8.GetBytes("d"), Encoding.UTF8.GetBytes("e") };
        const int index = 2;
        var root = TreeHash(leaves);
        var path = AuditPath(index, leaves);
        if (o.BreakInclusionProof) path[0][0] ^= 0xff;
        var note = $"rekor.example.com - 4242\n{leaves.Count}\n{Convert.ToBase64String(root)}\n";
        using var forger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var noteSignature = (o.ForgeCheckpoint ? forger : LogKey).SignData(Encoding.UTF8.GetBytes(note), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        var checkpoint = $"{note}\n\u2014 rekor.example.com {Convert.ToBase64String([.. LogId.AsSpan(0, 4), .. noteSignature])}\n";

        return new JsonObject
        {
            ["version"] = 1,
            ["verification_material"] = new JsonObject
            {
                ["certificate"] = Convert.ToBase64String(leaf.RawData),
                ["transparency_entries"] = new JsonArray(new JsonObject
                {
                    ["logIndex"] = logIndex.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["logId"] = new JsonObject { ["keyId"] = Convert.ToBase64String(LogId) },
                    ["kindVersion"] = new JsonObject { ["kind"] = "dsse", ["version"] = "0.0.1" },
                    ["integratedTime"] = integratedTime.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["inclusionPromise"] = new JsonObject { ["signedEntryTimestamp"] = Convert.ToBase64String(set) },
                    ["inclusionProof"] = new JsonObject
                    {
                        ["logIndex"] = index.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        ["rootHash"] = Convert.ToBase64String(root),
                        ["treeSize"] = leaves.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        ["hashes"] = new JsonArray([.. path.Select(h => (JsonNode)Convert.ToBase64String(h))]),
                        ["checkpoint"] = new JsonObject { ["envelope"] = checkpoint },
                    },
                    ["canonicalizedBody"] = Convert.ToBase64String(body),
                }),
            },
            ["envelope"] = new JsonObject { ["statement"] = Convert.ToBase64String(statement), ["signature"] = Convert.ToBase64String(signature) },
        }.ToJsonString();
    }

    private X509Certificate2 Leaf(ECDsa key, Options o, DateTimeOffset signedAt)
    {
        var request = new CertificateRequest(new X500DistinguishedName(""), key, HashAlgorithmName.SHA384);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(o.NotForCodeSigning ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.3")], false));
        var identity = $"https://github.com/{o.Repository}/.github/workflows/{o.Workflow}@refs/tags/v1";
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(identity));
        request.CertificateExtensions.Add(san.Build(critical: true));
        void Fulcio(int arc, string value)
        {
            var writer = new AsnWriter(AsnEncodingRules.DER);
            writer.WriteCharacterString(UniversalTagNumber.UTF8String, value);
            request.CertificateExtensions.Add(new X509Extension("1.3.6.1.4.1.57264.1." + arc, writer.Encode(), false));
        }
        Fulcio(8, o.Issuer);
        Fulcio(9, identity);
        Fulcio(11, "github-hosted");
        Fulcio(12, $"https://github.com/{o.Repository}");
        Fulcio(13, o.Commit);
        Fulcio(14, "refs/tags/v1");
        Fulcio(17, o.OwnerId);
        Fulcio(18, identity);
        Fulcio(21, $"https://github.com/{o.Repository}/actions/runs/1/attempts/1");
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        return request.Create(Intermediate, signedAt + o.ValidFrom, signedAt + o.ValidFrom + o.ValidFor, serial);
    }

    private static byte[] Pae(byte[] body)
    {
        const string type = "application/vnd.in-toto+json";
        return [.. Encoding.ASCII.GetBytes($"DSSEv1 {type.Length} {type} {body.Length} "), .. body];
    }

    // RFC 6962 §2.1, written out independently of the code under test.
    private static byte[] LeafHash(byte[] data) => SHA256.HashData([0, .. data]);
    private static byte[] Node(byte[] l, byte[] r) => SHA256.HashData([1, .. l, .. r]);
    private static int Split(int n) { var k = 1; while (k << 1 < n) k <<= 1; return k; }
    private static byte[] TreeHash(List<byte[]> d) => d.Count == 1 ? LeafHash(d[0]) : Node(TreeHash(d[..Split(d.Count)]), TreeHash(d[Split(d.Count)..]));
    private static List<byte[]> AuditPath(int m, List<byte[]> d)
    {
        if (d.Count == 1) return [];
        var k = Split(d.Count);
        return m < k ? [.. AuditPath(m, d[..k]), TreeHash(d[k..])] : [.. AuditPath(m - k, d[k..]), TreeHash(d[..k])];
    }

    public void Dispose()
    {
        Root.Dispose();
        Intermediate.Dispose();
        _rootKey.Dispose();
        _intermediateKey.Dispose();
        LogKey.Dispose();
    }
}
