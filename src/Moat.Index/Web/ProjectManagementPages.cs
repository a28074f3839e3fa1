using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Moat.Index.Accounts;
using Moat.Index.Errors;
using Moat.Index.Projects;
using Moat.Index.Publishing;
using Moat.Index.Storage;
using Moat.Index.Web.Pages.Account;
using Moat.Index.AccountApi;
using Moat.Packaging;

namespace Moat.Index.Web;

/// <summary>
/// An owner manages a project at <c>/account/projects/{project}</c>: collaborators and their roles
/// (<see cref="AccountService.SetRoleAsync"/>, <see cref="AccountService.RemoveRoleAsync"/>: a project keeps an owner),
/// yanking and un-yanking releases (<see cref="OwnerYanks"/>), and the release-approval setting
/// (<see cref="ReleaseApprovals"/>). Owners only; changes want a recent sign-in (the account pages' re-authentication).
/// </summary>
public static class ProjectManagementPages
{
    public static void Map(WebApplication app)
    {
        var web = WebPages.Group(app, "/account/projects");
        // Re-authentication returns to the form's first two path segments: the overview lists the projects to manage.
        web.MapGet("", () => Results.Redirect("/account"));
        web.MapGet("/{project}", (string project, HttpContext http, AccountService accounts, AccountStore store, IMetadataStore metadata, ReleaseApprovals approvals) =>
            AccountPages.SignedInPageAsync(http, (page, s) => RenderAsync(page, s, project, accounts, store, metadata, approvals, null)));

        web.MapPost("/{project}/roles", (string project, HttpContext http, AccountService accounts, AccountStore store, IMetadataStore metadata, ReleaseApprovals approvals) =>
            Form(http, project, accounts, store, metadata, approvals, async (form, s) => await accounts.SetRoleAsync(s, project, form.Field("username"), form.Field("role"), http)));
        web.MapPost("/{project}/roles/{username}/remove", (string project, string username, HttpContext http, AccountService accounts, AccountStore store, IMetadataStore metadata, ReleaseApprovals approvals) =>
            Form(http, project, accounts, store, metadata, approvals, async (_, s) => await accounts.RemoveRoleAsync(s, project, username, http)));
        web.MapPost("/{project}/releases/{version}/yank", (string project, string version, HttpContext http, AccountService accounts, AccountStore store, IMetadataStore metadata, ReleaseApprovals approvals, OwnerYanks yanks) =>
            Form(http, project, accounts, store, metadata, approvals, async (form, s) =>
                await yanks.SetAsync(s, await accounts.RequireOwnerAsync(s, project, "yank its releases"), version, true, form.Field("reason"), http)));
        web.MapPost("/{project}/releases/{version}/unyank", (string project, string version, HttpContext http, AccountService accounts, AccountStore store, IMetadataStore metadata, ReleaseApprovals approvals, OwnerYanks yanks) =>
            Form(http, project, accounts, store, metadata, approvals, async (_, s) =>
                await yanks.SetAsync(s, await accounts.RequireOwnerAsync(s, project, "un-yank its releases"), version, false, null, http)));
        web.MapPost("/{project}/approval", (string project, HttpContext http, AccountService accounts, AccountStore store, IMetadataStore metadata, ReleaseApprovals approvals) =>
            Form(http, project, accounts, store, metadata, approvals, async (form, s) =>
            {
                var name = await accounts.RequireOwnerAsync(s, project, "change its release approval setting");
                var required = form.Field("required") == "on";
                await approvals.SetRequiredAsync(name, required, http, s.User.Id);
                return required ? $"Releases of {name} now need a second maintainer's approval before they are installable." : $"Releases of {name} no longer need approval.";
            }));
    }

    /// <summary>A form post on the page: the action's message travels in the flash cookie (post/redirect/get); a refusal re-renders the page with it.</summary>
    private static Task<IResult> Form(HttpContext http, string project, AccountService accounts, AccountStore store, IMetadataStore metadata, ReleaseApprovals approvals,
        Func<WebForm, SignedIn, Task<string>> action) =>
        AccountPages.SignedInFormAsync(http, AccessLevel.Security,
            async (form, s) =>
            {
                RequireRecent(accounts, s);
                var message = await action(form, s);
                return Flash.Redirect(http, $"/account/projects/{Moat.Packaging.ProjectName.Normalize(project)}", new FlashMessage(message, false));
            },
            (page, s, refusal) => RenderAsync(page, s, project, accounts, store, metadata, approvals, refusal));

    private static void RequireRecent(AccountService accounts, SignedIn s) => accounts.RequireRecentAuthentication(s);

    private static async Task<IResult> RenderAsync(PageContext page, SignedIn s, string project, AccountService accounts, AccountStore store,
        IMetadataStore metadata, ReleaseApprovals approvals, AccountRefusal? refusal)
    {
        string name;
        try
        {
            name = await accounts.RequireOwnerAsync(s, project, "manage it");
        }
        catch (AccountRefusal denied)
        {
            return WebPages.Error(page, denied.Error.Status, "Not an owner", denied.Message);
        }
        var listing = await metadata.GetListingAsync(NormalizedName.Of(name));
        var releases = listing is null ? [] : HostedReleases.Group(listing.Files);
        var collaborators = await Browse.ProjectSidebar.CollaboratorsAsync(store, name);
        return WebPages.Render<ManageProjectPage>(new
        {
            Page = page, Project = name, Releases = releases, Collaborators = collaborators, Me = s.User.Username,
            ApprovalRequired = await approvals.RequiredAsync(name), Error = refusal?.Message,
        }, refusal is null ? StatusCodes.Status200OK : AccountPages.FormStatus(refusal));
    }
}
