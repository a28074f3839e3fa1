using Tomlyn;
using Tomlyn.Model;

namespace Moat.Analysis.Secrets;

/// <summary>
/// A repository's own settings for <c>moat secrets</c>, in <c>.moat/secrets.toml</c> at the scanned root:
/// <c>exclude = ["tests/fixtures/*", "*.min.js"]</c> (globs relative to the root) and <c>max-file-size = 20</c> (MiB).
/// Unknown keys and wrong types are errors, so a typo never silently scans less or more.
/// </summary>
public sealed record SecretScanConfig(IReadOnlyList<string> Exclude, int? MaxFileSizeMiB)
{
    public const string RelativePath = ".moat/secrets.toml";

    public static readonly SecretScanConfig Empty = new([], null);

    /// <summary>The configuration under <paramref name="root"/>, or <see cref="Empty"/>; throws <see cref="InvalidDataException"/> when it is malformed.</summary>
    public static SecretScanConfig Load(string root)
    {
        var path = Path.Combine(root, ".moat", "secrets.toml");
        if (!File.Exists(path)) return Empty;
        return Parse(File.ReadAllText(path), path);
    }

    public static SecretScanConfig Parse(string text, string path)
    {
        TomlTable model;
        try
        {
            model = TomlSerializer.Deserialize<TomlTable>(text, new TomlSerializerOptions { DuplicateKeyHandling = TomlDuplicateKeyHandling.Error }) ?? new TomlTable();
        }
        catch (TomlException ex)
        {
            throw new InvalidDataException($"{path}: {ex.Message}", ex);
        }
        var exclude = new List<string>();
        int? maxFileSize = null;
        foreach (var (key, value) in model)
        {
            switch (key)
            {
                case "exclude" when value is TomlArray array && array.All(v => v is string):
                    exclude.AddRange(array.Cast<string>());
                    break;
                case "max-file-size" when value is long size && size > 0 && size <= 1024:
                    maxFileSize = (int)size;
                    break;
                case "exclude" or "max-file-size":
                    throw new InvalidDataException($"{path}: '{key}' must be {(key == "exclude" ? "a list of strings" : "a number of MiB from 1 to 1024")}");
                default:
                    throw new InvalidDataException($"{path}: unknown key '{key}' (known: exclude, max-file-size)");
            }
        }
        return new SecretScanConfig(exclude, maxFileSize);
    }
}
