using System.CommandLine;
using System.Text.Json;
using Moat.Index;
using Moat.Index.Admin;
using Moat.Index.Storage;

namespace Moat.Cli.Commands;

/// <summary>
/// <c>moat admin hosted …</c>: the firewall's quarantine of UPLOADED files — list, show (with findings), release,
/// block — mirroring <c>moat admin proxy …</c> for proxied ones; and <c>moat admin quarantine</c>, both queues in
/// one list with each file's origin. Works on the data directory; the admin API has the same under
/// <c>/_admin/quarantine</c> and <c>/_admin/files/{filename}/…</c>. Decisions need a reason and are recorded as
/// security events naming the operator (the OS account running the command).
/// </summary>
public static class HostedAdminCommand
{
    /// <summary>Readable JSON: quotes, apostrophes and non-ASCII characters as themselves, not <c>\u0027</c> escapes.</summary>
    internal static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    internal static readonly JsonSerializerOptions Compact = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static HostedQuarantine Open(IndexOptions options)
    {
        var databases = IndexDatabases.Open(options);
        var accounts = Moat.Index.Accounts.AccountStore.Open(databases.Index);
        return new HostedQuarantine(SqlMetadataStore.Open(databases.Index), accounts, new Moat.Index.Security.SecurityEvents(accounts, TimeProvider.System));
    }

    public static Command Create(Func<ParseResult, IndexOptions> load)
    {
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var list = new Command("quarantine", "List uploaded files the gate quarantined or an admin blocked.") { json };
        list.SetAction(async (parse, ct) =>
        {
            var entries = await Open(load(parse)).ListAsync(ct);
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json)) output.WriteLine(JsonSerializer.Serialize(entries.Select(HostedQuarantine.Json), Compact));
            else if (entries.Count == 0) output.WriteLine("No uploaded file is quarantined or blocked.");
            else foreach (var e in entries) output.WriteLine(Line(e));
            return ExitCodes.Clean;
        });

        var file = new Argument<string>("filename") { Description = "The uploaded file's name." };
        var show = new Command("show", "Show a quarantined or blocked upload's state, uploader, verdict and findings (JSON).") { file };
        show.SetAction(async (parse, ct) =>
        {
            var entry = await Open(load(parse)).ShowAsync(parse.GetValue(file)!, ct)
                ?? throw new CliInputException($"No quarantined or blocked upload {parse.GetValue(file)}.");
            parse.InvocationConfiguration.Output.WriteLine(JsonSerializer.Serialize(HostedQuarantine.Json(entry), Indented));
            return ExitCodes.Clean;
        });

        var reason = new Option<string>("--reason") { Description = "Why (required; recorded in the security events; a block's reason is shown to installers).", Required = true };
        var release = new Command("release", "Make a quarantined upload installable (after reviewing its findings).") { file, reason };
        release.SetAction(async (parse, ct) =>
            AdminCommand.Print(parse, AdminResult.Of(await Open(load(parse)).ReleaseAsync(parse.GetValue(file)!, parse.GetValue(reason), AdminActor.CommandLine, ct))));
        var block = new Command("block", "Keep a quarantined upload hidden for good; its filename can never be uploaded again.") { file, reason };
        block.SetAction(async (parse, ct) =>
            AdminCommand.Print(parse, AdminResult.Of(await Open(load(parse)).BlockAsync(parse.GetValue(file)!, parse.GetValue(reason), AdminActor.CommandLine, ct))));
        return new Command("hosted", "The firewall on uploaded files: quarantine, show, release, block.") { list, show, release, block };
    }

    /// <summary><c>moat admin quarantine</c>: what waits for an admin, uploaded and proxied, each with its origin.</summary>
    public static Command CreateOverview(Func<ParseResult, IndexOptions> load)
    {
        var json = new Option<bool>("--json") { Description = "Print JSON: {\"uploaded\": [...], \"proxied\": [...]}." };
        var overview = new Command("quarantine", "List every quarantined or blocked file, uploaded and proxied, with its origin.") { json };
        overview.SetAction(async (parse, ct) =>
        {
            var options = load(parse);
            var hosted = await Open(options).ListAsync(ct);
            var proxied = await ProxyAdminCommand.OpenAdmin(options).ListAsync(ct);
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(new { uploaded = hosted.Select(HostedQuarantine.Json), proxied = proxied.Select(ProxyAdmin.Json) }, Compact));
                return ExitCodes.Clean;
            }
            if (hosted.Count + proxied.Count == 0) output.WriteLine("The quarantine is empty.");
            foreach (var e in hosted) output.WriteLine(Line(e));
            var upstream = ProxyAdmin.UpstreamName(options.Layout);
            foreach (var e in proxied)
                output.WriteLine($"{e.File.Filename}  {e.File.Sha256}  {e.Verdict?.Verdict ?? e.File.StateName}  proxied from {upstream}  {e.File.Reason}");
            return ExitCodes.Clean;
        });
        return overview;
    }

    private static string Line(HostedQuarantineEntry e) =>
        $"{e.File.Filename}  {e.File.Sha256}  {(e.File.State == FileState.Blocked ? "blocked" : e.Verdict?.Verdict ?? FileStateNames.Of(e.File.State))}  uploaded by {e.Uploader}  {e.File.StateReason}";

}
