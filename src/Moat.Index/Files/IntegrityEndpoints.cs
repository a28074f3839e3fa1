using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Moat.Index.Storage;
using Moat.Packaging;
using Moat.Packaging.Filenames;

namespace Moat.Index.Files;

/// <summary>
/// PyPI's Integrity API: <c>GET /integrity/&lt;project&gt;/&lt;version&gt;/&lt;filename&gt;/provenance</c> answers the
/// file's PEP 740 provenance object (<c>version</c>, <c>attestation_bundles</c> with <c>publisher</c> and
/// <c>attestations</c>), which the simple pages link as <c>data-provenance</c> and <c>provenance</c> (<see cref="Simple.SimplePages.ProvenanceUrl"/>). Only files a
/// client could download have one here: a staged, quarantined or blocked file answers 404, as on its project's page.
/// A proxied file's is its upstream's provenance, fetched and verified (<see cref="Proxy.ProxyProvenance"/>).
/// </summary>
public static class IntegrityEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/integrity/{project}/{version}/{filename}/provenance",
            async (HttpContext context, string project, string version, string filename, IMetadataStore store, Proxy.Repositories repositories, Proxy.ProxyProvenance proxied) =>
            {
                var ct = context.RequestAborted;
                var name = NormalizedName.Of(project);
                var file = await store.GetFileAsync(filename, ct);
                if (file is null && await store.GetProjectAsync(name, ct) is null && repositories.Proxies.Count > 0 && !repositories.Proxies[0].Options.IsReserved(name))
                {
                    // A proxied file: its upstream provenance, served on once it verified (what does not verify is not passed off as provenance).
                    var upstream = await proxied.CachedAsync(repositories, name, version, filename, ct);
                    return upstream is { Verified: true, Json: { } served } ? Provenance(served) : NotFound(filename, upstream?.Reason);
                }
                if (file is null || file.Project != name || CanonicalFilename.Release(file.Version) != CanonicalFilename.Release(version) || file.State != FileState.Available
                    || (await store.GetProjectAsync(name, ct))?.Status == ProjectStatus.Quarantined)
                    return NotFound(filename);
                return file.Attestations is { } json ? Provenance(json) : NotFound(filename);
            });
    }

    private static IResult Provenance(string json) => Results.Text(json, "application/json", System.Text.Encoding.UTF8);

    private static IResult NotFound(string filename, string? reason = null) =>
        Results.Text($"No provenance available for {filename}{(reason is null ? "" : $": {reason}")}\n", "text/plain", System.Text.Encoding.UTF8, StatusCodes.Status404NotFound);
}
