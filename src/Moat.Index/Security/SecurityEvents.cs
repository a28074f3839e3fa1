using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Moat.Index.Accounts;

namespace Moat.Index.Security;

/// <summary>
/// The security event history: logins and failures, 2FA changes, tokens created/used/revoked, publishers, uploads,
/// switches, disclosures — each with time, IP and user agent. Append-only (the store has no statement that edits
/// or deletes an event); owners read their own and their projects', admins read all.
/// </summary>
public sealed class SecurityEvents(AccountStore store, TimeProvider time)
{
    public Task RecordAsync(string kind, HttpContext? http, string? userId = null, string? project = null, object? details = null) =>
        store.AppendEventAsync(new SecurityEvent(
            Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)), time.GetUtcNow(), kind, userId, project,
            http?.Connection.RemoteIpAddress?.ToString(),
            http is null ? null : Truncate(http.Request.Headers.UserAgent.ToString(), 300),
            details is null ? null : JsonSerializer.Serialize(details)));

    private static string? Truncate(string s, int max) => s.Length == 0 ? null : s.Length <= max ? s : s[..max];

    public static object Show(SecurityEvent e) => new
    {
        id = e.Id, at = AccountStore.Text(e.At), kind = e.Kind, user = e.UserId, project = e.Project, ip = e.Ip, user_agent = e.UserAgent,
        details = e.Details is null ? (object?)null : JsonDocument.Parse(e.Details).RootElement,
    };
}
