using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Moat.Index.Accounts;
using Moat.Index.Projects;
using Moat.Index.Simple;
using Moat.Index.Storage;
using Moat.Packaging;

namespace Moat.Index.JsonApi;

/// <summary>
/// <c>GET /pypi/&lt;project&gt;/json</c> (the latest release, and every release's files) and
/// <c>GET /pypi/&lt;project&gt;/&lt;version&gt;/json</c> for hosted projects. Visibility is the simple API's
/// (<see cref="SimplePages.VisibleFiles"/>): quarantined, blocked and staged files never appear, and a release
/// whose files are all held does not exist here. A non-normalized name redirects to the normalized one, as on PyPI.
/// No CORS headers: unlike pypi.org this index is often private, and a page on another site must not read it.
/// </summary>
public static class JsonApiEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapMethods("/pypi/{project}/json", [HttpMethods.Get, HttpMethods.Head], (HttpContext http, string project, IMetadataStore store, IBlobStore blobs, SecurityOptions security) =>
            AnswerAsync(http, project, null, store, blobs, security));
        app.MapMethods("/pypi/{project}/{version}/json", [HttpMethods.Get, HttpMethods.Head], (HttpContext http, string project, string version, IMetadataStore store, IBlobStore blobs, SecurityOptions security) =>
            AnswerAsync(http, project, version, store, blobs, security));
    }

    private static async Task<IResult> AnswerAsync(HttpContext http, string project, string? version, IMetadataStore store, IBlobStore blobs, SecurityOptions security)
    {
        var ct = http.RequestAborted;
        if (!ProjectName.IsValid(project)) return NotFound();
        var normalized = NormalizedName.Of(project);
        if (normalized != project)
            return Results.Redirect($"/pypi/{normalized}/{(version is null ? "" : Uri.EscapeDataString(version) + "/")}json", permanent: true);
        if (await store.GetListingAsync(normalized, ct) is not { } listing) return NotFound();
        var releases = HostedReleases.Group(SimplePages.VisibleFiles(listing));
        var release = version is null ? HostedReleases.Latest(releases) : HostedReleases.Find(releases, version);
        if (release is null) return NotFound();
        var metadata = await HostedReleases.ReadMetadataAsync(blobs, release, ct);
        var document = ProjectJson.Build(listing.Project, release, metadata, version is null ? releases : null, security.Origin.TrimEnd('/'));
        http.Response.Headers["X-PyPI-Last-Serial"] = listing.Project.LastSerial.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // Yanks, quarantine and new uploads change the answer: keep, but revalidate (as the simple API).
        http.Response.Headers.CacheControl = "max-age=0, must-revalidate";
        return Results.Json(document, ProjectJson.Options);
    }

    private static IResult NotFound() => Results.Json(new { message = "Not Found" }, statusCode: StatusCodes.Status404NotFound);
}
