using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Moat.Index.Auth;

/// <summary>A parsed token: the server-side id, its caveats in order, and the chained signature.</summary>
public sealed record Macaroon(string Id, IReadOnlyList<string> Caveats, byte[] Signature);

/// <summary>
/// What a request is checked against: the project acted on (null for none) and the time. <paramref name="Reading"/>:
/// a download or page read, which a project caveat does not limit (it scopes what the token may publish; with
/// <c>[security] read = "authenticated"</c> any valid token reads the whole index).
/// </summary>
public sealed record CaveatContext(string? Project, DateTimeOffset Now, bool Reading = false);

/// <summary>
/// API tokens in the spirit of macaroons. A token is <c>moat-</c> + base64url(JSON <c>{"i": id, "c": [caveats],
/// "s": signature}</c>). The server keeps a random 32-byte key per id; the signature is an HMAC-SHA256 chain:
/// <c>s0 = HMAC(key, id)</c>, <c>s(n) = HMAC(s(n-1), caveat n)</c>. Anyone holding a token can append a caveat and
/// re-sign with the old signature as key — narrowing it without asking the server — but nobody can remove one,
/// because that needs an earlier link of the chain. Caveats are typed (<see cref="Caveat"/>): every one must hold,
/// and one this server cannot read fails closed.
/// </summary>
public static class Macaroons
{
    public const string Prefix = "moat-";
    private const int MaxTokenLength = 8192;
    // Caveats are JSON inside JSON: without relaxed escaping every quote becomes \u0022 and tokens triple in length.
    private static readonly JsonSerializerOptions Compact = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Serialize(Macaroon m)
    {
        var json = new JsonObject
        {
            ["i"] = m.Id,
            ["c"] = new JsonArray([.. m.Caveats.Select(c => (JsonNode?)JsonValue.Create(c))]),
            ["s"] = Convert.ToHexStringLower(m.Signature),
        };
        return Prefix + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json.ToJsonString(Compact)));
    }

    /// <summary>Parses a token; null when it is not a macaroon (e.g. a legacy random token) or is malformed.</summary>
    public static Macaroon? Parse(string token)
    {
        if (!token.StartsWith(Prefix, StringComparison.Ordinal) || token.Length > MaxTokenLength) return null;
        var encoded = token.AsSpan(Prefix.Length);
        var bytes = Base64Url.IsValid(encoded) ? Base64Url.DecodeFromChars(encoded) : null;
        if (bytes is null || bytes.Length == 0 || bytes[0] != (byte)'{') return null;
        try
        {
            using var doc = JsonDocument.Parse(bytes);
            var root = doc.RootElement;
            var id = root.GetProperty("i").GetString();
            var sig = Convert.FromHexString(root.GetProperty("s").GetString() ?? "");
            var caveats = root.GetProperty("c").EnumerateArray().Select(c => c.GetString() ?? throw new FormatException()).ToList();
            return id is null || sig.Length != 32 ? null : new Macaroon(id, caveats, sig);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Mints a token for a server-side id and key with initial caveats.</summary>
    public static string Mint(string id, byte[] key, IEnumerable<string> caveats)
    {
        var sig = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(id));
        var list = new List<string>();
        foreach (var caveat in caveats)
        {
            sig = HMACSHA256.HashData(sig, Encoding.UTF8.GetBytes(caveat));
            list.Add(caveat);
        }
        return Serialize(new Macaroon(id, list, sig));
    }

    /// <summary>Adds a caveat to a token with no server call: the client-side half of attenuation.</summary>
    public static string Attenuate(string token, Caveat caveat)
    {
        var m = Parse(token) ?? throw new ArgumentException("Not a Moat macaroon token (legacy tokens cannot be attenuated).");
        if (caveat is UnverifiableCaveat unreadable) throw new ArgumentException(unreadable.Reason);
        var text = caveat.Serialize();
        var sig = HMACSHA256.HashData(m.Signature, Encoding.UTF8.GetBytes(text));
        return Serialize(new Macaroon(m.Id, [.. m.Caveats, text], sig));
    }

    /// <summary>Adds a caveat given in its wire form; one this server could not read is refused here rather than minted.</summary>
    public static string Attenuate(string token, string caveat) => Attenuate(token, Caveat.Parse(caveat));

    public static bool VerifySignature(Macaroon m, byte[] key)
    {
        var sig = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(m.Id));
        foreach (var caveat in m.Caveats) sig = HMACSHA256.HashData(sig, Encoding.UTF8.GetBytes(caveat));
        return CryptographicOperations.FixedTimeEquals(sig, m.Signature);
    }

    public static string ProjectsCaveat(IEnumerable<string> projects) => new Auth.ProjectsCaveat([.. projects]).Serialize();
    public static string ExpiresCaveat(DateTimeOffset at) => ExpiryCaveat.At(at).Serialize();
    public static string NotBeforeCaveat(DateTimeOffset at) => Auth.NotBeforeCaveat.At(at).Serialize();

    /// <summary>Why the caveats refuse this request (null when every one holds); each caveat verifies itself (<see cref="Caveat"/>).</summary>
    public static string? Check(IReadOnlyList<string> caveats, CaveatContext context)
    {
        foreach (var caveat in caveats)
        {
            if (Caveat.Parse(caveat).Verify(context) is { Ok: false } refused) return refused.Failure;
        }
        return null;
    }
}
