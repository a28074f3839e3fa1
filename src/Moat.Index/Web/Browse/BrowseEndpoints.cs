using Moat.Analysis;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Moat.Index.Accounts;
using Moat.Index.Proxy;
using Moat.Index.Storage;
using Moat.Packaging;
using Moat.Index.Projects;
using Moat.Index.Upload;

namespace Moat.Index.Web.Browse;

/// <summary>One file as the project page shows it: the record, the gate's verdict and its findings, and who uploaded it.</summary>
public sealed record FileView(FileRecord File, StoredVerdict? Verdict, IReadOnlyList<Finding> Findings, string? Uploader = null);

/// <summary>One release: its version, when it appeared and its files, newest release first.</summary>
public sealed record ReleaseView(string Version, DateTimeOffset Published, IReadOnlyList<FileView> Files)
{
    public bool AllYanked => Files.All(f => f.File.Yanked);
    public string? YankedReason => Files.Select(f => f.File.YankedReason).FirstOrDefault(r => !string.IsNullOrEmpty(r));
}

/// <summary>
/// A project page's data: the releases (all of them, or on a release's page that one), the release described
/// (<see cref="Described"/>: the latest, or the release whose page it is) with its summary, description (safe HTML
/// or plain text) and sidebar.
/// </summary>
public sealed record ProjectView(ProjectRecord Project, IReadOnlyList<ReleaseView> Releases, ReleaseView? Described, string? Summary,
    string? DescriptionHtml, string? DescriptionText, ProjectSidebar Sidebar);

/// <summary>
/// Browse: <c>/projects</c> (search by normalized name, paginated, with the proxied projects Moat has cached listed
/// apart) and <c>/projects/{name}</c>: a hosted project, else a proxied one (<see cref="ProxiedProjects"/>) — a
/// hosted name always wins, as it does for installs.
/// </summary>
public static class BrowseEndpoints
{
    public const int PageSize = 25;

    public static void Map(RouteGroupBuilder web)
    {
        web.MapGet("/projects", async Task<IResult> (HttpContext http, IMetadataStore store, IBlobStore blobs, Repositories repositories, ProxyStore proxyStore, string? q, int? page, CancellationToken ct) =>
        {
            var context = await PageContext.ForAsync(http);
            var query = (q ?? "").Trim();
            if (query.Length > 200) query = query[..200];
            var number = Math.Clamp(page ?? 1, 1, 100_000);
            var normalized = ProjectName.Normalize(query);
            var (projects, total) = await store.SearchProjectsAsync(normalized, (number - 1) * PageSize, PageSize, ct);
            IReadOnlyList<string> proxied = number == 1 ? await ProxiedProjects.SearchAsync(normalized, repositories, proxyStore, store, PageSize, ct) : [];
            var summaries = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var project in projects)
            {
                if (await ProjectSummaries.LatestAsync(store, blobs, project.Name, ct) is { } summary) summaries[project.Name] = summary;
            }
            return WebPages.Render<ProjectsPage>(new { Page = context, Query = query, Projects = projects, Total = total, PageNumber = number, Proxied = proxied, Summaries = summaries });
        });

        web.MapGet("/projects/{name}", async Task<IResult> (string name, HttpContext http, IMetadataStore store, IBlobStore blobs, AccountStore accounts,
            Repositories repositories, LookalikeGuard lookalikes, CancellationToken ct) =>
        {
            var context = await PageContext.ForAsync(http);
            var normalized = NormalizedName.Of(name);
            if (normalized != name) return Results.Redirect("/projects/" + Uri.EscapeDataString(normalized), permanent: true);
            var listing = await store.GetListingAsync(normalized, ct);
            if (listing is not null) return WebPages.Render<ProjectPage>(new { Page = context, View = await ViewAsync(listing, null, context.IsAdmin, store, blobs, accounts, ct) });
            if (ProjectName.IsValid(normalized) && await ProxiedProjects.ViewAsync(normalized, repositories, lookalikes, store, ct) is { } proxied)
                return WebPages.Render<ProxiedProjectPage>(new { Page = context, View = proxied }, proxied.Refusal is null ? StatusCodes.Status200OK : StatusCodes.Status403Forbidden);
            return WebPages.Error(context, StatusCodes.Status404NotFound, "Project not found", repositories.Proxies.Count == 0
                ? $"There is no project named '{name}' on this index."
                : $"There is no project named '{name}' on this index, and Moat has not fetched it from an upstream yet (installing it through Moat does).");
        });

        web.MapGet("/projects/{name}/{version}", async Task<IResult> (string name, string version, HttpContext http, IMetadataStore store, IBlobStore blobs, AccountStore accounts, CancellationToken ct) =>
        {
            var context = await PageContext.ForAsync(http);
            var normalized = NormalizedName.Of(name);
            if (normalized != name) return Results.Redirect($"/projects/{Uri.EscapeDataString(normalized)}/{Uri.EscapeDataString(version)}", permanent: true);
            if (await store.GetListingAsync(normalized, ct) is { } listing
                && await ViewAsync(listing, version, context.IsAdmin, store, blobs, accounts, ct) is { Described: { } release } view)
            {
                if (release.Version != version) return Results.Redirect($"/projects/{normalized}/{Uri.EscapeDataString(release.Version)}", permanent: true);
                return WebPages.Render<ReleasePage>(new { Page = context, View = view });
            }
            return WebPages.Error(context, StatusCodes.Status404NotFound, "Release not found", $"Project '{name}' has no release {version} on this index.");
        });
    }

    /// <summary>
    /// Groups files by release (newest first) with their verdicts, and describes one release from its stored core
    /// metadata: <paramref name="version"/>'s (only that release is listed then; no such release leaves
    /// <see cref="ProjectView.Described"/> null) or the latest. Quarantined files are shown to administrators only
    /// (the simple API hides them too).
    /// </summary>
    private static async Task<ProjectView> ViewAsync(ProjectListing listing, string? version, bool admin, IMetadataStore store, IBlobStore blobs, AccountStore accounts, CancellationToken ct)
    {
        var grouped = HostedReleases.Group(listing.Files.Where(f => admin || f.State == FileState.Available));
        var described = version is null ? HostedReleases.Latest(grouped) : HostedReleases.Find(grouped, version);
        if (version is not null) grouped = described is null ? [] : [described];
        // Files stored before the uploader was recorded name only their token: resolved once per token.
        var resolved = new Dictionary<string, string?>(StringComparer.Ordinal);
        var releases = new List<ReleaseView>();
        foreach (var release in grouped)
        {
            var files = new List<FileView>();
            foreach (var file in release.Files)
            {
                var verdict = await store.GetVerdictAsync(file.Sha256, ct);
                var uploader = file.Uploader;
                if (uploader is null && file.UploadedBy is { } tokenId && !resolved.TryGetValue(tokenId, out uploader))
                    resolved[tokenId] = uploader = await Uploaders.ResolveAsync(accounts, tokenId);
                files.Add(new FileView(file, verdict, StoredFindings.Of(verdict), uploader));
            }
            releases.Add(new ReleaseView(release.Version, release.Published, files));
        }
        var metadataSha = described?.MetadataSha256;
        var metadata = metadataSha is null ? null : await HostedReleases.ReadMetadataAsync(blobs, metadataSha, ct);
        var (html, text) = Descriptions.Render(metadata, metadataSha);
        var sidebar = ProjectSidebar.From(metadata, await ProjectSidebar.CollaboratorsAsync(accounts, listing.Project.Name),
            described?.Files.Select(f => f.RequiresPython).FirstOrDefault(r => r is not null));
        return new ProjectView(listing.Project, releases, releases.FirstOrDefault(r => r.Version == described?.Version), metadata?.Summary, html, text, sidebar);
    }
}
