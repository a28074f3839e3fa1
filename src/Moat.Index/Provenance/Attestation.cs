using System.Globalization;
using System.Text.Json;

namespace Moat.Index.Provenance;

/// <summary>An RFC 6962 inclusion proof with the checkpoint (signed note) that commits to its root.</summary>
public sealed record InclusionProof(long LogIndex, long TreeSize, byte[] RootHash, IReadOnlyList<byte[]> Hashes, string Checkpoint);

/// <summary>One Rekor entry as PEP 740 carries it (sigstore's <c>TransparencyLogEntry</c>, protobuf JSON names).</summary>
public sealed record TransparencyEntry(
    byte[] LogId, long LogIndex, long IntegratedTime, string Kind, string KindVersion, byte[] CanonicalizedBody,
    byte[]? SignedEntryTimestamp, InclusionProof? Proof);

/// <summary>
/// A PEP 740 attestation object: <c>version</c> 1, <c>verification_material</c> (the signing certificate, DER in
/// base64, and the transparency log entries) and <c>envelope</c> (the in-toto statement and the DSSE signature over it,
/// both base64). <see cref="Json"/> is the object as received, served back unchanged.
/// </summary>
public sealed record Attestation(byte[] Certificate, IReadOnlyList<TransparencyEntry> Entries, byte[] Statement, byte[] Signature, string Json)
{
    /// <summary>Reads one attestation object; hostile or malformed input gives the reason, never an exception.</summary>
    public static Attestation? TryParse(JsonElement element, out string? error)
    {
        error = null;
        try
        {
            if (element.ValueKind != JsonValueKind.Object) return Fail<Attestation>("an attestation is not a JSON object", out error);
            if (!element.TryGetProperty("version", out var version) || version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out var v) || v != 1)
                return Fail<Attestation>("the attestation's version is not 1", out error);
            var material = element.GetProperty("verification_material");
            var envelope = element.GetProperty("envelope");
            var certificate = Convert.FromBase64String(material.GetProperty("certificate").GetString()!);
            var entries = new List<TransparencyEntry>();
            foreach (var entry in material.GetProperty("transparency_entries").EnumerateArray()) entries.Add(ReadEntry(entry));
            return new Attestation(certificate, entries,
                Convert.FromBase64String(envelope.GetProperty("statement").GetString()!),
                Convert.FromBase64String(envelope.GetProperty("signature").GetString()!),
                element.GetRawText());
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException or OverflowException or ArgumentNullException)
        {
            return Fail<Attestation>($"the attestation is malformed ({ex.Message.TrimEnd('.')})", out error);
        }
    }

    /// <summary>Reads the <c>attestations</c> upload field: a JSON list of attestation objects.</summary>
    public static IReadOnlyList<Attestation>? TryParseList(string json, out string? error)
    {
        error = null;
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16 });
            if (document.RootElement.ValueKind != JsonValueKind.Array) return Fail<IReadOnlyList<Attestation>>("the attestations field is not a JSON list", out error);
            var list = new List<Attestation>();
            foreach (var item in document.RootElement.EnumerateArray())
            {
                if (TryParse(item, out error) is not { } attestation) return null;
                list.Add(attestation);
            }
            return list;
        }
        catch (JsonException ex)
        {
            return Fail<IReadOnlyList<Attestation>>($"the attestations field is not JSON ({ex.Message.TrimEnd('.')})", out error);
        }
    }

    private static TransparencyEntry ReadEntry(JsonElement entry)
    {
        var kindVersion = entry.GetProperty("kindVersion");
        byte[]? set = entry.TryGetProperty("inclusionPromise", out var promise) ? Convert.FromBase64String(promise.GetProperty("signedEntryTimestamp").GetString()!) : null;
        InclusionProof? proof = null;
        if (entry.TryGetProperty("inclusionProof", out var p))
        {
            proof = new InclusionProof(Int64(p.GetProperty("logIndex")), Int64(p.GetProperty("treeSize")),
                Convert.FromBase64String(p.GetProperty("rootHash").GetString()!),
                [.. p.GetProperty("hashes").EnumerateArray().Select(h => Convert.FromBase64String(h.GetString()!))],
                p.GetProperty("checkpoint").GetProperty("envelope").GetString()!);
        }
        return new TransparencyEntry(
            Convert.FromBase64String(entry.GetProperty("logId").GetProperty("keyId").GetString()!), Int64(entry.GetProperty("logIndex")),
            Int64(entry.GetProperty("integratedTime")), kindVersion.GetProperty("kind").GetString()!, kindVersion.GetProperty("version").GetString()!,
            Convert.FromBase64String(entry.GetProperty("canonicalizedBody").GetString()!), set, proof);
    }

    /// <summary>Protobuf JSON writes 64-bit integers as strings; accept a number too.</summary>
    private static long Int64(JsonElement value) => value.ValueKind == JsonValueKind.Number
        ? value.GetInt64()
        : long.Parse(value.GetString()!, NumberStyles.None, CultureInfo.InvariantCulture);

    private static T? Fail<T>(string reason, out string? error) where T : class
    {
        error = reason;
        return null;
    }
}
