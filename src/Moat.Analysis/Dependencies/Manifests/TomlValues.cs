using Tomlyn;
using Tomlyn.Model;

namespace Moat.Analysis.Dependencies.Manifests;

/// <summary>Small typed reads over Tomlyn's model, which hands back <c>object</c>.</summary>
internal static class TomlValues
{
    /// <summary>Parses TOML, turning Tomlyn's error into a <see cref="FormatException"/> that names the file.</summary>
    public static TomlTable Parse(string text, string file)
    {
        try
        {
            return TomlSerializer.Deserialize<TomlTable>(text) ?? new TomlTable();
        }
        catch (TomlException ex)
        {
            throw new FormatException($"{file}: invalid TOML: {ex.Message}", ex);
        }
    }

    public static string? String(this TomlTable table, string key) => table.TryGetValue(key, out var value) ? value as string : null;

    public static TomlTable? Table(this TomlTable table, string key) => table.TryGetValue(key, out var value) ? value as TomlTable : null;

    /// <summary>Array-of-tables under <paramref name="key"/>, whether written as <c>[[key]]</c> or as an inline array.</summary>
    public static IEnumerable<TomlTable> Tables(this TomlTable table, string key) =>
        !table.TryGetValue(key, out var value) ? []
        : value switch
        {
            TomlTableArray array => array,
            TomlArray inline => inline.OfType<TomlTable>(),
            _ => [],
        };

    public static IEnumerable<string> Strings(this TomlTable table, string key) =>
        table.TryGetValue(key, out var value) && value is TomlArray array ? array.OfType<string>() : [];
}
