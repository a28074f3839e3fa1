using System.Security.Cryptography;
using System.Text;
using Moat.Index.Accounts;

namespace Moat.Index.Auth;

/// <summary>
/// Issues API tokens (macaroons, <see cref="Macaroons"/>): a random server-side id and 32-byte key per token, the
/// key stored (it must be, to verify the HMAC chain) and the token itself never. <see cref="Hash"/> stays for the
/// random tokens created before macaroons, which are still accepted from their SHA-256 rows.
/// </summary>
public static class Tokens
{
    public const string Prefix = Macaroons.Prefix;

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    /// <summary>Creates and stores a token; returns it and the secret (shown once).</summary>
    public static async Task<(ApiToken Token, string Secret)> IssueAsync(AccountStore store, string? userId, bool admin, string? description,
        IReadOnlyList<string> caveats, string? publisherId, DateTimeOffset now, string? parentId = null)
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var token = new ApiToken(NewId(), userId, key, admin, description, caveats, publisherId, now, LastUsedAt: null, RevokedAt: null, parentId);
        await store.CreateMacaroonAsync(token);
        return (token, Macaroons.Mint(token.Id, key, caveats));
    }
}

/// <summary>
/// The token a request creates a new token with (the admin API): whether it is an admin token, every caveat the
/// presented token carries (its holder's attenuations included), and its id when it is a macaroon. A token can only
/// create tokens at most as strong as itself: <see cref="Refusal"/> refuses more, and <see cref="Inherited"/> are
/// carried into the new token, so its expiry is no later and its projects no wider. The new token records this one
/// as its parent, and revoking the parent revokes it (<see cref="IndexAuthorization.IdentifyAsync"/>).
/// </summary>
public sealed record IssuingToken(string? MacaroonId, bool IsAdmin, IReadOnlyList<Caveat> Caveats)
{
    public static IssuingToken? Of(Principal principal) =>
        principal.Token is { } row ? new(row.Id, row.IsAdmin, [.. principal.Parsed!.Caveats.Select(Caveat.Parse)])
        : principal.Legacy is { } legacy ? new(null, legacy.IsAdmin, []) // tokens from before caveats: no caveat to carry, nothing to chain to
        : null;

    /// <summary>Why this token may not create one that is <paramref name="admin"/> or scoped to <paramref name="project"/> (null: it may).</summary>
    public string? Refusal(bool admin, string? project, DateTimeOffset now)
    {
        if (admin && !IsAdmin) return "Only an admin token can create an admin token.";
        // Each caveat must hold for everything the new token could do: an admin token (no project) or the one project.
        foreach (var caveat in Caveats)
        {
            if (caveat.Verify(new CaveatContext(admin ? null : project, now)) is { Ok: false } refused)
                return $"The token used cannot create a token stronger than itself: {refused.Failure}";
        }
        return null;
    }

    /// <summary>The caveats the new token starts with, in their wire form.</summary>
    public IEnumerable<string> Inherited => Caveats.Select(c => c.Serialize());
}
