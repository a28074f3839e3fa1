using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace Moat.Index.Provenance;

/// <summary>
/// Who a Fulcio certificate was issued to: the OIDC issuer and the CI claims Fulcio copied into its extensions
/// (<c>1.3.6.1.4.1.57264.1.*</c>, see Fulcio's <c>docs/oid-info.md</c>), and the subject alternative name (the
/// workflow identity, e.g. <c>https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1</c>).
/// </summary>
public sealed record FulcioIdentity(
    string? Issuer,
    string? SubjectUri,
    string? BuildSignerUri,
    string? RunnerEnvironment,
    string? SourceRepositoryUri,
    string? SourceRepositoryDigest,
    string? SourceRepositoryRef,
    string? SourceRepositoryOwnerIdentifier,
    string? BuildConfigUri,
    string? RunInvocationUri)
{
    private const string Arc = "1.3.6.1.4.1.57264.1.";
    private const string SubjectAltName = "2.5.29.17";

    /// <summary>
    /// Reads the extensions. The ones from .8 on are DER UTF8Strings; the issuer's first form (.1, deprecated) is the raw
    /// bytes, read only when .8 is absent. A malformed value throws <see cref="AsnContentException"/>.
    /// </summary>
    public static FulcioIdentity Read(X509Certificate2 certificate)
    {
        var values = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var extension in certificate.Extensions)
            if (extension.Oid?.Value is { } oid && (oid.StartsWith(Arc, StringComparison.Ordinal) || oid == SubjectAltName)) values[oid] = extension.RawData;

        string? Utf8(int arc) => values.TryGetValue(Arc + arc, out var raw) ? new AsnReader(raw, AsnEncodingRules.DER).ReadCharacterString(UniversalTagNumber.UTF8String) : null;
        var issuer = Utf8(8) ?? (values.TryGetValue(Arc + "1", out var legacy) ? System.Text.Encoding.UTF8.GetString(legacy) : null);
        return new FulcioIdentity(issuer, values.TryGetValue(SubjectAltName, out var san) ? FirstUri(san) : null,
            Utf8(9), Utf8(11), Utf8(12), Utf8(13), Utf8(14), Utf8(17), Utf8(18), Utf8(21));
    }

    /// <summary>The first uniformResourceIdentifier ([6] IA5String) of a SubjectAltName's GeneralNames.</summary>
    private static string? FirstUri(byte[] der)
    {
        var names = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        var uriTag = new Asn1Tag(TagClass.ContextSpecific, 6);
        while (names.HasData)
        {
            if (names.PeekTag().HasSameClassAndValue(uriTag)) return names.ReadCharacterString(UniversalTagNumber.IA5String, uriTag);
            names.ReadEncodedValue();
        }
        return null;
    }

    /// <summary>owner/repo from <c>https://github.com/owner/repo</c> (or any host), for display and matching.</summary>
    public string? Repository => SourceRepositoryUri is { } uri && Uri.TryCreate(uri, UriKind.Absolute, out var parsed) ? parsed.AbsolutePath.Trim('/') : null;

    /// <summary>The workflow file the build ran (<c>release.yml</c>), from the build signer URI.</summary>
    public string? Workflow
    {
        get
        {
            var signer = BuildSignerUri ?? SubjectUri;
            if (signer is null) return null;
            var at = signer.IndexOf('@');
            var path = at < 0 ? signer : signer[..at];
            var slash = path.LastIndexOf('/');
            return slash < 0 ? path : path[(slash + 1)..];
        }
    }
}
