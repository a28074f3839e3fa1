using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Moat.Analysis;
using Moat.Analysis.Code;
using Moat.Analysis.Reporting;

namespace Moat.Cli.Audit;

/// <summary>
/// Package scan results by the sha256 of the file scanned, on disk, so a second <c>moat audit --scan</c> downloads and
/// scans nothing it has seen. Entries live under a directory named for the engine that made them
/// (<see cref="EngineKey"/>): a Moat with different analysis code never reads an older engine's judgement.
/// An entry is the report's shape: <c>{"engine", "sha256", "target", "kind", "verdict", "score", "findings"}</c>, each
/// finding written by <see cref="FindingJson"/>. Writes are atomic (temporary file, then rename); an unreadable entry,
/// or one in another shape (an older Moat's), is a miss, never an error.
/// </summary>
public sealed class ScanCache(string directory)
{
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
            return File.Exists(path) ? Read(File.ReadAllBytes(path), sha256) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
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
            File.WriteAllBytes(temporary, Write(sha256, result));
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

    private static byte[] Write(string sha256, ScanResult result)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("engine", EngineKey);
            json.WriteString("sha256", sha256);
            json.WriteString("target", result.Target);
            json.WriteString("kind", ReportNames.Of(result.Kind));
            json.WriteString("verdict", ReportNames.Of(result.Verdict));
            json.WriteNumber("score", result.Score);
            json.WritePropertyName("findings");
            json.WriteStartArray();
            foreach (var finding in result.Findings) FindingJson.Write(json, finding);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>The entry's result, or null when it is for another file or engine, or not in this shape.</summary>
    private static ScanResult? Read(byte[] bytes, string sha256)
    {
        using var document = JsonDocument.Parse(bytes);
        var entry = document.RootElement;
        if (entry.ValueKind != JsonValueKind.Object || Text(entry, "engine") != EngineKey || Text(entry, "sha256") != sha256) return null;
        var kind = Enum.GetValues<TargetKind>().Cast<TargetKind?>().FirstOrDefault(k => ReportNames.Of(k!.Value) == Text(entry, "kind"));
        var verdict = Enum.GetValues<Verdict>().Cast<Verdict?>().FirstOrDefault(v => ReportNames.Of(v!.Value) == Text(entry, "verdict"));
        if (Text(entry, "target") is not { } target || kind is null || verdict is null
            || !entry.TryGetProperty("score", out var score) || score.ValueKind != JsonValueKind.Number
            || !entry.TryGetProperty("findings", out var findingsJson) || FindingJson.Deserialize(findingsJson.GetRawText()) is not { } findings) return null;
        return new ScanResult(target, kind.Value, verdict.Value, score.GetDouble(), findings);
    }

    private static string? Text(JsonElement entry, string name) =>
        entry.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
