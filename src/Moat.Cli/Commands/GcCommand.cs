using System.CommandLine;
using System.Globalization;
using Moat.Index;
using Moat.Index.Admin;
using Moat.Index.Proxy;
using Moat.Index.Storage;

namespace Moat.Cli.Commands;

/// <summary>
/// <c>moat admin gc</c>: lists the orphan blobs (content no hosted or proxied file refers to) with their sizes, and
/// deletes them with <c>--delete</c>. Safe while the server runs: nothing younger than the grace period is touched.
/// </summary>
public static class GcCommand
{
    public static Command Create(Func<ParseResult, IndexOptions> loadOptions)
    {
        var delete = new Option<bool>("--delete") { Description = "Delete the orphans (without it, only list what would be deleted)." };
        var grace = new Option<int?>("--grace-minutes") { Description = "Keep blobs written within this many minutes (default: the configured blob-grace-minutes, 60)." };
        var command = new Command("gc", "List orphan blobs (crash leftovers, deleted files) and their sizes; --delete removes them.") { delete, grace };
        command.SetAction(async (parse, ct) =>
        {
            var options = loadOptions(parse);
            if (parse.GetValue(grace) is { } minutes && minutes < 0) throw new CliInputException("--grace-minutes must be 0 or more.");
            var graceTime = parse.GetValue(grace) is { } m ? TimeSpan.FromMinutes(m) : options.BlobGrace;
            if (options.Database is null && !File.Exists(options.DatabasePath)) throw new CliInputException($"no index database at {options.DatabasePath}");
            var databases = IndexDatabases.Open(options);
            var sweep = new BlobSweep(SqlMetadataStore.Open(databases.Index), ProxyStore.Open(databases.Proxy),
                OpenBlobs(options), TimeProvider.System);
            var deleting = parse.GetValue(delete);
            var report = await sweep.RunAsync(graceTime, deleting, ct);

            var output = parse.InvocationConfiguration.Output;
            var removed = report.Deleted.ToHashSet();
            foreach (var blob in report.Orphans)
            {
                var verb = !deleting ? "would delete" : removed.Contains(blob) ? "deleted" : "kept (changed meanwhile)";
                output.WriteLine($"{verb}  {(blob.Staging ? "staging/" : "")}{blob.Name}  {blob.Bytes.ToString("N0", CultureInfo.InvariantCulture)} bytes  written {blob.LastWriteUtc.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)}Z");
            }
            var bytes = deleting ? report.DeletedBytes : report.OrphanBytes;
            var count = deleting ? report.Deleted.Count : report.Orphans.Count;
            output.WriteLine($"{count} orphan blob{(count == 1 ? "" : "s")}, {bytes.ToString("N0", CultureInfo.InvariantCulture)} bytes {(deleting ? "deleted" : "to delete (run with --delete)")}; " +
                $"{report.Referenced} referenced, {report.TooYoung} written within the last {graceTime.TotalMinutes.ToString(CultureInfo.InvariantCulture)} minutes kept.");
            return ExitCodes.Clean;
        });
        return command;
    }

    /// <summary>The store <c>[storage]</c> names; one that cannot be reached is exit code 2 with its one-line reason.</summary>
    private static IBlobStore OpenBlobs(IndexOptions options)
    {
        try
        {
            return BlobStores.Open(options);
        }
        catch (IndexConfigurationException ex)
        {
            throw new CliInputException(ex.Message, ex);
        }
    }
}
