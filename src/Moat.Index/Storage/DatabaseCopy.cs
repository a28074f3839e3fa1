using System.Data.Common;
using Dapper;

namespace Moat.Index.Storage;

/// <summary>One store's tables as the migration runner knows them: its component name and migrations.</summary>
public sealed record SchemaComponent(string Name, IReadOnlyList<string[]> Migrations, string? LegacyVersionTable = null);

/// <summary>How many rows of each table a copy moved (<see cref="AlreadyThere"/>: an earlier run of the same copy had moved them).</summary>
public sealed record TableCopy(string Table, long Rows, bool AlreadyThere = false);

/// <summary>
/// Copies an index's tables from one database to another — the embedded SQLite files into PostgreSQL, when an index
/// outgrows one machine. Both sides are first brought to the same schema by the stores' own migrations; then every
/// table of the source is copied row by row into the same table of the target, in creation order (parents before the
/// rows that refer to them), in one transaction: the target ends with all of it or none of it. The target's tables
/// must be empty (a second run never doubles an index), or hold exactly as many rows as the source's: then an earlier
/// run did the copy and this one changes nothing, so the whole migration can be run again after an interruption.
/// </summary>
public static class DatabaseCopy
{
    /// <summary>Bookkeeping tables, never copied: each database keeps its own migration record.</summary>
    private static readonly HashSet<string> Skipped = new(StringComparer.OrdinalIgnoreCase) { "schema_migrations", "schema_version", "account_schema_version" };

    /// <summary>The one row the metadata migrations insert (the serial counter): replaced by the source's.</summary>
    private const string CounterTable = "index_state";

    public static IReadOnlyList<TableCopy> Copy(Database source, Database target, IReadOnlyList<SchemaComponent> components)
    {
        if (source.Engine != DatabaseEngine.Sqlite) throw new ArgumentException("the source of a copy is an embedded SQLite database", nameof(source));
        foreach (var component in components)
        {
            source.Migrate(component.Name, component.Migrations, component.LegacyVersionTable);
            target.Migrate(component.Name, component.Migrations, component.LegacyVersionTable);
        }
        using var from = source.Connect();
        // Creation order: a table's parents were created before it.
        var tables = from.Query<string>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid")
            .Where(t => !Skipped.Contains(t)).ToList();
        using var to = target.Connect();
        var counts = tables.Where(t => t != CounterTable)
            .Select(t => (Table: t, Source: from.ExecuteScalar<long>($"SELECT COUNT(*) FROM {t}"), Target: to.ExecuteScalar<long>($"SELECT COUNT(*) FROM {t}"))).ToList();
        if (counts.Any(c => c.Target > 0) && counts.All(c => c.Target == c.Source))
            return [.. counts.Select(c => new TableCopy(c.Table, c.Source, AlreadyThere: true))];
        using var transaction = to.BeginTransaction();
        var copied = new List<TableCopy>();
        foreach (var table in tables)
        {
            var existing = to.ExecuteScalar<long>($"SELECT COUNT(*) FROM {table}", transaction: transaction);
            if (existing > 0 && table != CounterTable)
                throw new IndexConfigurationException($"the target database ({target.Description}) already holds rows in {table}: copy into an empty database");
            if (table == CounterTable) to.Execute($"DELETE FROM {table}", transaction: transaction);
            copied.Add(new TableCopy(table, CopyTable(from, to, transaction, table)));
        }
        transaction.Commit();
        return copied;
    }

    private static long CopyTable(DbConnection from, DbConnection to, DbTransaction transaction, string table)
    {
        using var select = from.CreateCommand();
        select.CommandText = $"SELECT * FROM {table}";
        using var reader = select.ExecuteReader();
        var columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToArray();
        var insert = $"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ({string.Join(", ", columns.Select((_, i) => "@p" + i))})";
        long rows = 0;
        while (reader.Read())
        {
            var values = new DynamicParameters();
            for (var i = 0; i < columns.Length; i++) values.Add("p" + i, reader.IsDBNull(i) ? null : reader.GetValue(i));
            to.Execute(insert, values, transaction);
            rows++;
        }
        return rows;
    }
}
