using System.Text.Json;
using System.Text.Json.Nodes;

namespace Moat.Index.Provenance;

/// <summary>One bundle of a provenance object: the publisher that signed, and its attestations (as JSON objects).</summary>
public sealed record AttestationBundle(JsonObject Publisher, IReadOnlyList<JsonObject> Attestations);

/// <summary>
/// PEP 740's provenance object, what the Integrity API serves for a file: <c>{"version": 1, "attestation_bundles":
/// [{"publisher": {...}, "attestations": [...]}]}</c>. Stored with the file as this JSON text.
/// </summary>
public static class ProvenanceObject
{
    public static string Build(TrustedPublisherIdentity publisher, IEnumerable<Attestation> attestations) => new JsonObject
    {
        ["version"] = 1,
        ["attestation_bundles"] = new JsonArray(new JsonObject
        {
            ["publisher"] = publisher.ToJson(),
            ["attestations"] = new JsonArray([.. attestations.Select(a => JsonNode.Parse(a.Json))]),
        }),
    }.ToJsonString();

    /// <summary>The bundles of a provenance object, or null (with the reason) when it is not one.</summary>
    public static IReadOnlyList<AttestationBundle>? TryParse(string json, out string? error)
    {
        error = null;
        try
        {
            if (JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = 32 }) is not JsonObject root
                || root["version"] is not JsonValue version || version.GetValueKind() != JsonValueKind.Number || version.GetValue<int>() != 1
                || root["attestation_bundles"] is not JsonArray bundles)
            {
                error = "not a version 1 provenance object";
                return null;
            }
            var result = new List<AttestationBundle>();
            foreach (var bundle in bundles)
            {
                if (bundle is not JsonObject b || b["publisher"] is not JsonObject publisher || b["attestations"] is not JsonArray attestations || attestations.Any(a => a is not JsonObject))
                {
                    error = "a provenance bundle lacks its publisher or attestations";
                    return null;
                }
                result.Add(new AttestationBundle(publisher, [.. attestations.Cast<JsonObject>()]));
            }
            return result;
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            error = $"the provenance object is not JSON ({ex.Message.TrimEnd('.')})";
            return null;
        }
    }
}
