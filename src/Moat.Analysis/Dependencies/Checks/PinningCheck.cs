using Moat.Analysis.Dependencies.Manifests;

namespace Moat.Analysis.Dependencies.Checks;

/// <summary>
/// Applications should install exactly what they tested: a requirement that allows a range lets tomorrow's
/// (possibly hijacked) release in without review. Libraries declare ranges on purpose, so a <c>pyproject.toml</c>'s
/// ranges are left alone and only requirement files are held to pins.
/// </summary>
public static class PinningCheck
{
    public static readonly Rule Unpinned = new(
        "MOAT-DEP-001", "unpinned-requirement", "A requirement does not restrict the version at all.", Severity.Low,
        "Any version, including one published minutes ago by someone who took over the project, satisfies the " +
        "requirement. Pin the version you tested (`name==X.Y.Z`), preferably with `--hash`, or use a lock file.",
        ["https://pip.pypa.io/en/stable/topics/repeatable-installs/"]);

    public static readonly Rule RangePinned = new(
        "MOAT-DEP-002", "range-pinned-requirement", "A requirement allows a range of versions.", Severity.Low,
        "A range (`>=2.0`, `~=2.1`, `<3`) lets new releases in without review. For applications and CI, pin exact " +
        "versions in a requirements file or lock file and update them deliberately.",
        ["https://pip.pypa.io/en/stable/topics/repeatable-installs/"]);

    public static IEnumerable<Finding> Check(AuditContext context)
    {
        var dependency = context.Dependency;
        if (context.Manifest.Format != ManifestFormat.Requirements || dependency.Url is not null || dependency.PinnedVersion is not null) yield break;
        if (dependency.Group == "constraints") yield break; // constraints narrow other requirements; they do not install
        if (dependency.Specifier is null)
        {
            yield return Finding.Of(Unpinned, Confidence.High, $"{dependency.Name} is not pinned: pin the tested version, e.g. {dependency.Name}==X.Y.Z", context.Location, dependency.Written);
        }
        else
        {
            yield return Finding.Of(RangePinned, Confidence.High, $"{dependency.Name} allows a range ({dependency.Specifier}): pin one version with ==", context.Location, dependency.Written);
        }
    }
}
