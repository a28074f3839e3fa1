using System.Text.Json;
using System.Text.Json.Serialization;

namespace Moat.Analysis.Dependencies.Advisories;

/// <summary>Where a stored database came from: the URL, its ETag for revalidation, and when it was last fetched or confirmed.</summary>
public sealed record AdvisoryStoreState(string Source, string? ETag, DateTimeOffset CheckedAt, int Advisories);

/// <summary>
/// A refreshed advisory database kept on disk between runs (the CLI's user data directory, the index's data
/// directory): the database as an <see cref="AdvisorySnapshot"/> (fast to load) and a small state file beside it.
/// Both are replaced through a temporary file and a rename, so a reader sees the old pair or the new one. Fetching
/// is the caller's business: this knows files, not HTTP.
/// </summary>
public sealed class AdvisoryStore(string directory)
{
    private const string SnapshotFile = "advisories.json.gz";
    private const string StateFile = "advisories.state.json";

    public string Directory { get; } = directory;

    public string SnapshotPath => Path.Combine(Directory, SnapshotFile);

    public bool Exists => File.Exists(SnapshotPath);

    /// <summary>The stored database, or null when none was stored. Throws <see cref="InvalidDataException"/> when it is damaged.</summary>
    public OsvDatabase? Load()
    {
        if (!Exists) return null;
        using var stream = File.OpenRead(SnapshotPath);
        return AdvisorySnapshot.Read(stream);
    }

    public AdvisoryStoreState? ReadState()
    {
        var path = Path.Combine(Directory, StateFile);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), StoreJson.Default.AdvisoryStoreState);
        }
        catch (JsonException)
        {
            return null; // A damaged state file only costs one full download.
        }
    }

    /// <summary>Stores <paramref name="database"/> and its state (the database first: a state never describes a missing file).</summary>
    public void Save(OsvDatabase database, AdvisoryStoreState state)
    {
        System.IO.Directory.CreateDirectory(Directory);
        Replace(SnapshotFile, stream => AdvisorySnapshot.Write(database, stream));
        SaveState(state);
    }

    /// <summary>Records a revalidation (the server said 304) without touching the database.</summary>
    public void SaveState(AdvisoryStoreState state)
    {
        System.IO.Directory.CreateDirectory(Directory);
        Replace(StateFile, stream => JsonSerializer.Serialize(stream, state, StoreJson.Default.AdvisoryStoreState));
    }

    private void Replace(string name, Action<Stream> write)
    {
        var path = Path.Combine(Directory, name);
        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var file = File.Create(temporary)) write(file);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(AdvisoryStoreState))]
internal sealed partial class StoreJson : JsonSerializerContext;
