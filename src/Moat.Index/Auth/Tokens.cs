using System.Security.Cryptography;
using System.Text;
using Moat.Index.Storage;

namespace Moat.Index.Auth;

/// <summary>
/// API tokens: <c>moat-</c> followed by 32 random bytes (base64url), a prefix secret scanners can recognise. Only
/// the SHA-256 of the secret is stored: the secret has 256 bits of entropy, so a plain hash cannot be brute-forced
/// and keeps lookups to one indexed read. Issue 9 replaces these with caveated tokens; the format prefix stays.
/// </summary>
public static class Tokens
{
    public const string Prefix = "moat-";

    public static string NewSecret() => Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>Creates a token scoped to one project, or an admin token (all projects and the admin API).</summary>
    public static async Task<(TokenRecord Token, string Secret)> CreateAsync(IMetadataStore store, string? project, bool admin, string? description, CancellationToken ct = default)
    {
        if (project is null && !admin) throw new ArgumentException("A token is scoped to a project or is an admin token.");
        var secret = NewSecret();
        var token = new TokenRecord(Base64Url(RandomNumberGenerator.GetBytes(9)), project, admin, description, DateTimeOffset.UtcNow, null);
        await store.CreateTokenAsync(token, Hash(secret), ct);
        return (token, secret);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
