using Moat.Analysis.Dependencies.Manifests;
using Moat.Packaging;

namespace Moat.Analysis.Dependencies;

/// <summary>One dependency being audited, with the manifest around it (checks need its siblings and its indexes).</summary>
public sealed record AuditContext(Dependency Dependency, DependencyManifest Manifest, AuditOptions Options)
{
    public string NormalizedName { get; } = ProjectName.Normalize(Dependency.Name);

    public Location Location => new(Dependency.File, Dependency.Line);

    public bool IsInternal => Options.Internal.Contains(NormalizedName);

    public bool IsPublicIndex(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && Options.PublicIndexHosts.Contains(uri.Host, StringComparer.OrdinalIgnoreCase);
}

/// <summary>A check over one dependency: returns its findings (none when it has nothing to say).</summary>
public delegate IEnumerable<Finding> DependencyCheck(AuditContext context);
