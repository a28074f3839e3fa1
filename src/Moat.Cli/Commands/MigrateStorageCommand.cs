using System.CommandLine;
using System.Globalization;
using Moat.Index;
using Moat.Index.Hosting;
using Moat.Index.Storage;

namespace Moat.Cli.Commands;

/// <summary>
/// <c>moat admin migrate-storage --to-database postgresql://…</c>: moves an embedded index (its SQLite files) into
/// PostgreSQL — projects, files, verdicts, accounts, tokens, events, quarantine, the proxy's decisions and pages, the
/// data-protection key ring — so several <c>moat serve</c> nodes can share it. Stop the server first: a write during
/// the copy would be lost. The blobs stay where they are (the data directory's <c>blobs/</c>).
/// </summary>
public static class MigrateStorageCommand
{
    public static Command Create(Func<ParseResult, IndexOptions> loadOptions)
    {
        var to = new Option<string>("--to-database") { Description = "The PostgreSQL database to fill (postgresql://user@host:port/db); it must be empty.", Required = true };
        var command = new Command("migrate-storage", "Copy an embedded (SQLite) index into an empty PostgreSQL database. Stop the server first.") { to };
        command.SetAction((parse, ct) =>
        {
            var options = loadOptions(parse);
            var url = parse.GetValue(to)!;
            if (!Database.IsPostgreSqlUrl(url)) throw new CliInputException("--to-database must be a postgresql:// URL");
            if (options.Database is not null) throw new CliInputException($"this index already uses {options.Database}: migrate-storage copies an embedded (SQLite) index");
            if (!File.Exists(options.DatabasePath)) throw new CliInputException($"no index database at {options.DatabasePath}");
            var output = parse.InvocationConfiguration.Output;
            try
            {
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
                    output.WriteLine($"{table.Table,-24} {table.Rows.ToString("N0", CultureInfo.InvariantCulture),10} rows");
                output.WriteLine($"Copied into {target.Description}. Start each node with [storage] database (or MOAT_DATABASE_URL) set to it" +
                    (File.Exists(Path.Combine(options.DataDirectory, "key-encryption.key"))
                        ? $" and {DataProtectionKeys.KeyVariable} set to the contents of {Path.Combine(options.DataDirectory, "key-encryption.key")} (the key ring is encrypted with it)."
                        : "."));
            }
            catch (IndexConfigurationException ex)
            {
                throw new CliInputException(ex.Message, ex);
            }
            catch (System.Data.Common.DbException ex)
            {
                throw new CliInputException($"migrate-storage: {ex.Message}", ex);
            }
            return Task.FromResult(ExitCodes.Clean);
        });
        return command;
    }
}
