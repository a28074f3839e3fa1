using System.Globalization;
using Moat.Packaging;
using Tomlyn;
using Tomlyn.Model;

namespace Moat.Analysis.Names;

/// <summary>One reviewed name: who accepted it, why, and when.</summary>
public sealed record AllowedName(string Name, string By, string Reason, string? Date)
{
    /// <summary>"allowed by alice@example.com on 2026-12-06: reviewed fork" — what reports show instead of a finding.</summary>
    public string Describe() => $"'{Name}' allowed by {By}{(Date is null ? "" : " on " + Date)}: {Reason}";
}

/// <summary>
/// A team's reviewed names (<c>.moat/allow.toml</c>, or a file given with <c>--allow-file</c>): each entry names the
/// project, who accepted it and why, so an exception is never anonymous.
/// <code>
/// [[allow]]
/// name = "httpcore2"
/// by = "alice@example.com"
/// reason = "reviewed: the maintained fork our lock files pin"
/// date = "2026-12-06"        # optional
/// </code>
/// </summary>
public static class AllowFile
{
    /// <summary>Where a project keeps its allow file, relative to the directory moat runs in.</summary>
    public const string DefaultPath = ".moat/allow.toml";

    /// <summary>The entries of an allow file, by normalized name.</summary>
    /// <exception cref="InvalidDataException">Not TOML, or an entry without a valid name, <c>by</c> or <c>reason</c>.</exception>
    public static IReadOnlyDictionary<string, AllowedName> Parse(string text, string source)
    {
        TomlTable document;
        try
        {
            document = TomlSerializer.Deserialize<TomlTable>(text) ?? new TomlTable();
        }
        catch (Exception ex) when (ex is TomlException or InvalidOperationException)
        {
            throw new InvalidDataException($"{source}: not valid TOML: {ex.Message}", ex);
        }
        var entries = new Dictionary<string, AllowedName>(StringComparer.Ordinal);
        if (!document.TryGetValue("allow", out var value)) return entries;
        if (value is not TomlTableArray tables) throw new InvalidDataException($"{source}: 'allow' must be an array of tables ([[allow]])");
        var number = 0;
        foreach (var table in tables)
        {
            number++;
            string Field(string key) => table.TryGetValue(key, out var v) && v is string s && s.Trim().Length > 0 ? s.Trim()
                : throw new InvalidDataException($"{source}: allow entry {number} needs '{key}' (who accepted the name and why are recorded with it)");
            var name = Field("name");
            if (!ProjectName.IsValid(name)) throw new InvalidDataException($"{source}: allow entry {number}: '{name}' is not a valid project name");
            var date = table.TryGetValue("date", out var d) ? d switch
            {
                string s => s,
                TomlDateTime t => t.DateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                _ => throw new InvalidDataException($"{source}: allow entry {number}: 'date' must be a date"),
            } : null;
            entries[ProjectName.Normalize(name)] = new AllowedName(name, Field("by"), Field("reason"), date);
        }
        return entries;
    }

    /// <summary>Reads <paramref name="path"/> (see <see cref="Parse"/>).</summary>
    public static IReadOnlyDictionary<string, AllowedName> Load(string path) => Parse(File.ReadAllText(path), path);
}
