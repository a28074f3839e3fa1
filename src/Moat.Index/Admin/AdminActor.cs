using Microsoft.AspNetCore.Http;
using Moat.Index.Accounts;
using Moat.Index.Auth;

namespace Moat.Index.Admin;

/// <summary>
/// Who performed an admin action, as its security event records it (<c>details.by</c>): a web administrator (their
/// username and user id, so the event also lands in their own history for switches and project changes), the
/// holder of an admin token (its owner's username when a user created it, else the token id), or <c>moat admin</c>
/// on the server's machine. <see cref="Http"/> gives the event its IP address and user agent.
/// </summary>
public sealed record AdminActor(string Name, string? UserId = null, HttpContext? Http = null)
{
    /// <summary>The token this actor acts with (admin API only): a token it creates is at most as strong (<see cref="IssuingToken"/>).</summary>
    public IssuingToken? Token { get; init; }

    /// <summary><c>moat admin …</c> run on the data directory: the operating-system account that ran it.</summary>
    public static AdminActor CommandLine { get; } = new($"moat admin ({Environment.UserName})");

    /// <summary>A signed-in web administrator.</summary>
    public static AdminActor Web(UserAccount user, HttpContext http) => new(user.Username, user.Id, http);

    /// <summary>The admin JSON API: the token's owner when it belongs to a user, else the token itself.</summary>
    public static AdminActor ApiToken(Principal principal, UserAccount? owner, HttpContext http) => (owner is not null
        ? new AdminActor($"{owner.Username} (admin token {principal.TokenId})", owner.Id, http)
        : new AdminActor($"admin token {principal.TokenId}" + ((principal.Token?.Description ?? principal.Legacy?.Description) is { Length: > 0 } d ? $" ({d})" : ""), null, http))
        with { Token = IssuingToken.Of(principal) };

    /// <summary>An event's details: <c>by</c> (this actor's name) first, then the given pairs that have a value.</summary>
    public Dictionary<string, object?> Details(params (string Key, object? Value)[] details)
    {
        var shown = new Dictionary<string, object?> { ["by"] = Name };
        foreach (var (key, value) in details)
        {
            if (value is not null) shown[key] = value;
        }
        return shown;
    }

    /// <summary>The actor the admin API's filter identified for this request (<see cref="CommandLine"/> outside it).</summary>
    public static AdminActor Of(HttpContext http) => http.Items[typeof(AdminActor)] as AdminActor ?? CommandLine;
}
