using Tomlyn.Model;

namespace Moat.Index.Provenance;

/// <summary>Whether an upload must carry a verified attestation (<c>[policy] attestations</c>, or per project).</summary>
public enum AttestationRequirement { Optional, Required }

/// <summary>
/// <c>[provenance]</c>: what attestations are verified against. <c>trust-root</c> names a Sigstore
/// <c>trusted_root.json</c> (a private Sigstore, or a newer public-good root) added to the embedded public-good one;
/// <c>public-good = false</c> drops the embedded root, so the file replaces it.
/// </summary>
public sealed record ProvenanceOptions
{
    public static readonly string[] SettingKeys = ["trust-root", "public-good"];

    public string? TrustRootPath { get; init; }
    public bool PublicGood { get; init; } = true;

    /// <summary><c>[policy] attestations</c>: the index-wide default a project's own setting overrides.</summary>
    public AttestationRequirement Attestations { get; init; } = AttestationRequirement.Optional;

    public static ProvenanceOptions Apply(ProvenanceOptions options, TomlTable table, string source) => options with
    {
        TrustRootPath = !table.TryGetValue("trust-root", out var path) ? options.TrustRootPath
            : path is string { Length: > 0 } text ? text : throw new IndexConfigurationException($"{source}: provenance.trust-root must be the path of a Sigstore trusted_root.json"),
        PublicGood = !table.TryGetValue("public-good", out var publicGood) ? options.PublicGood
            : publicGood is bool b ? b : throw new IndexConfigurationException($"{source}: provenance.public-good must be true or false"),
    };

    public static AttestationRequirement ParseRequirement(string value, string source) => value switch
    {
        "optional" => AttestationRequirement.Optional,
        "required" => AttestationRequirement.Required,
        _ => throw new IndexConfigurationException($"{source}: policy.attestations must be \"optional\" or \"required\", not \"{value}\""),
    };

    /// <summary>The roots this configuration trusts; a missing or malformed file stops the server with one line.</summary>
    public SigstoreTrustRoot TrustRoot()
    {
        if (TrustRootPath is null)
            return PublicGood ? SigstoreTrustRoot.PublicGood : throw new IndexConfigurationException("provenance.public-good is false but no provenance.trust-root is given: nothing could be verified");
        SigstoreTrustRoot configured;
        try { configured = SigstoreTrustRoot.Parse(File.ReadAllText(TrustRootPath)); }
        catch (IOException ex) { throw new IndexConfigurationException($"provenance.trust-root {TrustRootPath}: {ex.Message}"); }
        catch (FormatException ex) { throw new IndexConfigurationException($"provenance.trust-root {TrustRootPath}: {ex.Message}"); }
        return PublicGood ? SigstoreTrustRoot.PublicGood.With(configured) : configured;
    }
}
