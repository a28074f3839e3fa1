using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Moat.Analysis.Dependencies.Advisories;

/// <summary>
/// An advisory database already parsed, as gzipped JSON: the form moat embeds. Parsing the 2,661 YAML documents of
/// the PyPA database takes seconds of CPU on every <c>moat audit</c>; reading this takes a tenth of that. It is
/// derived from <c>data/pypa-advisory-database.tar.gz</c> (the source of truth) and a test keeps the two equal —
/// see <c>EmbeddedAdvisoriesTests</c> for the command that regenerates it.
/// </summary>
public static class AdvisorySnapshot
{
    /// <summary>Bumped when the shape of <see cref="OsvAdvisory"/> changes, so a stale snapshot fails loudly instead of loading half.</summary>
    public const int FormatVersion = 1;

    public static void Write(OsvDatabase database, Stream output)
    {
        using var gzip = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true);
        JsonSerializer.Serialize(gzip, new Envelope(FormatVersion, Path.GetFileName(database.Source), database.Advisories), SnapshotJson.Default.Envelope);
    }

    /// <summary>Reads a snapshot. Throws <see cref="InvalidDataException"/> when it is not one, or of another format version.</summary>
    public static OsvDatabase Read(Stream input)
    {
        Envelope? envelope;
        try
        {
            using var gzip = new GZipStream(input, CompressionMode.Decompress, leaveOpen: true);
            envelope = JsonSerializer.Deserialize(gzip, SnapshotJson.Default.Envelope);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"not an advisory snapshot: {ex.Message}", ex);
        }
        if (envelope is null || envelope.Format != FormatVersion)
            throw new InvalidDataException($"advisory snapshot format {envelope?.Format} is not {FormatVersion}: regenerate it");
        return OsvDatabase.FromAdvisories(envelope.Advisories, envelope.Source);
    }

    internal sealed record Envelope(int Format, string Source, IReadOnlyList<OsvAdvisory> Advisories);
}

[JsonSourceGenerationOptions(UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AdvisorySnapshot.Envelope))]
internal sealed partial class SnapshotJson : JsonSerializerContext;
