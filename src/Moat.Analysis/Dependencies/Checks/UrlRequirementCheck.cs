using Moat.Analysis.Dependencies.Manifests;

namespace Moat.Analysis.Dependencies.Checks;

/// <summary>Direct URL and VCS requirements bypass the index and its checks; they must at least be immutable and encrypted.</summary>
public static class UrlRequirementCheck
{
    public static readonly Rule VcsWithoutCommit = new(
        "MOAT-DEP-004", "vcs-without-commit", "A VCS requirement names a branch or tag, not a commit.", Severity.Medium,
        "`git+https://…@main` installs whatever the branch points to at install time, and tags can be moved. Pin the " +
        "full commit hash (`@<40 hex>`), which nobody can change after review.",
        ["https://pip.pypa.io/en/stable/topics/vcs-support/"]);

    public static readonly Rule InsecureUrl = new(
        "MOAT-DEP-005", "insecure-url", "A requirement or index is fetched over plain http.", Severity.High,
        "Anything on the network path can replace a file fetched over http:// — the install runs the attacker's " +
        "setup.py. Use https, or hashes that pip verifies.",
        ["https://pip.pypa.io/en/stable/topics/secure-installs/"]);

    public static IEnumerable<Finding> Check(AuditContext context)
    {
        var dependency = context.Dependency;
        if (dependency.Url is not { } url) yield break;
        if (RequirementText.IsVcs(url) && dependency.VcsCommit is null && RequirementText.CommitOf(url) is null)
        {
            yield return Finding.Of(VcsWithoutCommit, Confidence.High,
                $"{dependency.Name} comes from {Shorten(url)} without a commit hash: pin @<commit>", context.Location, dependency.Written);
        }
        if (IsPlainHttp(url))
        {
            yield return Finding.Of(InsecureUrl, Confidence.High,
                $"{dependency.Name} is downloaded over plain http: use https", context.Location, dependency.Written);
        }
    }

    internal static bool IsPlainHttp(string url)
    {
        var bare = url.Contains('+', StringComparison.Ordinal) && url.IndexOf('+') < url.IndexOf("://", StringComparison.Ordinal) ? url[(url.IndexOf('+') + 1)..] : url;
        return bare.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
               && !(Uri.TryCreate(bare, UriKind.Absolute, out var uri) && uri.IsLoopback);
    }

    private static string Shorten(string url) => url.Length > 80 ? url[..77] + "…" : url;
}
