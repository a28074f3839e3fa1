using System.Collections.Concurrent;
using System.Reflection;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace Moat.Index.Provenance;

/// <summary>A certificate authority standing for Fulcio: its chain (leaf-most first, the root last) and when it issued.</summary>
public sealed record CertificateAuthority(IReadOnlyList<X509Certificate2> Chain, DateTimeOffset Start, DateTimeOffset? End)
{
    public X509Certificate2 Root => Chain[^1];
    public bool IssuedAt(DateTimeOffset time) => time >= Start && (End is null || time <= End);
}

/// <summary>A transparency log (Rekor): its id (SHA-256 of the key's DER SubjectPublicKeyInfo), its ECDSA key, when the key was in use.</summary>
public sealed record TransparencyLogKey(byte[] LogId, ECDsa Key, HashAlgorithmName Hash, DateTimeOffset Start, DateTimeOffset? End)
{
    public bool UsedAt(DateTimeOffset time) => time >= Start && (End is null || time <= End);
}

/// <summary>
/// The roots an attestation is verified against, read from Sigstore's own <c>trusted_root.json</c> format
/// (<c>application/vnd.dev.sigstore.trustedroot+json;version=0.1</c>): the certificate authorities and the transparency
/// logs. The public-good instance is embedded (<see cref="PublicGood"/>, copied from sigstore-python's bundled
/// <c>trusted_root.json</c>, see <see cref="PublicGoodSource"/>); <c>[provenance] trust-root</c> adds or replaces it.
/// Only ECDSA log keys are read: Ed25519 (the 2025 Rekor v2 shards) has no platform implementation in .NET, and such
/// a log is skipped, so an entry from it is refused as coming from an unknown log rather than half-checked.
/// </summary>
public sealed class SigstoreTrustRoot
{
    public const string PublicGoodSource = "sigstore/sigstore-python@ee6c64d35d8e4aef9c07373f54351ccc4b8a5732 sigstore/_store/https%3A%2F%2Ftuf-repo-cdn.sigstore.dev/trusted_root.json";

    public IReadOnlyList<CertificateAuthority> Authorities { get; }
    public IReadOnlyList<TransparencyLogKey> Logs { get; }

    private readonly X509Certificate2Collection _roots = [];
    private readonly X509Certificate2Collection _intermediates = [];
    private readonly ConcurrentDictionary<string, X509Certificate2[]?> _paths = new(StringComparer.Ordinal);

    public SigstoreTrustRoot(IReadOnlyList<CertificateAuthority> authorities, IReadOnlyList<TransparencyLogKey> logs)
    {
        Authorities = authorities;
        Logs = logs;
        foreach (var authority in authorities)
        {
            _roots.Add(authority.Root);
            foreach (var intermediate in authority.Chain.Take(authority.Chain.Count - 1)) _intermediates.Add(intermediate);
        }
    }

    /// <summary>The CA certificates (intermediates and roots) whose subject is <paramref name="name"/>.</summary>
    internal IEnumerable<X509Certificate2> IssuersNamed(X500DistinguishedName name)
    {
        foreach (var ca in _intermediates.Concat(_roots))
            if (ca.SubjectName.RawData.AsSpan().SequenceEqual(name.RawData)) yield return ca;
    }

    /// <summary>
    /// The path from CA certificate <paramref name="ca"/> to a trusted root (<paramref name="ca"/> first, the root last),
    /// or null when there is none: a CA (basic constraints) for code signing, through this root's intermediates only,
    /// signatures checked, times ignored (the caller checks each certificate at the attestation's signed time).
    /// Built once per CA certificate.
    /// </summary>
    internal X509Certificate2[]? PathToRoot(X509Certificate2 ca) => _paths.GetOrAdd(ca.Thumbprint, _ =>
    {
        if (ca.Extensions["2.5.29.19"] is not X509BasicConstraintsExtension { CertificateAuthority: true }) return null;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_roots);
        chain.ChainPolicy.ExtraStore.AddRange(_intermediates);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTimeIgnored = true;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.3"));
        return chain.Build(ca) ? [.. chain.ChainElements.Select(e => e.Certificate)] : null;
    });

    private static readonly Lazy<SigstoreTrustRoot> PublicGoodRoot = new(() =>
    {
        using var stream = typeof(SigstoreTrustRoot).Assembly.GetManifestResourceStream("Moat.Index.Provenance.public-good-trusted_root.json")
            ?? throw new InvalidOperationException("The embedded Sigstore trusted root is missing from the build.");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    });

    /// <summary>Sigstore's public-good instance (Fulcio + Rekor at sigstore.dev), what PyPI's attestations are signed under.</summary>
    public static SigstoreTrustRoot PublicGood => PublicGoodRoot.Value;

    /// <summary>Both roots' authorities and logs.</summary>
    public SigstoreTrustRoot With(SigstoreTrustRoot other) => new([.. Authorities, .. other.Authorities], [.. Logs, .. other.Logs]);

    public TransparencyLogKey? Log(ReadOnlySpan<byte> logId)
    {
        foreach (var log in Logs) if (log.LogId.AsSpan().SequenceEqual(logId)) return log;
        return null;
    }

    /// <summary>Reads a trusted root; a malformed one throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static SigstoreTrustRoot Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var authorities = new List<CertificateAuthority>();
            if (root.TryGetProperty("certificateAuthorities", out var cas))
            {
                foreach (var ca in cas.EnumerateArray())
                {
                    var chain = ca.GetProperty("certChain").GetProperty("certificates").EnumerateArray()
                        .Select(c => X509CertificateLoader.LoadCertificate(Convert.FromBase64String(c.GetProperty("rawBytes").GetString()!))).ToList();
                    if (chain.Count == 0) throw new FormatException("not a Sigstore trusted root: a certificate authority has an empty certChain");
                    var (start, end) = ValidFor(ca);
                    authorities.Add(new CertificateAuthority(chain, start, end));
                }
            }
            var logs = new List<TransparencyLogKey>();
            if (root.TryGetProperty("tlogs", out var tlogs))
            {
                foreach (var tlog in tlogs.EnumerateArray())
                {
                    var key = tlog.GetProperty("publicKey");
                    var details = key.TryGetProperty("keyDetails", out var d) ? d.GetString() : null;
                    if (details is not ("PKIX_ECDSA_P256_SHA_256" or "PKIX_ECDSA_P384_SHA_384")) continue;
                    var der = Convert.FromBase64String(key.GetProperty("rawBytes").GetString()!);
                    var ecdsa = ECDsa.Create();
                    ecdsa.ImportSubjectPublicKeyInfo(der, out _);
                    var logId = Convert.FromBase64String(tlog.GetProperty("logId").GetProperty("keyId").GetString()!);
                    var (start, end) = ValidFor(key);
                    logs.Add(new TransparencyLogKey(logId, ecdsa, details == "PKIX_ECDSA_P384_SHA_384" ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256, start, end));
                }
            }
            if (authorities.Count == 0) throw new FormatException("not a Sigstore trusted root: it names no certificate authority");
            if (logs.Count == 0) throw new FormatException("not a Sigstore trusted root: it names no transparency log with an ECDSA key");
            return new SigstoreTrustRoot(authorities, logs);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or CryptographicException)
        {
            throw new FormatException($"not a Sigstore trusted root: {ex.Message}", ex);
        }
    }

    private static (DateTimeOffset Start, DateTimeOffset? End) ValidFor(JsonElement element)
    {
        if (!element.TryGetProperty("validFor", out var validFor)) return (DateTimeOffset.MinValue, null);
        var start = validFor.TryGetProperty("start", out var s) ? DateTimeOffset.Parse(s.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : DateTimeOffset.MinValue;
        DateTimeOffset? end = validFor.TryGetProperty("end", out var e) ? DateTimeOffset.Parse(e.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : null;
        return (start, end);
    }
}
