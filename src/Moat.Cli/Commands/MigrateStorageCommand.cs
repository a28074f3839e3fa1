using System.CommandLine;
using System.Globalization;
using Moat.Index;
using Moat.Index.Hosting;
using Moat.Index.Storage;

namespace Moat.Cli.Commands;

/// <summary>
/// <c>moat admin migrate-storage --to-database postgresql://… --to-blobs s3://bucket/prefix</c>: moves an embedded
/// index into a cluster's storage, so several <c>moat serve</c> nodes can share it. The tables (projects, files,
/// verdicts, accounts, tokens, events, quarantine, the proxy's decisions and pages, the data-protection key ring) go
/// into an empty PostgreSQL database; the blobs (hosted files, their metadata, proxied files) into a bucket, each one
/// hashed on the way and committed only when it matches its name. Either part may be run alone, and the whole is safe to
/// run again after an interruption. Stop the server first: a write during the copy would be lost.
/// </summary>
public static class MigrateStorageCommand
{
    public static Command Create(Func<ParseResult, IndexOptions> loadOptions)
    {
        var toDatabase = new Option<string?>("--to-database") { Description = "The PostgreSQL database to fill (postgresql://user@host:port/db): empty, or already filled by an earlier run of this copy." };
        var toBlobs = new Option<string?>("--to-blobs") { Description = "The bucket to copy every stored file into (s3://bucket/prefix; endpoint and credentials from the AWS_* variables)." };
        var pathStyle = new Option<bool>("--s3-path-style") { Description = "Address the bucket path-style (http://host/bucket/key), as [storage] s3-path-style: what MinIO and most self-hosted servers need." };
        var command = new Command("migrate-storage", "Copy an embedded index into PostgreSQL and/or an S3 bucket. Stop the server first.") { toDatabase, toBlobs, pathStyle };
        command.SetAction(async (parse, ct) =>
        {
            var options = loadOptions(parse);
            var url = parse.GetValue(toDatabase);
            var bucket = parse.GetValue(toBlobs);
            if (url is null && bucket is null) throw new CliInputException("migrate-storage needs --to-database, --to-blobs or both");
            var output = parse.InvocationConfiguration.Output;
            try
            {
                if (url is not null) CopyTables(options, url, output);
                if (bucket is not null) return await CopyBlobsAsync(options, bucket, parse.GetValue(pathStyle), output, ct);
            }
            catch (IndexConfigurationException ex)
            {
                throw new CliInputException(ex.Message, ex);
            }
            catch (System.Data.Common.DbException ex)
            {
                throw new CliInputException($"migrate-storage: {ex.Message}", ex);
            }
            return ExitCodes.Clean;
        });
        return command;
    }

    private static void CopyTables(IndexOptions options, string url, TextWriter output)
    {
        if (!Database.IsPostgreSqlUrl(url)) throw new CliInputException("--to-database must be a postgresql:// URL");
        if (options.Database is not null) throw new CliInputException($"this index already uses {options.Database}: migrate-storage copies an embedded (SQLite) index");
        if (!File.Exists(options.DatabasePath)) throw new CliInputException($"no index database at {options.DatabasePath}");
        using var target = Database.PostgreSql(url);
        using var index = Database.Sqlite(options.DatabasePath);
        // Opening the stores completes what an older build left to do (canonical filename keys) before the copy.
        SqlMetadataStore.Open(index);
        var copied = DatabaseCopy.Copy(index, target, StorageSchema.Index).ToList();
        if (File.Exists(options.ProxyDatabasePath))
        {
            using var proxy = Database.Sqlite(options.ProxyDatabasePath);
            copied.AddRange(DatabaseCopy.Copy(proxy, target, StorageSchema.Proxy));
        }
        foreach (var table in copied.Where(t => t.Rows > 0))
            output.WriteLine($"{table.Table,-24} {table.Rows.ToString("N0", CultureInfo.InvariantCulture),10} rows{(table.AlreadyThere ? " (already copied)" : "")}");
        output.WriteLine($"Copied into {target.Description}. Start each node with [storage] database (or MOAT_DATABASE_URL) set to it" +
            (File.Exists(Path.Combine(options.DataDirectory, "key-encryption.key"))
                ? $" and {DataProtectionKeys.KeyVariable} set to the contents of {Path.Combine(options.DataDirectory, "key-encryption.key")} (the key ring is encrypted with it)."
                : "."));
    }

    private static async Task<int> CopyBlobsAsync(IndexOptions options, string bucket, bool pathStyle, TextWriter output, CancellationToken ct)
    {
        var location = S3Location.Parse(bucket, "--to-blobs");
        if (options.Blobs.S3 == location) throw new CliInputException($"the index's blobs are already in {location}");
        var targetOptions = options with { Blobs = options.Blobs with { S3 = location, S3PathStyle = pathStyle || options.Blobs.S3PathStyle, S3PresignedDownloads = false } };
        var source = BlobStores.Open(options);
        var target = BlobStores.Open(targetOptions);
        try
        {
            var result = await BlobCopy.CopyAsync(source, target, ct);
            output.WriteLine($"Blobs: {result.Copied.ToString("N0", CultureInfo.InvariantCulture)} copied ({result.Bytes.ToString("N0", CultureInfo.InvariantCulture)} bytes, each checked against its sha256), " +
                $"{result.AlreadyThere.ToString("N0", CultureInfo.InvariantCulture)} already in {location}.");
            if (result.Damaged.Count > 0)
            {
                // Fail closed: a file whose content is not what its name says is never carried over as if it were.
                foreach (var damaged in result.Damaged) output.WriteLine($"damaged, not copied: {damaged}");
                throw new CliInputException($"{result.Damaged.Count} stored files do not match their sha256 and were not copied (listed above): restore them from a backup, then run migrate-storage again");
            }
            output.WriteLine($"Set [storage] blobs = \"{location}\"{(pathStyle ? " and s3-path-style = true" : "")} on every node.");
            return ExitCodes.Clean;
        }
        finally
        {
            (source as IDisposable)?.Dispose();
            (target as IDisposable)?.Dispose();
        }
    }
}
