using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Moat.Index.Errors;
using Moat.Index.Storage;
using Moat.Packaging;

namespace Moat.Index.Files;

/// <summary>
/// <c>GET /files/&lt;sha256&gt;/&lt;filename&gt;</c> and its PEP 658 sibling <c>…/&lt;filename&gt;.metadata</c>. The URL
/// names the content, so responses are immutable: strong ETag (the sha256), a year of caching, and Range support
/// (uv and pip's lazy wheels read the zip directory with ranges). Files the gate quarantined or an admin blocked
/// answer 403 with the reason, as do releases with known vulnerabilities under <c>[policy] vulnerabilities</c>; staged
/// files (awaiting release approval) answer 404.
/// </summary>
public static class FileEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapMethods("/files/{sha256}/{filename}", [HttpMethods.Get, HttpMethods.Head],
            async (HttpContext context, string sha256, string filename, IMetadataStore store, IBlobStore blobs, Proxy.ProxyFiles proxy, Policy.VulnerabilityPolicy vulnerabilities) =>
            {
                var ct = context.RequestAborted;
                var file = await store.GetFileAsync(filename, ct);
                var metadataOf = file is null && filename.EndsWith(".metadata", StringComparison.Ordinal)
                    ? await store.GetFileAsync(filename[..^".metadata".Length], ct) : null;
                var owner = file ?? metadataOf;
                if (owner is null) return await proxy.ServeAsync(context, sha256, filename, store);
                // A staged file (release awaiting approval) does not exist for clients: 404, as if never uploaded.
                if (owner.Sha256 != sha256 || (metadataOf is not null && metadataOf.MetadataSha256 is null) || owner.State == FileState.Staged)
                    return Results.NotFound();

                var project = await store.GetProjectAsync(NormalizedName.Of(owner.Project), ct);
                if (project?.Status == ProjectStatus.Quarantined)
                    return Forbidden($"Project {project.Name} is quarantined{Reason(project.StatusReason)}");
                if (owner.State == FileState.Blocked)
                    return Forbidden($"{owner.Filename} was blocked by an administrator{Reason(owner.StateReason)}");
                if (owner.State != FileState.Available) // quarantined, or a state this build does not know: never served
                    return Forbidden($"{owner.Filename} is quarantined{Reason(owner.StateReason)}");
                if (metadataOf is null && await vulnerabilities.RefusalAsync(owner.Filename) is { } vulnerable)
                    return Forbidden(vulnerable);

                var blob = metadataOf is not null ? metadataOf.MetadataSha256! : owner.Sha256;
                return await BlobDownloads.ServeAsync(context, blobs, blob, filename, owner.UploadTime)
                    ?? BlobDownloads.Missing(context, filename, blob);
            });
    }

    private static string Reason(string? reason) => string.IsNullOrEmpty(reason) ? "." : $": {reason}";

    /// <summary>403 whose reason phrase carries the message: pip prints the phrase, not the body.</summary>
    private static IResult Forbidden(string message) => IndexError.Forbidden.Result(message);
}
