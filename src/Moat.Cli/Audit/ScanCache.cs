using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Moat.Analysis;
using Moat.Analysis.Code;
using Moat.Analysis.Reporting;

namespace Moat.Cli.Audit;

/// <summary>
/// Package scan results by the sha256 of the file scanned, on disk, so a second <c>moat audit --scan</c> downloads and
/// scans nothing it has seen. Entries live under a directory named for the engine that made them
/// (<see cref="EngineKey"/>): a Moat with different analysis code never reads an older engine's judgement.
/// Writes are atomic (temporary file, then rename); an unreadable entry is a miss, never an error.
/// </summary>
public sealed class ScanCache(string directory)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>
    /// The Moat version plus the module version ids of the engine's assemblies. Builds are deterministic, so a module
    /// id changes exactly when the compiled analysis code (rules, scanner, archive reader) changes.
    /// </summary>
    public static string EngineKey { get; } = ComputeEngineKey();

    public string Directory { get; } = directory;

    public static string DefaultDirectory => Path.Combine(
        Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
        "moat", "scan");

    public ScanResult? TryGet(string sha256)
    {
        var path = PathOf(sha256);
        try
        {
            if (!File.Exists(path)) return null;
            var entry = JsonSerializer.Deserialize<CacheEntry>(File.ReadAllBytes(path), Json);
            return entry is { Result: { } result } && entry.Sha256 == sha256 && entry.Engine == EngineKey ? result : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>Stores a result; a cache that cannot be written (read-only home, full disk) only costs the next run a rescan.</summary>
    public void Put(string sha256, ScanResult result)
    {
        var path = PathOf(sha256);
        var temporary = $"{path}.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.tmp";
        try
        {
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(new CacheEntry(EngineKey, sha256, result), Json));
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temporary); } catch (Exception inner) when (inner is IOException or UnauthorizedAccessException) { }
        }
    }

    /// <summary>The sha256 is checked to be 64 hex digits before it names a file.</summary>
    private string PathOf(string sha256)
    {
        if (sha256.Length != 64 || !sha256.All(char.IsAsciiHexDigitLower)) throw new ArgumentException("not a lower-case sha256", nameof(sha256));
        return Path.Combine(Directory, EngineKey, sha256[..2], sha256 + ".json");
    }

    private static string ComputeEngineKey()
    {
        var modules = string.Join('\n', new[] { typeof(PackageScanner).Assembly, typeof(Moat.Packaging.ProjectName).Assembly }
            .Select(a => a.ManifestModule.ModuleVersionId.ToString("N")));
        return $"{MoatVersion.Current}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(modules)))[..12]}";
    }

    private sealed record CacheEntry(string Engine, string Sha256, ScanResult Result);
}
