using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Moat.Index.Accounts;
using Moat.Index.Proxy;
using Moat.Index.Storage;
using Moat.Packaging;
using Moat.Packaging.Metadata;
using Moat.Packaging.Versions;
using Moat.Index.Upload;

namespace Moat.Index.Web.Browse;

/// <summary>One file as the project page shows it: the record, the gate's verdict and its findings, and who uploaded it.</summary>
public sealed record FileView(FileRecord File, StoredVerdict? Verdict, IReadOnlyList<StoredFinding> Findings, string? Uploader = null);

/// <summary>One release: its version and files, newest release first.</summary>
public sealed record ReleaseView(string Version, IReadOnlyList<FileView> Files)
{
    public bool AllYanked => Files.All(f => f.File.Yanked);
}

/// <summary>The project page's data: the releases, the latest summary and the description (safe HTML or plain text).</summary>
public sealed record ProjectView(ProjectRecord Project, IReadOnlyList<ReleaseView> Releases, string? Summary, string? DescriptionHtml, string? DescriptionText);

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
        web.MapGet("/projects", async Task<IResult> (HttpContext http, IMetadataStore store, Repositories repositories, ProxyStore proxyStore, string? q, int? page, CancellationToken ct) =>
        {
            var context = await PageContext.ForAsync(http);
            var query = (q ?? "").Trim();
            if (query.Length > 200) query = query[..200];
            var number = Math.Clamp(page ?? 1, 1, 100_000);
            var normalized = ProjectName.Normalize(query);
            var (projects, total) = await store.SearchProjectsAsync(normalized, (number - 1) * PageSize, PageSize, ct);
            IReadOnlyList<string> proxied = number == 1 ? await ProxiedProjects.SearchAsync(normalized, repositories, proxyStore, store, PageSize, ct) : [];
            return WebPages.Render<ProjectsPage>(new { Page = context, Query = query, Projects = projects, Total = total, PageNumber = number, Proxied = proxied });
        });

        web.MapGet("/projects/{name}", async Task<IResult> (string name, HttpContext http, IMetadataStore store, IBlobStore blobs, AccountStore accounts,
            Repositories repositories, LookalikeGuard lookalikes, CancellationToken ct) =>
        {
            var context = await PageContext.ForAsync(http);
            var normalized = ProjectName.Normalize(name);
            if (normalized != name) return Results.Redirect("/projects/" + Uri.EscapeDataString(normalized), permanent: true);
            var listing = await store.GetListingAsync(normalized, ct);
            if (listing is not null) return WebPages.Render<ProjectPage>(new { Page = context, View = await ViewAsync(listing, context.IsAdmin, store, blobs, accounts, ct) });
            if (ProjectName.IsValid(normalized) && await ProxiedProjects.ViewAsync(normalized, repositories, lookalikes, store, ct) is { } proxied)
                return WebPages.Render<ProxiedProjectPage>(new { Page = context, View = proxied }, proxied.Refusal is null ? StatusCodes.Status200OK : StatusCodes.Status403Forbidden);
            return WebPages.Error(context, StatusCodes.Status404NotFound, "Project not found", repositories.Proxies.Count == 0
                ? $"There is no project named '{name}' on this index."
                : $"There is no project named '{name}' on this index, and Moat has not fetched it from an upstream yet (installing it through Moat does).");
        });
    }

    /// <summary>
    /// Groups files by version (newest first) with their verdicts, and reads the description from the newest
    /// release's core metadata. Quarantined files are shown to administrators only (the simple API hides them too).
    /// </summary>
    private static async Task<ProjectView> ViewAsync(ProjectListing listing, bool admin, IMetadataStore store, IBlobStore blobs, AccountStore accounts, CancellationToken ct)
    {
        var files = new List<FileView>();
        // Files stored before the uploader was recorded name only their token: resolved once per token.
        var resolved = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var file in listing.Files.Where(f => admin || f.State == FileState.Available))
        {
            var verdict = await store.GetVerdictAsync(file.Sha256, ct);
            var uploader = file.Uploader;
            if (uploader is null && file.UploadedBy is { } tokenId && !resolved.TryGetValue(tokenId, out uploader))
                resolved[tokenId] = uploader = await Uploaders.ResolveAsync(accounts, tokenId);
            files.Add(new FileView(file, verdict, StoredFindings.Of(verdict), uploader));
        }
        var releases = files.GroupBy(f => f.File.Version)
            .Select(g => new ReleaseView(g.Key, [.. g.OrderBy(f => f.File.Filename, StringComparer.Ordinal)]))
            .OrderByDescending(r => PackageVersion.TryParse(r.Version, out var v) ? v : null)
            .ThenByDescending(r => r.Version, StringComparer.Ordinal)
            .ToList();
        var newest = releases.FirstOrDefault(r => !r.AllYanked) ?? releases.FirstOrDefault();
        var metadataSha = newest?.Files.Select(f => f.File.MetadataSha256).FirstOrDefault(s => s is not null);
        var metadata = metadataSha is null ? null : await ReadMetadataAsync(blobs, metadataSha, ct);
        string? html = null, text = null;
        if (metadata?.Description is { Length: > 0 } description)
        {
            if (Descriptions.IsMarkdown(metadata.DescriptionContentType)) html = Descriptions.MarkdownToSafeHtml(description, metadataSha);
            else text = description.Length > Descriptions.MaxLength ? description[..Descriptions.MaxLength] : description;
        }
        return new ProjectView(listing.Project, releases, metadata?.Summary, html, text);
    }

    private static async Task<CoreMetadata?> ReadMetadataAsync(IBlobStore blobs, string sha256, CancellationToken ct)
    {
        await using var stream = await blobs.OpenReadAsync(sha256, ct);
        if (stream is null) return null;
        using var memory = new MemoryStream();
        await stream.CopyToAsync(memory, ct);
        return CoreMetadata.Parse(memory.ToArray());
    }
}
