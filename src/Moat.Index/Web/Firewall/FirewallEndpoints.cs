using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Moat.Analysis;
using Moat.Index.Admin;
using Moat.Index.Proxy;
using Moat.Index.Security;
using Moat.Index.Storage;
using Moat.Index.Web.Browse;

namespace Moat.Index.Web.Firewall;

/// <summary>
/// The firewall pages (administrators only): <c>/firewall</c> (dashboard, quarantine queue of uploaded and proxied
/// files, typosquats, allowlist), <c>/firewall/files/{sha256}</c> (one proxied file's findings and evidence; release
/// or block with a reason), <c>/firewall/uploads/{filename}</c> (the same for an upload the gate quarantined), and
/// the public rule documentation <c>/rules</c>, <c>/rules/{id}</c>. Actions go through <see cref="ProxyAdmin"/> and
/// <see cref="HostedQuarantine"/> (the same operations as <c>moat admin proxy|hosted</c> and the admin API) and are
/// recorded as security events with the administrator and the reason.
/// </summary>
public static class FirewallEndpoints
{
    public static void Map(RouteGroupBuilder web)
    {
        web.MapGet("/rules", async Task<IResult> (HttpContext http) =>
            WebPages.Render<RulesPage>(new { Page = await PageContext.ForAsync(http) }));
        web.MapGet("/rules/{id}", async Task<IResult> (string id, HttpContext http) =>
        {
            var page = await PageContext.ForAsync(http);
            return RuleCatalog.Find(id.ToUpperInvariant()) is { } rule
                ? WebPages.Render<RulePage>(new { Page = page, Rule = rule })
                : WebPages.Error(page, StatusCodes.Status404NotFound, "Rule not found", $"There is no rule {id}.");
        });

        web.MapGet("/firewall", async Task<IResult> (HttpContext http, ProxyAdmin proxy, HostedQuarantine hosted, IndexOptions options, IMetadataStore store, TimeProvider time, CancellationToken ct) =>
        {
            var page = await PageContext.ForAsync(http);
            if (WebPages.RequireAdmin(page) is { } refusal) return refusal;
            var now = time.GetUtcNow();
            var verdicts = await store.RecentVerdictsAsync(now.AddDays(-90), Dashboard.MaxVerdicts, ct);
            return WebPages.Render<FirewallPage>(new
            {
                Page = page, Queue = QueueItem.Merge(await hosted.ListAsync(ct), await proxy.ListAsync(ct), ProxyAdmin.UpstreamName(options.Layout)),
                Dashboard = Dashboard.From(verdicts, now),
            });
        });

        web.MapGet("/firewall/uploads/{filename}", async Task<IResult> (string filename, HttpContext http, HostedQuarantine hosted, CancellationToken ct) =>
        {
            var page = await PageContext.ForAsync(http);
            if (WebPages.RequireAdmin(page) is { } refusal) return refusal;
            return await hosted.ShowAsync(filename, ct) is { } entry
                ? WebPages.Render<UploadReviewPage>(new { Page = page, Entry = entry, Findings = StoredFindings.Of(entry.Verdict), Error = (string?)null })
                : WebPages.Error(page, StatusCodes.Status404NotFound, "File not found", $"No quarantined or blocked upload {filename}.");
        });
        foreach (var verb in new[] { "release", "block" })
        {
            web.MapPost($"/firewall/uploads/{{filename}}/{verb}", (string filename, HttpContext http, HostedQuarantine hosted, CancellationToken ct) =>
                DecideUploadAsync(filename, verb, http, hosted, ct));
        }

        web.MapGet("/firewall/files/{sha256}", async Task<IResult> (string sha256, HttpContext http, ProxyAdmin proxy, CancellationToken ct) =>
        {
            var page = await PageContext.ForAsync(http);
            if (WebPages.RequireAdmin(page) is { } refusal) return refusal;
            return await proxy.ShowAsync(sha256, ct) is { } entry
                ? WebPages.Render<FirewallFilePage>(new { Page = page, Entry = entry, Findings = StoredFindings.Of(entry.Verdict), Error = (string?)null })
                : WebPages.Error(page, StatusCodes.Status404NotFound, "File not found", $"No proxied file {sha256}.");
        });

        foreach (var verb in new[] { "release", "block" })
        {
            web.MapPost($"/firewall/files/{{sha256}}/{verb}", (string sha256, HttpContext http, ProxyAdmin proxy, SecurityEvents events, CancellationToken ct) =>
                DecideAsync(sha256, verb, http, proxy, events, ct));
        }

        web.MapPost("/firewall/allowlist", async Task<IResult> (HttpContext http, ProxyAdmin proxy, SecurityEvents events) =>
        {
            var (form, refusal) = await WebForm.ReadAsync(http);
            if (refusal is not null) return refusal;
            if (WebPages.RequireAdmin(form!.Page) is { } notAdmin) return notAdmin;
            var project = form.Field("project");
            var reason = form.Field("reason");
            if (project.Length == 0 || reason.Length == 0) return SeeOther(http, "/firewall", new AdminResult(false, "Give the project and a reason to allowlist it."));
            var result = await proxy.AllowAsync(project, reason);
            if (result.Ok) await events.RecordAsync("firewall:allow", http, form.Page.SignedIn!.User.Id, Moat.Packaging.ProjectName.Normalize(project), new { reason });
            return SeeOther(http, "/firewall", result);
        });
    }

    /// <summary>Release or block one proxied file; a reason is required and recorded with the administrator.</summary>
    private static async Task<IResult> DecideAsync(string sha256, string action, HttpContext http, ProxyAdmin proxy, SecurityEvents events, CancellationToken ct)
    {
        var (form, refusal) = await WebForm.ReadAsync(http);
        if (refusal is not null) return refusal;
        if (WebPages.RequireAdmin(form!.Page) is { } notAdmin) return notAdmin;
        var entry = await proxy.ShowAsync(sha256, ct);
        if (entry is null) return WebPages.Error(form.Page, StatusCodes.Status404NotFound, "File not found", $"No proxied file {sha256}.");
        var reason = form.Field("reason");
        if (reason.Length == 0)
            return WebPages.Render<FirewallFilePage>(new { form.Page, Entry = entry, Findings = StoredFindings.Of(entry.Verdict), Error = $"Give a reason to {action} this file." },
                StatusCodes.Status400BadRequest);
        var result = action == "release" ? await proxy.ReleaseAsync(sha256, reason) : await proxy.BlockAsync(sha256, reason);
        await events.RecordAsync($"firewall:{action}", http, form.Page.SignedIn!.User.Id, entry.File.Project, new { file = entry.File.Filename, entry.File.Sha256, reason });
        return SeeOther(http, "/firewall", result);
    }

    /// <summary>Release or block one quarantined upload; <see cref="HostedQuarantine"/> requires the reason and records the event with the administrator.</summary>
    private static async Task<IResult> DecideUploadAsync(string filename, string action, HttpContext http, HostedQuarantine hosted, CancellationToken ct)
    {
        var (form, refusal) = await WebForm.ReadAsync(http);
        if (refusal is not null) return refusal;
        if (WebPages.RequireAdmin(form!.Page) is { } notAdmin) return notAdmin;
        var entry = await hosted.ShowAsync(filename, ct);
        if (entry is null) return WebPages.Error(form.Page, StatusCodes.Status404NotFound, "File not found", $"No quarantined or blocked upload {filename}.");
        var reason = form.Field("reason");
        if (reason.Length == 0)
            return WebPages.Render<UploadReviewPage>(new { form.Page, Entry = entry, Findings = StoredFindings.Of(entry.Verdict), Error = $"Give a reason to {action} this file." },
                StatusCodes.Status400BadRequest);
        var admin = AdminActor.Web(form.Page.SignedIn!.User, http);
        var outcome = action == "release" ? await hosted.ReleaseAsync(filename, reason, admin, ct) : await hosted.BlockAsync(filename, reason, admin, ct);
        return SeeOther(http, "/firewall", AdminResult.Of(outcome));
    }

    /// <summary>Post/redirect/get: the result message is left for the next page in a sealed cookie (<see cref="Flash"/>), never in the URL.</summary>
    internal static IResult SeeOther(HttpContext http, string path, AdminResult result) =>
        Flash.Redirect(http, path, new FlashMessage(result.Message, IsError: !result.Ok));
}
