using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Moat.Index.Accounts;
using Moat.Index.Security;

namespace Moat.Index.Auth;

/// <summary>
/// Where each user's API token is used from. A token that turns up from an address it was never used from — after
/// a first use elsewhere — is recorded (<c>token:new-address</c>) and its owner is mailed: a stolen token's first use
/// by its thief is the moment to revoke it. Pairs already seen are remembered in memory, so the common case (the same
/// CI runner, the same laptop) costs no database write.
/// </summary>
public sealed class TokenPlaces(AccountStore store, AccountMail mail, SecurityEvents events, TimeProvider time)
{
    private const int RememberedPairs = 100_000;
    private readonly ConcurrentDictionary<(string Token, string Address), byte> _seen = new();

    public async Task UsedAsync(ApiToken token, HttpRequest request)
    {
        // Admin, operator and trusted-publisher tokens have no owner to tell (the last are minutes-long and CI-bound).
        if (token.UserId is not { } userId || token.IsAdmin) return;
        var address = request.HttpContext.Connection.RemoteIpAddress?.ToString();
        if (address is null || _seen.ContainsKey((token.Id, address))) return;
        if (_seen.Count >= RememberedPairs) _seen.Clear();
        _seen[(token.Id, address)] = 0;
        if (!await store.TokenUsedFromNewAddressAsync(token.Id, address, time.GetUtcNow())) return;
        await events.RecordAsync("token:new-address", request.HttpContext, userId, details: new { token = token.Id, address });
        var agent = request.Headers.UserAgent.ToString();
        await mail.TokenUsedFromNewAddressAsync(userId, token, address, agent.Length > 200 ? agent[..200] : agent); // the client's own words: kept short
    }
}
