using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Moat.Index.Accounts;
using Moat.Index.Mail;
using Moat.Index.Storage;
using Moat.Index.Errors;
using Moat.Index.Security;

namespace Moat.Index.Auth;

/// <summary>
/// The secret-scanning partner's public keys (GitHub's format: <c>{"public_keys": [{"key_identifier", "key" (PEM),
/// "is_current"}]}</c>), fetched from the configured URL, cached for an hour and re-fetched at most once a minute
/// when a report names an unknown key id (rotation).
/// </summary>
public sealed class DisclosureKeys(HttpClient http, SecurityOptions options, TimeProvider time)
{
    private Dictionary<string, string> _keys = new(StringComparer.Ordinal);
    private DateTimeOffset _fetchedAt = DateTimeOffset.MinValue;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<string?> PemAsync(string keyId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (_keys.TryGetValue(keyId, out var pem) && now - _fetchedAt < TimeSpan.FromHours(1)) return pem;
        if (now - _fetchedAt < TimeSpan.FromMinutes(1)) return _keys.GetValueOrDefault(keyId);
        await _gate.WaitAsync(ct);
        try
        {
            using var doc = JsonDocument.Parse(await http.GetStringAsync(options.DisclosureKeysUrl, ct));
            var keys = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var k in doc.RootElement.GetProperty("public_keys").EnumerateArray())
            {
                if (k.GetProperty("key_identifier").GetString() is { } id && k.GetProperty("key").GetString() is { } key) keys[id] = key;
            }
            _keys = keys;
            _fetchedAt = time.GetUtcNow();
        }
        finally
        {
            _gate.Release();
        }
        return _keys.GetValueOrDefault(keyId);
    }
}

/// <summary>
/// <c>POST /_/secrets/disclose-token</c>: a secret-scanning partner reports tokens it found in public. The body is
/// signed with ECDSA P-256/SHA-256 (DER signature, base64, in <c>Moat-Public-Key-Signature</c> or GitHub's
/// <c>Github-Public-Key-Signature</c>; key id in the matching <c>…-Public-Key-Identifier</c>). Every real Moat
/// token in a verified report is revoked, its owner mailed, and the event recorded; a forged report changes nothing.
/// </summary>
public static class DisclosureEndpoint
{
    private const int MaxBody = 1024 * 1024;

    public static void Map(WebApplication app)
    {
        app.MapPost("/_/secrets/disclose-token", async (HttpContext http, SecurityOptions options, DisclosureKeys keys, AccountStore store, IMetadataStore metadata,
            IMailSender mail, SecurityEvents events) =>
        {
            if (options.DisclosureKeysUrl is null) return IndexError.NotFound.Json("Token disclosure is not configured on this index.");
            var keyId = Header(http, "Public-Key-Identifier");
            var signatureText = Header(http, "Public-Key-Signature");
            if (keyId is null || signatureText is null) return IndexError.Invalid.Json("Missing the public key identifier or signature header.");
            using var buffer = new MemoryStream();
            var limit = new byte[81920];
            int read;
            while ((read = await http.Request.Body.ReadAsync(limit, http.RequestAborted)) > 0)
            {
                if (buffer.Length + read > MaxBody) return IndexError.TooLarge.Json("The report is too large.");
                buffer.Write(limit, 0, read);
            }
            var body = buffer.ToArray();
            string? pem;
            try
            {
                pem = await keys.PemAsync(keyId, http.RequestAborted);
            }
            catch (Exception ex) when (ex is HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException)
            {
                return IndexError.Unavailable.Json("Could not fetch the partner's public keys.");
            }
            if (pem is null || !Verify(pem, body, signatureText))
            {
                await events.RecordAsync("disclosure:forged", http, details: new { key = keyId });
                return IndexError.Unauthenticated.Json("The report's signature does not verify.");
            }

            List<(string Token, string? Url)> reported;
            try
            {
                using var doc = JsonDocument.Parse(body);
                reported = [.. doc.RootElement.EnumerateArray().Select(e => (e.GetProperty("token").GetString() ?? "", e.TryGetProperty("url", out var u) ? u.GetString() : null))];
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                return IndexError.Invalid.Json("The report must be a JSON array of {token, type, url, source}.");
            }

            var results = new List<object>();
            foreach (var (token, url) in reported.Take(1000))
            {
                var label = "false_positive";
                if (Macaroons.Parse(token) is { } m && await store.MacaroonAsync(m.Id) is { } row && Macaroons.VerifySignature(m, row.Key))
                {
                    label = "true_positive";
                    if (await store.RevokeMacaroonAsync(row.Id, DateTimeOffset.UtcNow))
                    {
                        await events.RecordAsync("token:revoked-leaked", http, row.UserId, details: new { token = row.Id, url });
                        if (row.UserId is not null && await store.UserByIdAsync(row.UserId) is { } owner)
                        {
                            await mail.SendAsync(owner.Email, "A Moat API token of yours was found in public and revoked",
                                $"Hello {owner.Username},\n\nyour API token {row.Id} ({row.Description}) was found in public" + (url is null ? "" : $" at {url}") +
                                " and has been revoked. Create a new one and review your account's security history.\n");
                        }
                    }
                }
                else if (token.StartsWith(Tokens.Prefix, StringComparison.Ordinal) && await metadata.FindTokenAsync(Tokens.Hash(token)) is { } legacy)
                {
                    label = "true_positive";
                    await metadata.RevokeTokenAsync(legacy.Id);
                    await events.RecordAsync("token:revoked-leaked", http, details: new { token = legacy.Id, url });
                }
                results.Add(new { token_raw = token, token_type = "moat_api_token", label });
            }
            return Results.Json(results);
        });
    }

    private static string? Header(HttpContext http, string suffix)
    {
        foreach (var prefix in new[] { "Moat-", "Github-" })
        {
            var value = http.Request.Headers[prefix + suffix].ToString();
            if (value.Length > 0) return value;
        }
        return null;
    }

    public static bool Verify(string pem, byte[] body, string signatureBase64)
    {
        try
        {
            using var key = ECDsa.Create();
            key.ImportFromPem(pem);
            if (key.KeySize != 256) return false;
            return key.VerifyData(body, Convert.FromBase64String(signatureBase64), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or CryptographicException)
        {
            return false;
        }
    }
}
