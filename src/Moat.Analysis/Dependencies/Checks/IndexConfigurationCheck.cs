using Moat.Analysis.Dependencies.Manifests;

namespace Moat.Analysis.Dependencies.Checks;

/// <summary>
/// How a manifest tells pip where to look. <c>--extra-index-url</c> does not mean "fall back to": pip merges the
/// candidates of every index and takes the highest version — the mechanism of dependency confusion (a public
/// package with an internal package's name and a higher version wins).
/// </summary>
public static class IndexConfigurationCheck
{
    public static readonly Rule MixedIndexes = new(
        "MOAT-DEP-006", "extra-index-url", "Several indexes are merged, so a public package can shadow a private one.", Severity.High,
        "With `--extra-index-url`, pip (and tools that follow it) collect candidates from every index and install the " +
        "highest version, whichever index it came from. Anyone can publish a higher version of your internal package " +
        "name on the public index. Use one index that proxies the public one and never resolves internal names " +
        "upstream (`moat serve`), or pin with hashes.",
        ["https://pip.pypa.io/en/stable/cli/pip_install/#cmdoption-extra-index-url",
         "https://medium.com/@alex.birsan/dependency-confusion-4a5d60fec610"]);

    public static readonly Rule CredentialsInUrl = new(
        "MOAT-DEP-008", "index-credentials", "An index URL carries a user name and password.", Severity.High,
        "Credentials written into a committed file are readable by everyone with the repository and end up in CI logs. " +
        "Use a keyring, environment variables or netrc, and rotate the exposed credential.",
        ["https://pip.pypa.io/en/stable/topics/authentication/"]);

    public static IEnumerable<Finding> Check(DependencyManifest manifest)
    {
        var extras = manifest.Indexes.Where(i => i.IsExtra).ToList();
        if (extras.Count > 0)
        {
            var all = string.Join(", ", manifest.Indexes.Select(i => Redacted(i.Url)));
            foreach (var extra in extras)
            {
                yield return Finding.Of(MixedIndexes, Confidence.High,
                    $"{Path.GetFileName(extra.File)} merges several indexes ({all}): the highest version of a name wins on any of them",
                    new Location(extra.File, extra.Line), Redacted(extra.Url));
            }
        }
        foreach (var index in manifest.Indexes)
        {
            if (UrlRequirementCheck.IsPlainHttp(index.Url))
            {
                yield return Finding.Of(UrlRequirementCheck.InsecureUrl, Confidence.High,
                    "an index is used over plain http: every package from it can be replaced in transit", new Location(index.File, index.Line), Redacted(index.Url));
            }
            if (Uri.TryCreate(index.Url, UriKind.Absolute, out var uri) && uri.UserInfo.Contains(':', StringComparison.Ordinal)
                && !uri.UserInfo.Contains("${", StringComparison.Ordinal) && !uri.UserInfo.Contains('$'))
            {
                yield return Finding.Of(CredentialsInUrl, Confidence.High,
                    "the index URL contains a password: move it to a keyring or environment variable and rotate it", new Location(index.File, index.Line), Redacted(index.Url));
            }
        }
    }

    /// <summary>Index URLs are shown without their password.</summary>
    internal static string Redacted(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0
            ? url.Replace(uri.UserInfo, uri.UserInfo.Split(':')[0] + ":****", StringComparison.Ordinal)
            : url;
}
