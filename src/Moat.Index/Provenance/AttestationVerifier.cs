using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Moat.Packaging.Filenames;

namespace Moat.Index.Provenance;

/// <summary>What checking one attestation found.</summary>
public abstract record AttestationCheck;

/// <summary>Every check held: who signed (the certificate's CI identity), what kind of statement, and when (the log's signed time).</summary>
public sealed record AttestationVerified(FulcioIdentity Signer, string PredicateType, DateTimeOffset SignedAt) : AttestationCheck;

/// <summary>A check failed; <see cref="Reason"/> says which, in words an uploader can act on.</summary>
public sealed record AttestationRefused(string Reason) : AttestationCheck;

/// <summary>What a provenance object says about its file: verified and who built it, or why not.</summary>
public sealed record FileProvenance(bool Verified, SignerSummary? Signer, string? Reason);

/// <summary>
/// Verifies a PEP 740 attestation for one distribution file, completely and offline, against a
/// <see cref="SigstoreTrustRoot"/>: the transparency entry (from a known log, matching this envelope, its signed entry
/// timestamp and, when present, its inclusion proof and checkpoint), the certificate (valid at the signed time, chaining
/// to a trusted Fulcio CA that was issuing then, for code signing), the DSSE signature over the pre-authentication
/// encoding of the statement, the statement (in-toto v1, one subject: this file's name and sha256, a known predicate
/// type) and, when given, the Trusted Publisher the certificate must have been issued to. Hostile input is refused
/// with a reason, never thrown.
/// </summary>
public sealed class AttestationVerifier(SigstoreTrustRoot root)
{
    public const string PublishPredicate = "https://docs.pypi.org/attestations/publish/v1";
    public const string SlsaPredicate = "https://slsa.dev/provenance/v1";
    private const string InTotoStatement = "https://in-toto.io/Statement/v1";
    private const string InTotoPayloadType = "application/vnd.in-toto+json";
    private const string CodeSigning = "1.3.6.1.5.5.7.3.3";

    public SigstoreTrustRoot Root => root;

    public AttestationCheck Verify(Attestation attestation, string filename, string sha256, TrustedPublisherIdentity? publisher)
    {
        try
        {
            return VerifyUnchecked(attestation, filename, sha256, publisher);
        }
        catch (Exception ex) when (ex is CryptographicException or AsnContentException or JsonException or FormatException or ArgumentException
                                       or InvalidOperationException or KeyNotFoundException or OverflowException)
        {
            return new AttestationRefused($"the attestation is malformed ({ex.Message.TrimEnd('.')})");
        }
    }

    private AttestationCheck VerifyUnchecked(Attestation attestation, string filename, string sha256, TrustedPublisherIdentity? publisher)
    {
        X509Certificate2 certificate;
        try { certificate = X509CertificateLoader.LoadCertificate(attestation.Certificate); }
        catch (CryptographicException) { return Refuse("the verification material's certificate is not an X.509 certificate"); }
        using var _ = certificate;

        // The statement first: a wrong file is the likeliest mistake, and its reason the most useful.
        if (StatementError(attestation.Statement, filename, sha256, out var predicateType) is { } statementError) return Refuse(statementError);

        if (attestation.Entries.Count != 1) return Refuse($"an attestation must carry exactly one transparency log entry, not {attestation.Entries.Count}");
        var entry = attestation.Entries[0];
        if (root.Log(entry.LogId) is not { } log) return Refuse("the transparency entry is from a log that is not in the trust root");
        if (EntryBodyError(entry, attestation) is { } bodyError) return Refuse(bodyError);
        if (TransparencyEntryCheck.SignedEntryTimestamp(entry, log) is { } setError) return Refuse(setError);
        var signedAt = DateTimeOffset.FromUnixTimeSeconds(entry.IntegratedTime);
        if (!log.UsedAt(signedAt)) return Refuse($"the transparency log's key was not in use at the signed time {signedAt:u}");
        if (entry.Proof is not null && TransparencyEntryCheck.InclusionProof(entry, log) is { } proofError) return Refuse(proofError);

        if (signedAt < certificate.NotBefore.ToUniversalTime() || signedAt > certificate.NotAfter.ToUniversalTime())
            return Refuse($"the certificate was not valid at the signed time {signedAt:u} (valid {certificate.NotBefore.ToUniversalTime():u} to {certificate.NotAfter.ToUniversalTime():u})");
        if (ChainError(certificate, signedAt) is { } chainError) return Refuse(chainError);

        if (SignatureError(certificate, attestation) is { } signatureError) return Refuse(signatureError);

        var signer = FulcioIdentity.Read(certificate);
        if (publisher?.Mismatch(signer) is { } mismatch) return Refuse(mismatch);
        return new AttestationVerified(signer, predicateType!, signedAt);
    }

    private static AttestationRefused Refuse(string reason) => new(reason);

    /// <summary>
    /// Verifies a provenance object (the Integrity API's shape) for its file: every attestation of every bundle
    /// against that bundle's publisher, whose OIDC issuer is the configured one for its kind. Verified when all hold.
    /// </summary>
    public FileProvenance VerifyProvenance(string provenanceJson, string filename, string sha256, string gitHubIssuer, string gitLabIssuer)
    {
        if (ProvenanceObject.TryParse(provenanceJson, out var error) is not { } bundles) return new FileProvenance(false, null, error);
        SignerSummary? signer = null;
        foreach (var bundle in bundles)
        {
            if (TrustedPublisherIdentity.FromJson(bundle.Publisher, gitHubIssuer, gitLabIssuer) is not { } publisher)
                return new FileProvenance(false, null, "the provenance names a publisher of an unknown kind");
            foreach (var node in bundle.Attestations)
            {
                using var document = JsonDocument.Parse(node.ToJsonString());
                if (Attestation.TryParse(document.RootElement, out var parseError) is not { } attestation) return new FileProvenance(false, signer, parseError);
                switch (Verify(attestation, filename, sha256, publisher))
                {
                    case AttestationRefused refused: return new FileProvenance(false, signer, refused.Reason);
                    case AttestationVerified verified: signer ??= SignerSummary.Of(verified.Signer); break;
                }
            }
        }
        return signer is null ? new FileProvenance(false, null, "the provenance holds no attestation") : new FileProvenance(true, signer, null);
    }

    private static string? StatementError(byte[] statementBytes, string filename, string sha256, out string? predicateType)
    {
        predicateType = null;
        JsonDocument document;
        try { document = JsonDocument.Parse(statementBytes, new JsonDocumentOptions { MaxDepth = 64 }); }
        catch (JsonException) { return "the signed statement is not JSON"; }
        using var _ = document;
        var statement = document.RootElement;
        if (statement.ValueKind != JsonValueKind.Object || !statement.TryGetProperty("_type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != InTotoStatement)
            return $"the signed statement is not an in-toto {InTotoStatement}";
        if (!statement.TryGetProperty("subject", out var subjects) || subjects.ValueKind != JsonValueKind.Array || subjects.GetArrayLength() != 1)
            return "the signed statement must have exactly one subject";
        var subject = subjects[0];
        var name = subject.ValueKind == JsonValueKind.Object && subject.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : null;
        if (name is null || !SameFile(name, filename)) return $"the statement's subject is {name ?? "(unnamed)"}, not {filename}";
        var digest = subject.TryGetProperty("digest", out var d) && d.ValueKind == JsonValueKind.Object && d.TryGetProperty("sha256", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        if (digest is null || !string.Equals(digest, sha256, StringComparison.OrdinalIgnoreCase))
            return $"the statement's subject digest is sha256:{digest ?? "(none)"}, not this file's sha256:{sha256}";
        predicateType = statement.TryGetProperty("predicateType", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
        if (predicateType is not (PublishPredicate or SlsaPredicate))
            return $"the statement's predicate type {predicateType ?? "(none)"} is not a known one ({PublishPredicate}, {SlsaPredicate})";
        return null;
    }

    /// <summary>The subject names the file as its producer spelled it; PyPI compares the canonical forms (case, separators, tag order).</summary>
    private static bool SameFile(string subject, string filename) =>
        subject == filename || (CanonicalFilename.Key(subject) is { } a && CanonicalFilename.Key(filename) is { } b && a == b);

    /// <summary>
    /// The log entry must be THIS envelope's: a <c>dsse</c> 0.0.1 entry whose payload hash is the statement's SHA-256
    /// and whose one signature and verifier are this signature and this certificate. (The envelope hash Rekor computed
    /// over its own serialization cannot be recomputed, and the two fields above bind the same content.)
    /// </summary>
    private static string? EntryBodyError(TransparencyEntry entry, Attestation attestation)
    {
        if (entry.Kind != "dsse" || entry.KindVersion != "0.0.1") return $"the transparency entry is a {entry.Kind} {entry.KindVersion} entry, not dsse 0.0.1";
        JsonDocument body;
        try { body = JsonDocument.Parse(entry.CanonicalizedBody); }
        catch (JsonException) { return "the transparency entry's body is not JSON"; }
        using var _ = body;
        var root = body.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("spec", out var spec) || spec.ValueKind != JsonValueKind.Object)
            return "the transparency entry's body has no spec";
        if (root.TryGetProperty("kind", out var kind) && kind.GetString() != "dsse") return "the transparency entry's body is not a dsse entry";
        var payloadHash = spec.TryGetProperty("payloadHash", out var ph) && ph.ValueKind == JsonValueKind.Object && ph.TryGetProperty("value", out var phv) ? phv.GetString() : null;
        if (!string.Equals(payloadHash, Convert.ToHexStringLower(SHA256.HashData(attestation.Statement)), StringComparison.OrdinalIgnoreCase))
            return "the transparency entry was logged for a different statement";
        if (!spec.TryGetProperty("signatures", out var signatures) || signatures.ValueKind != JsonValueKind.Array || signatures.GetArrayLength() != 1)
            return "the transparency entry must record exactly one signature";
        var logged = signatures[0];
        var loggedSignature = Convert.FromBase64String(logged.GetProperty("signature").GetString()!);
        if (!loggedSignature.AsSpan().SequenceEqual(attestation.Signature)) return "the transparency entry was logged for a different signature";
        var verifierPem = Encoding.UTF8.GetString(Convert.FromBase64String(logged.GetProperty("verifier").GetString()!));
        if (!PemEncoding.TryFind(verifierPem, out var fields) || !Convert.FromBase64String(verifierPem[fields.Base64Data]).AsSpan().SequenceEqual(attestation.Certificate))
            return "the transparency entry was logged for a different certificate";
        return null;
    }

    /// <summary>
    /// The leaf must chain, at the signed time, to a root of the trust root through its intermediates only (the
    /// machine's CA store plays no part), for code signing, under a CA that was issuing then. The leaf is checked here
    /// against the CA certificate that signed it (name, signature, validity, end-entity, code-signing usage); the CA
    /// part of the path is the same for every attestation, so it is built once per CA certificate
    /// (<see cref="SigstoreTrustRoot.PathToRoot"/>) and only its validity is checked per attestation. Building a whole
    /// X509Chain per attestation cost about half of the verification.
    /// </summary>
    private string? ChainError(X509Certificate2 leaf, DateTimeOffset signedAt)
    {
        if (leaf.Extensions[BasicConstraints] is X509BasicConstraintsExtension { CertificateAuthority: true })
            return "the signing certificate is a CA certificate, not an end-entity one";
        if (leaf.Extensions[EnhancedKeyUsage] is not X509EnhancedKeyUsageExtension usages || !usages.EnhancedKeyUsages.Cast<Oid>().Any(u => u.Value == CodeSigning))
            return "the signing certificate is not for code signing";
        string? failure = null;
        foreach (var issuer in root.IssuersNamed(leaf.IssuerName))
        {
            if (!SignedBy(leaf, issuer)) { failure ??= "its signature does not verify with the CA that its issuer names"; continue; }
            if (root.PathToRoot(issuer) is not { } path) { failure ??= "its issuing CA does not chain to a trusted root"; continue; }
            if (path.FirstOrDefault(ca => signedAt < ca.NotBefore.ToUniversalTime() || signedAt > ca.NotAfter.ToUniversalTime()) is { } expired)
            {
                failure ??= $"the CA {expired.Subject} was not valid then";
                continue;
            }
            var anchor = path[^1];
            var authority = root.Authorities.FirstOrDefault(a => a.Root.RawDataMemory.Span.SequenceEqual(anchor.RawDataMemory.Span) && a.IssuedAt(signedAt));
            return authority is null ? $"the certificate's authority was not issuing at the signed time {signedAt:u}" : null;
        }
        return $"the certificate does not chain to a trusted Sigstore root at the signed time ({failure ?? "no trusted CA has its issuer's name"})";
    }

    private const string BasicConstraints = "2.5.29.19";
    private const string EnhancedKeyUsage = "2.5.29.37";

    /// <summary>Whether <paramref name="issuer"/>'s key signed <paramref name="certificate"/> (ECDSA with SHA-256/384/512, the algorithms Fulcio uses).</summary>
    private static bool SignedBy(X509Certificate2 certificate, X509Certificate2 issuer)
    {
        using var key = issuer.GetECDsaPublicKey();
        if (key is null) return false;
        var reader = new AsnReader(certificate.RawDataMemory, AsnEncodingRules.DER).ReadSequence();
        var tbs = reader.ReadEncodedValue();
        var algorithm = reader.ReadEncodedValue();
        var signature = reader.ReadBitString(out _);
        // RFC 5280 4.1.1.2: the algorithm outside must be the one inside the signed part.
        var inner = new AsnReader(tbs, AsnEncodingRules.DER).ReadSequence();
        if (inner.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0))) inner.ReadEncodedValue();
        inner.ReadIntegerBytes();
        if (!inner.ReadEncodedValue().Span.SequenceEqual(algorithm.Span)) return false;
        var hash = new AsnReader(algorithm, AsnEncodingRules.DER).ReadSequence().ReadObjectIdentifier() switch
        {
            "1.2.840.10045.4.3.2" => HashAlgorithmName.SHA256,
            "1.2.840.10045.4.3.3" => HashAlgorithmName.SHA384,
            "1.2.840.10045.4.3.4" => HashAlgorithmName.SHA512,
            _ => default,
        };
        return hash != default && key.VerifyData(tbs.Span, signature, hash, DSASignatureFormat.Rfc3279DerSequence);
    }

    /// <summary>DSSE: the signature is over PAE("application/vnd.in-toto+json", statement), with the certificate's ECDSA key.</summary>
    private static string? SignatureError(X509Certificate2 certificate, Attestation attestation)
    {
        using var key = certificate.GetECDsaPublicKey();
        if (key is null) return "the certificate's key is not an ECDSA key";
        var hash = key.KeySize switch { 256 => HashAlgorithmName.SHA256, 384 => HashAlgorithmName.SHA384, _ => default };
        if (hash == default) return $"the certificate's ECDSA key has an unsupported size ({key.KeySize} bits)";
        return key.VerifyData(PreAuthenticationEncoding(InTotoPayloadType, attestation.Statement), attestation.Signature, hash, DSASignatureFormat.Rfc3279DerSequence)
            ? null
            : "the signature does not verify over the statement with the certificate's key";
    }

    /// <summary>DSSE v1 PAE: <c>"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body</c>, lengths in ASCII decimal bytes.</summary>
    public static byte[] PreAuthenticationEncoding(string payloadType, ReadOnlySpan<byte> body)
    {
        var type = Encoding.UTF8.GetBytes(payloadType);
        var header = Encoding.ASCII.GetBytes($"DSSEv1 {type.Length} {payloadType} {body.Length} ");
        var pae = new byte[header.Length + body.Length];
        header.CopyTo(pae, 0);
        body.CopyTo(pae.AsSpan(header.Length));
        return pae;
    }
}
