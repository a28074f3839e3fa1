using System.Globalization;
using System.Text.Json;
using Moat.Index.Accounts;
using Moat.Index.Auth;

namespace Moat.Index.Web;

/// <summary>
/// What the token pages say about a token, read from its stored caveats: the projects it may upload to and whether
/// it is active, expired or revoked. Display only: <see cref="Macaroons.Check"/> decides what a token may do.
/// </summary>
public sealed record TokenSummary(string Scope, string Status)
{
    public static TokenSummary Of(ApiToken token) => Of(token, DateTimeOffset.UtcNow);

    public static TokenSummary Of(ApiToken token, DateTimeOffset now)
    {
        string[] projects = [];
        DateTimeOffset? expires = null, notBefore = null;
        foreach (var caveat in token.Caveats.Select(Caveat.Parse))
        {
            switch (caveat)
            {
                case ProjectsCaveat scoped: projects = [.. scoped.Projects]; break;
                case ExpiryCaveat expiry: expires = Earliest(expires, UnixTime(expiry.ExpiresAt)); break;
                case NotBeforeCaveat start: notBefore = UnixTime(start.NotBefore); break;
            }
        }
        var scope = projects.Length == 0 ? "all your projects" : string.Join(", ", projects);
        var status = token.RevokedAt is { } revoked ? $"revoked {Show(revoked)}"
            : expires is { } e && e <= now ? $"expired {Show(e)}"
            : notBefore is { } n && n > now ? $"valid from {Show(n)}"
            : expires is { } until ? $"active until {Show(until)}"
            : "active, no expiry";
        return new TokenSummary(scope, status);
    }

    /// <summary>A unix time as a date, clamped to the range a date can show (a caveat may say "year 300,000").</summary>
    private static DateTimeOffset UnixTime(long seconds) =>
        DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, DateTimeOffset.MinValue.ToUnixTimeSeconds(), DateTimeOffset.MaxValue.ToUnixTimeSeconds()));

    private static DateTimeOffset Earliest(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x < b ? x : b;

    public static string Show(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
}
