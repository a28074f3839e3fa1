using System.CommandLine;
using System.Text.Json;
using Moat.Index;
using Moat.Index.Admin;
using Moat.Index.Proxy;
using Moat.Index.Storage;

namespace Moat.Cli.Commands;

/// <summary>
/// <c>moat admin proxy …</c>: the firewall's quarantine of proxied files — list, show (with findings), release,
/// block — and the project allowlist. Works on the data directory; the admin API has the same under <c>/_admin/proxy/</c>.
/// </summary>
public static class ProxyAdminCommand
{
    public static Command Create(Func<ParseResult, IndexOptions> load)
    {
        ProxyAdmin Open(ParseResult parse) => OpenAdmin(load(parse));

        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var list = new Command("quarantine", "List proxied files the gate quarantined or an admin blocked.") { json };
        list.SetAction(async (parse, ct) =>
        {
            var entries = await Open(parse).ListAsync(ct);
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json)) output.WriteLine(JsonSerializer.Serialize(entries.Select(ProxyAdmin.Json), HostedAdminCommand.Compact));
            else if (entries.Count == 0) output.WriteLine("The quarantine is empty.");
            else foreach (var e in entries) output.WriteLine($"{e.File.Filename}  {e.File.Sha256}  {e.Verdict?.Verdict ?? e.File.StateName}  {e.File.Reason}");
            return ExitCodes.Clean;
        });

        var file = new Argument<string>("file") { Description = "A proxied filename or its sha256." };
        var show = new Command("show", "Show a proxied file's state, verdict and findings (JSON).") { file };
        show.SetAction(async (parse, ct) =>
        {
            var entry = await Open(parse).ShowAsync(parse.GetValue(file)!, ct) ?? throw new CliInputException($"No proxied file {parse.GetValue(file)}.");
            parse.InvocationConfiguration.Output.WriteLine(JsonSerializer.Serialize(ProxyAdmin.Json(entry), HostedAdminCommand.Indented));
            return ExitCodes.Clean;
        });

        var reason = new Option<string?>("--reason") { Description = "Why (recorded; a block's reason is shown to installers)." };
        var release = new Command("release", "Serve a quarantined file (an admin's word beats the gate).") { file, reason };
        release.SetAction(async (parse, _) => AdminCommand.Print(parse, await Open(parse).ReleaseAsync(parse.GetValue(file)!, parse.GetValue(reason))));
        var block = new Command("block", "Never serve a proxied file, whatever the gate said.") { file, reason };
        block.SetAction(async (parse, _) => AdminCommand.Print(parse, await Open(parse).BlockAsync(parse.GetValue(file)!, parse.GetValue(reason))));

        var project = new Argument<string>("project");
        var remove = new Option<bool>("--remove") { Description = "Take the project off the allowlist." };
        var allow = new Command("allow", "Allowlist a project: its proxied files are served whatever the verdict (still recorded).") { project, reason, remove };
        allow.SetAction(async (parse, _) =>
        {
            var ops = Open(parse);
            return AdminCommand.Print(parse, parse.GetValue(remove) ? await ops.DisallowAsync(parse.GetValue(project)!) : await ops.AllowAsync(parse.GetValue(project)!, parse.GetValue(reason)));
        });
        return new Command("proxy", "The firewall on proxied files: quarantine, show, release, block, allow.") { list, show, release, block, allow };
    }

    internal static ProxyAdmin OpenAdmin(IndexOptions options)
    {
        var databases = IndexDatabases.Open(options);
        return new ProxyAdmin(ProxyStore.Open(databases.Proxy), SqlMetadataStore.Open(databases.Index));
    }
}
