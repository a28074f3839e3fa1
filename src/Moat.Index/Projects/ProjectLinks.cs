using Moat.Packaging.Metadata;

namespace Moat.Index.Projects;

/// <summary>
/// A release's links as PyPI lists them: <c>Home-page</c> as "Homepage", <c>Download-URL</c> as "Download", then
/// each <c>Project-URL</c> under its own label (a later label repeating an earlier one is dropped, as PyPI keeps one).
/// </summary>
public static class ProjectLinks
{
    public static IReadOnlyList<ProjectUrl> Of(CoreMetadata metadata)
    {
        var links = new List<ProjectUrl>();
        void Add(string label, string? url)
        {
            if (string.IsNullOrWhiteSpace(url) || url.Trim() == "UNKNOWN" || links.Any(l => l.Label == label)) return;
            links.Add(new ProjectUrl(label, url.Trim()));
        }
        Add("Homepage", metadata.HomePage);
        Add("Download", metadata.DownloadUrl);
        foreach (var link in metadata.ProjectUrls) Add(link.Label, link.Url);
        return links;
    }

    /// <summary>Whether <paramref name="url"/> may be a link on a page: http and https only (never javascript: or data:).</summary>
    public static bool IsWebLink(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);
}
