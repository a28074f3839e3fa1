using System.CommandLine;
using Moat.Index;
using Moat.Index.Admin;
using Moat.Index.Storage;

namespace Moat.Cli.Commands;

/// <summary>
/// <c>moat admin …</c>: operates on an index's data directory directly (works whether or not the server runs; a
/// running server notices within a second). The same operations are in the admin JSON API under <c>/_admin/</c>.
/// </summary>
public static class AdminCommand
{
    public static Command Create()
    {
        var data = new Option<string?>("--data") { Description = "The index's data directory (default: moat.toml's, else ./moat-data).", Recursive = true };
        var config = new Option<string?>("--config", "-c") { Description = "Configuration file (default ./moat.toml when it exists).", Recursive = true };
        var admin = new Command("admin", "Administer a Moat index: tokens, yanks, project status, file deletion, the firewall's quarantine.") { data, config };

        IndexOptions Load(ParseResult parse) => ServeCommand.LoadOptions(parse.GetValue(config), parse.GetValue(data));
        IndexAdmin Open(ParseResult parse)
        {
            var databases = IndexDatabases.Open(Load(parse));
            return new IndexAdmin(SqlMetadataStore.Open(databases.Index), Moat.Index.Accounts.AccountStore.Open(databases.Index));
        }

        // token create / revoke
        var tokenProject = new Option<string?>("--project") { Description = "Scope the token to this project (upload only)." };
        var tokenAdmin = new Option<bool>("--admin") { Description = "An admin token: every project and the admin API." };
        var tokenDescription = new Option<string?>("--description") { Description = "What the token is for." };
        var create = new Command("create", "Create an API token and print it once (it is stored only as a hash).") { tokenProject, tokenAdmin, tokenDescription };
        create.SetAction(async (parse, ct) =>
        {
            var (result, secret, _) = await Open(parse).CreateTokenAsync(parse.GetValue(tokenProject), parse.GetValue(tokenAdmin), parse.GetValue(tokenDescription), ct);
            if (!result.Ok) throw new CliInputException(result.Message);
            parse.InvocationConfiguration.Error.WriteLine(result.Message);
            parse.InvocationConfiguration.Output.WriteLine(secret);
            return ExitCodes.Clean;
        });
        var tokenId = new Argument<string>("id") { Description = "The token id printed when it was created." };
        var revoke = new Command("revoke", "Revoke a token.") { tokenId };
        revoke.SetAction(async (parse, ct) => Print(parse, await Open(parse).RevokeTokenAsync(parse.GetValue(tokenId)!, ct)));
        admin.Subcommands.Add(new Command("token", "API tokens.") { create, revoke });

        // yank / unyank
        var project = new Argument<string>("project");
        var version = new Argument<string>("version");
        var reason = new Option<string?>("--reason") { Description = "Why (shown to installers)." };
        var yank = new Command("yank", "Yank every file of a release (PEP 592): installers skip it unless pinned exactly.") { project, version, reason };
        yank.SetAction(async (parse, ct) => Print(parse, await Open(parse).YankAsync(parse.GetValue(project)!, parse.GetValue(version)!, true, parse.GetValue(reason), ct)));
        admin.Subcommands.Add(yank);
        var unyank = new Command("unyank", "Undo a yank.") { project, version };
        unyank.SetAction(async (parse, ct) => Print(parse, await Open(parse).YankAsync(parse.GetValue(project)!, parse.GetValue(version)!, false, null, ct)));
        admin.Subcommands.Add(unyank);

        // status
        var status = new Argument<string>("status") { Description = "active, archived, quarantined or deprecated (PEP 792)." };
        status.AcceptOnlyFromAmong("active", "archived", "quarantined", "deprecated");
        var statusCommand = new Command("status", "Set a project's status: archived refuses uploads, quarantined hides every file.") { project, status, reason };
        statusCommand.SetAction(async (parse, ct) => Print(parse, await Open(parse).SetStatusAsync(parse.GetValue(project)!, parse.GetValue(status)!, parse.GetValue(reason), ct)));
        admin.Subcommands.Add(statusCommand);

        // delete-file
        var filename = new Argument<string>("filename");
        var delete = new Command("delete-file", "Delete a file; its filename can never be uploaded again.") { filename };
        delete.SetAction(async (parse, ct) => Print(parse, await Open(parse).DeleteFileAsync(parse.GetValue(filename)!, ct)));
        admin.Subcommands.Add(delete);
        AddSecurityCommands(admin, Open);
        admin.Subcommands.Add(ProxyAdminCommand.Create(Load));
        admin.Subcommands.Add(HostedAdminCommand.Create(Load));
        admin.Subcommands.Add(HostedAdminCommand.CreateOverview(Load));
        admin.Subcommands.Add(GcCommand.Create(Load));
        admin.Subcommands.Add(MigrateStorageCommand.Create(Load));
        return admin;
    }

    /// <summary>Prints what an admin operation did, or fails the command with why it could not.</summary>
    internal static int Print(ParseResult parse, AdminResult result)
    {
        if (!result.Ok) throw new CliInputException(result.Message);
        parse.InvocationConfiguration.Output.WriteLine(result.Message);
        return ExitCodes.Clean;
    }

    /// <summary>Kill switches, users, critical projects, roles and the security event history.</summary>
    private static void AddSecurityCommands(Command admin, Func<ParseResult, IndexAdmin> open)
    {
        var switchName = new Argument<string>("name") { Description = string.Join(", ", Moat.Index.Security.SwitchNames.All) };
        switchName.AcceptOnlyFromAmong(Moat.Index.Security.SwitchNames.All);
        var state = new Argument<string>("state") { Description = "on or off" };
        state.AcceptOnlyFromAmong("on", "off");
        var why = new Option<string?>("--reason") { Description = "Shown to clients while the switch is on." };
        var switchCommand = new Command("switch", "Turn a kill switch on or off; every node obeys on its next request.") { switchName, state, why };
        switchCommand.SetAction(async (parse, ct) => Print(parse, await open(parse).SetSwitchAsync(parse.GetValue(switchName)!, parse.GetValue(state) == "on", parse.GetValue(why))));
        admin.Subcommands.Add(switchCommand);

        var username = new Argument<string>("username");
        var disable = new Command("disable-user", "Disable an account and end its sessions (its tokens stop working).") { username };
        disable.SetAction(async (parse, ct) => Print(parse, await open(parse).SetUserDisabledAsync(parse.GetValue(username)!, true)));
        var enable = new Command("enable-user", "Re-enable an account.") { username };
        enable.SetAction(async (parse, ct) => Print(parse, await open(parse).SetUserDisabledAsync(parse.GetValue(username)!, false)));
        admin.Subcommands.Add(disable);
        admin.Subcommands.Add(enable);

        var project = new Argument<string>("project");
        var flag = new Argument<string>("state") { Description = "on or off" };
        flag.AcceptOnlyFromAmong("on", "off");
        var critical = new Command("critical", "Mark a project critical: its owners must use a security key (WebAuthn).") { project, flag };
        critical.SetAction(async (parse, ct) => Print(parse, await open(parse).SetCriticalAsync(parse.GetValue(project)!, parse.GetValue(flag) == "on")));
        admin.Subcommands.Add(critical);

        var role = new Argument<string>("role") { Description = "owner or maintainer" };
        role.AcceptOnlyFromAmong("owner", "maintainer");
        var roleCommand = new Command("role", "Give a user a role on a project.") { project, username, role };
        roleCommand.SetAction(async (parse, ct) => Print(parse, await open(parse).SetRoleAsync(parse.GetValue(project)!, parse.GetValue(username)!, parse.GetValue(role)!)));
        admin.Subcommands.Add(roleCommand);

        var organisation = new Argument<string>("organisation");
        var orgRole = new Argument<string>("role") { Description = "owner or member" };
        orgRole.AcceptOnlyFromAmong("owner", "member");
        var orgMember = new Command("org-member", "Give a user a role in an organisation (an owner creates the organisation when it does not exist).") { organisation, username, orgRole };
        orgMember.SetAction(async (parse, ct) => Print(parse, await open(parse).SetOrganisationMemberAsync(parse.GetValue(organisation)!, parse.GetValue(username)!, parse.GetValue(orgRole)!)));
        admin.Subcommands.Add(orgMember);

        // Release approval (the admin is the second person a single-maintainer project needs).
        var approval = new Command("approval", "Require (on) or stop requiring (off) a second person's approval before a project's releases are installable.") { project, flag };
        approval.SetAction(async (parse, ct) => Print(parse, await open(parse).SetApprovalRequiredAsync(parse.GetValue(project)!, parse.GetValue(flag) == "on")));
        admin.Subcommands.Add(approval);
        var staged = new Command("staged", "List a project's staged releases (awaiting approval) as JSON lines.") { project };
        staged.SetAction(async (parse, ct) =>
        {
            foreach (var (_, shown) in await open(parse).StagedAsync(parse.GetValue(project)!, ct))
                parse.InvocationConfiguration.Output.WriteLine(System.Text.Json.JsonSerializer.Serialize(shown));
            return ExitCodes.Clean;
        });
        admin.Subcommands.Add(staged);
        var version = new Argument<string>("version");
        var approve = new Command("approve", "Approve a staged release: its files become installable.") { project, version };
        approve.SetAction(async (parse, ct) => Print(parse, await open(parse).ApproveAsync(parse.GetValue(project)!, parse.GetValue(version)!, ct)));
        admin.Subcommands.Add(approve);
        var rejectReason = new Option<string>("--reason") { Description = "Why (recorded in the security events).", Required = true };
        var reject = new Command("reject", "Reject a staged release: its files are deleted and their filenames cannot be reused.") { project, version, rejectReason };
        reject.SetAction(async (parse, ct) => Print(parse, await open(parse).RejectAsync(parse.GetValue(project)!, parse.GetValue(version)!, parse.GetValue(rejectReason), ct)));
        admin.Subcommands.Add(reject);

        // Claims on new project names ([policy] new-projects): the administrator decides who may create a project.
        var claimState = new Option<string>("--state") { Description = "pending (default), granted, refused or all.", DefaultValueFactory = _ => "pending" };
        claimState.AcceptOnlyFromAmong("pending", "granted", "refused", "all");
        var listClaims = new Command("list", "List claims on new project names as JSON lines (pending ones by default).") { claimState };
        listClaims.SetAction(async (parse, ct) =>
        {
            var wanted = parse.GetValue(claimState);
            foreach (var claim in await open(parse).ClaimsAsync(wanted == "all" ? null : Moat.Index.Accounts.ClaimStateNames.Parse(wanted)))
                parse.InvocationConfiguration.Output.WriteLine(System.Text.Json.JsonSerializer.Serialize(Moat.Index.Admin.AdminEndpoints.ClaimJson(claim)));
            return ExitCodes.Clean;
        });
        var claimReason = new Option<string?>("--reason") { Description = "Why (recorded in the security events; shown to the user on a refusal)." };
        var grant = new Command("grant", "Grant a new project name to a user: they become its owner and their next upload creates it (also over a public or reserved name: recorded).") { project, username, claimReason };
        grant.SetAction(async (parse, ct) => Print(parse, await open(parse).GrantClaimAsync(parse.GetValue(project)!, parse.GetValue(username)!, parse.GetValue(claimReason), ct)));
        var refuse = new Command("refuse", "Refuse a user's pending claim on a project name (a reason is required).") { project, username, claimReason };
        refuse.SetAction(async (parse, ct) => Print(parse, await open(parse).RefuseClaimAsync(parse.GetValue(project)!, parse.GetValue(username)!, parse.GetValue(claimReason))));
        admin.Subcommands.Add(new Command("claims", "Claims on new project names: who asked to create which project.") { listClaims, grant, refuse });

        var byUser = new Option<string?>("--user") { Description = "Only this user's events." };
        var byProject = new Option<string?>("--project") { Description = "Only this project's events." };
        var limit = new Option<int>("--limit") { Description = "At most this many (newest first).", DefaultValueFactory = _ => 100 };
        var events = new Command("events", "Show the security event history as JSON lines.") { byUser, byProject, limit };
        events.SetAction(async (parse, ct) =>
        {
            foreach (var e in await open(parse).EventsAsync(parse.GetValue(byUser), parse.GetValue(byProject), Math.Clamp(parse.GetValue(limit), 1, 100_000)))
                parse.InvocationConfiguration.Output.WriteLine(System.Text.Json.JsonSerializer.Serialize(Moat.Index.Security.SecurityEvents.Show(e)));
            return ExitCodes.Clean;
        });
        admin.Subcommands.Add(events);
    }
}
