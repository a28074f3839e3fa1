using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Moat.Index.Auth;

namespace Moat.Index.Publishing;

/// <summary>A CI identity token that verified: its issuer and its claims (strings; numbers as text).</summary>
public sealed record VerifiedIdentity(string Issuer, IReadOnlyDictionary<string, string> Claims, DateTimeOffset Expires)
{
    public string? this[string claim] => Claims.TryGetValue(claim, out var v) ? v : null;
}

/// <summary>An identity token refused, with the reason (returned to the CI job so its log explains the failure).</summary>
public sealed class OidcException(string message) : Exception(message);

/// <summary>
/// Verifies OIDC identity tokens from CI providers: compact JWS, RS256 only (no <c>none</c>, no HMAC confusion), the
/// signing key found by <c>kid</c> in the issuer's JWKS (found through <c>/.well-known/openid-configuration</c>,
/// cached for ten minutes and re-fetched at most once a minute when an unknown <c>kid</c> appears — key rotation),
/// then <c>iss</c> exact, <c>aud</c>, <c>exp</c>, <c>iat</c>, <c>nbf</c> with a one-minute leeway. The one-time
/// <c>jti</c> is the caller's (it needs the store).
/// </summary>
public sealed class OidcVerifier(HttpClient http, TimeProvider time)
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan RefetchAfter = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Leeway = TimeSpan.FromSeconds(60);
    private const int MaxTokenLength = 16 * 1024;

    private sealed record KeySet(Dictionary<string, RSAParameters> Keys, DateTimeOffset FetchedAt);
    private readonly ConcurrentDictionary<string, KeySet> _keys = new(StringComparer.Ordinal);

    public async Task<VerifiedIdentity> VerifyAsync(string jwt, IReadOnlyCollection<string> trustedIssuers, string audience, CancellationToken ct)
    {
        if (jwt.Length > MaxTokenLength) throw new OidcException("The identity token is too large.");
        var parts = jwt.Split('.');
        if (parts.Length != 3) throw new OidcException("The identity token is not a compact JWS.");
        var header = Json(parts[0], "header");
        var payload = Json(parts[1], "payload");
        if (Str(header, "alg") != "RS256") throw new OidcException("Only RS256 identity tokens are accepted.");
        var kid = Str(header, "kid") ?? throw new OidcException("The identity token has no key id (kid).");
        var issuer = Str(payload, "iss") ?? throw new OidcException("The identity token has no issuer.");
        if (!trustedIssuers.Contains(issuer)) throw new OidcException($"The issuer {issuer} is not trusted by this index.");

        var key = await KeyAsync(issuer, kid, ct) ?? throw new OidcException($"The issuer publishes no key {kid}.");
        using (var rsa = RSA.Create(key))
        {
            var signature = FromBase64Url(parts[2]) ?? throw new OidcException("The signature is not base64url.");
            if (!rsa.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
                throw new OidcException("The identity token's signature does not verify.");
        }

        var now = time.GetUtcNow();
        var audiences = payload.TryGetProperty("aud", out var aud)
            ? aud.ValueKind == JsonValueKind.Array ? [.. aud.EnumerateArray().Select(a => a.GetString())] : new List<string?> { aud.GetString() }
            : [];
        if (!audiences.Contains(audience)) throw new OidcException($"The identity token is not for audience {audience}.");
        var exp = Seconds(payload, "exp") ?? throw new OidcException("The identity token has no expiry (exp).");
        if (now - Leeway >= exp) throw new OidcException("The identity token has expired.");
        var iat = Seconds(payload, "iat") ?? throw new OidcException("The identity token has no issue time (iat).");
        if (iat > now + Leeway) throw new OidcException("The identity token was issued in the future.");
        if (Seconds(payload, "nbf") is { } nbf && nbf > now + Leeway) throw new OidcException("The identity token is not valid yet (nbf).");

        var claims = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in payload.EnumerateObject())
        {
            if (p.Value.ValueKind is JsonValueKind.String) claims[p.Name] = p.Value.GetString()!;
            else if (p.Value.ValueKind is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False) claims[p.Name] = p.Value.GetRawText();
        }
        return new VerifiedIdentity(issuer, claims, exp);
    }

    private async Task<RSAParameters?> KeyAsync(string issuer, string kid, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (_keys.TryGetValue(issuer, out var set))
        {
            if (set.Keys.TryGetValue(kid, out var key) && now - set.FetchedAt < CacheFor) return key;
            if (now - set.FetchedAt < RefetchAfter) return set.Keys.TryGetValue(kid, out key) ? key : null;
        }
        set = await FetchAsync(issuer, ct);
        _keys[issuer] = set;
        return set.Keys.TryGetValue(kid, out var fresh) ? fresh : null;
    }

    private async Task<KeySet> FetchAsync(string issuer, CancellationToken ct)
    {
        try
        {
            using var discovery = JsonDocument.Parse(await http.GetStringAsync(issuer.TrimEnd('/') + "/.well-known/openid-configuration", ct));
            var jwksUri = discovery.RootElement.GetProperty("jwks_uri").GetString() ?? throw new OidcException("The issuer's discovery document has no jwks_uri.");
            using var jwks = JsonDocument.Parse(await http.GetStringAsync(jwksUri, ct));
            var keys = new Dictionary<string, RSAParameters>(StringComparer.Ordinal);
            foreach (var k in jwks.RootElement.GetProperty("keys").EnumerateArray())
            {
                if (Str(k, "kty") != "RSA" || Str(k, "kid") is not { } id) continue;
                var n = FromBase64Url(Str(k, "n") ?? "");
                var e = FromBase64Url(Str(k, "e") ?? "");
                if (n is { Length: >= 256 } && e is { Length: > 0 }) keys[id] = new RSAParameters { Modulus = n, Exponent = e };
            }
            return new KeySet(keys, time.GetUtcNow());
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException or TaskCanceledException)
        {
            throw new OidcException($"Could not fetch the signing keys of {issuer}: {ex.Message}");
        }
    }

    private static JsonElement Json(string part, string what)
    {
        var bytes = FromBase64Url(part) ?? throw new OidcException($"The identity token's {what} is not base64url.");
        try
        {
            var root = JsonDocument.Parse(bytes).RootElement;
            return root.ValueKind == JsonValueKind.Object ? root : throw new OidcException($"The identity token's {what} is not a JSON object.");
        }
        catch (JsonException)
        {
            throw new OidcException($"The identity token's {what} is not JSON.");
        }
    }

    private static string? Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static DateTimeOffset? Seconds(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.TryGetInt64(out var s) ? DateTimeOffset.FromUnixTimeSeconds(s) : null;

    private static byte[]? FromBase64Url(string text) => Base64Url.IsValid(text) ? Base64Url.DecodeFromChars(text) : null;
}
