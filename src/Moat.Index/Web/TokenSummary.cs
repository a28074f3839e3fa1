using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Moat.Index.Accounts;

namespace Moat.Index.Web;

/// <summary>
/// What the token pages say about a token, read from its stored caveats: the projects it may upload to and whether
/// it is active, expired or revoked. Display only: <see cref="Auth.Macaroons.Check"/> decides what a token may do.
/// </summary>
public sealed record TokenSummary(string Scope, string Status)
{
    public static TokenSummary Of(MacaroonRow token) => Of(token, DateTimeOffset.UtcNow);

    public static TokenSummary Of(MacaroonRow token, DateTimeOffset now)
    {
        string[] projects = [];
        DateTimeOffset? expires = null, notBefore = null;
        foreach (var caveat in JsonSerializer.Deserialize<string[]>(token.caveats) ?? [])
        {
            if (JsonNode.Parse(caveat) is not JsonObject c) continue;
            if (c["projects"] is JsonArray list) projects = [.. list.Select(p => p?.GetValue<string>() ?? "")];
            if (c["exp"] is JsonValue exp) expires = Earliest(expires, DateTimeOffset.FromUnixTimeSeconds(exp.GetValue<long>()));
            if (c["nbf"] is JsonValue nbf) notBefore = DateTimeOffset.FromUnixTimeSeconds(nbf.GetValue<long>());
        }
        var scope = projects.Length == 0 ? "all your projects" : string.Join(", ", projects);
        var status = token.revoked_at is { } revoked ? $"revoked {Show(revoked)}"
            : expires is { } e && e <= now ? $"expired {Show(e)}"
            : notBefore is { } n && n > now ? $"valid from {Show(n)}"
            : expires is { } until ? $"active until {Show(until)}"
            : "active, no expiry";
        return new TokenSummary(scope, status);
    }

    private static DateTimeOffset Earliest(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x < b ? x : b;

    public static string Show(string time) => Show(AccountStore.Time(time));

    public static string Show(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
}
