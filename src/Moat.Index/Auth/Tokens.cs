using System.Security.Cryptography;
using System.Text;
using Moat.Index.Accounts;

namespace Moat.Index.Auth;

/// <summary>
/// Issues API tokens (macaroons, <see cref="Macaroons"/>): a random server-side id and 32-byte key per token, the
/// key stored (it must be, to verify the HMAC chain) and the token itself never. <see cref="Hash"/> stays for the
/// random tokens created before issue 9, which are still accepted from their SHA-256 rows.
/// </summary>
public static class Tokens
{
    public const string Prefix = Macaroons.Prefix;

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    /// <summary>Creates and stores a token; returns its row and the secret (shown once).</summary>
    public static async Task<(MacaroonRow Row, string Secret)> IssueAsync(AccountStore store, string? userId, bool admin, string? description,
        IReadOnlyList<string> caveats, string? publisherId, DateTimeOffset now)
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var row = new MacaroonRow
        {
            id = NewId(), user_id = userId, key = Convert.ToBase64String(key), is_admin = admin ? 1 : 0, description = description,
            caveats = System.Text.Json.JsonSerializer.Serialize(caveats), publisher_id = publisherId, created_at = AccountStore.Text(now),
        };
        await store.CreateMacaroonAsync(row);
        return (row, Macaroons.Mint(row.id, key, caveats));
    }
}
