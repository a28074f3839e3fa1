using System.Text.Json;

namespace Moat.Index.Accounts;

// The storage edge: classes shaped like the columns, so Dapper fills them without attributes, and their mapping to
// and from the typed records (AccountRecords.cs) the rest of the index uses. Nothing outside AccountStore sees them.
// The records' parameters follow their table's columns in order (Dapper fills them through the constructor from
// SELECT *); the classes are for rows that are read with other columns or only in part.
#pragma warning disable IDE1006 // Row classes mirror the column names.
public sealed partial class AccountStore
{
    private sealed class UserRow
    {
        public string id { get; set; } = "";
        public string username { get; set; } = "";
        public string email { get; set; } = "";
        public long email_verified { get; set; }
        public string password_hash { get; set; } = "";
        public string created_at { get; set; } = "";
        public long failed_logins { get; set; }
        public string? totp_secret { get; set; }
        public long totp_last_step { get; set; }
        public string? totp_pending_secret { get; set; }
        public long is_disabled { get; set; }

        public UserAccount ToRecord() => new(id, username, email, email_verified != 0, password_hash, Time(created_at), failed_logins,
            totp_secret, totp_last_step, totp_pending_secret, is_disabled != 0);

        public static UserRow Of(UserAccount u) => new()
        {
            id = u.Id, username = u.Username, email = u.Email, email_verified = u.EmailVerified ? 1 : 0, password_hash = u.PasswordHash, created_at = Text(u.CreatedAt),
        };
    }

    private sealed record SessionRow(string id_hash, string user_id, string csrf, string created_at, string expires_at, string? two_factor_at, string? challenge,
        string? password_at, string? factor_at)
    {
        public UserSession ToRecord() => new(id_hash, user_id, csrf, Time(created_at), Time(expires_at), TimeOrNull(two_factor_at), challenge,
            TimeOrNull(password_at), TimeOrNull(factor_at));

        public static SessionRow Of(UserSession s) => new(s.IdHash, s.UserId, s.Csrf, Text(s.CreatedAt), Text(s.ExpiresAt), TextOrNull(s.TwoFactorAt), s.Challenge,
            TextOrNull(s.PasswordAt), TextOrNull(s.FactorAt));
    }

    private static DateTimeOffset? TimeOrNull(string? text) => text is null ? null : Time(text);
    private static string? TextOrNull(DateTimeOffset? time) => time is { } t ? Text(t) : null;

    private sealed record CredentialRow(string id, string user_id, string public_key, long sign_count, string name, string created_at)
    {
        public SecurityKey ToRecord() => new(id, user_id, public_key, sign_count, name, Time(created_at));

        public static CredentialRow Of(SecurityKey key) => new(key.Id, key.UserId, key.PublicKey, key.SignCount, key.Name, Text(key.CreatedAt));
    }

    private sealed class PublisherRow
    {
        public string id { get; set; } = "";
        public string? project { get; set; }
        public string? pending_project { get; set; }
        public string kind { get; set; } = "github";
        public string repository { get; set; } = "";
        public string owner_id { get; set; } = "";
        public string workflow { get; set; } = "";
        public string environment { get; set; } = "";
        public string created_by { get; set; } = "";
        public string created_at { get; set; } = "";
        /// <summary>Joined when read (the username of <see cref="created_by"/>); not a column.</summary>
        public string? registered_by { get; set; }

        public TrustedPublisher ToRecord() =>
            new(id, project, pending_project, kind, repository, owner_id, workflow, environment, created_by, Time(created_at), registered_by);

        public static PublisherRow Of(TrustedPublisher p) => new()
        {
            id = p.Id, project = p.Project, pending_project = p.PendingProject, kind = p.Kind, repository = p.Repository, owner_id = p.OwnerId,
            workflow = p.Workflow, environment = p.Environment, created_by = p.CreatedBy, created_at = Text(p.CreatedAt), registered_by = p.RegisteredBy,
        };
    }

    private sealed record EventRow(string id, string at, string kind, string? user_id, string? project, string? ip, string? user_agent, string? details)
    {
        public SecurityEvent ToRecord() => new(id, Time(at), kind, user_id, project, ip, user_agent, details);
    }

    private sealed record ClaimRow(string project, string user_id, string requested_at, string? conflict, string state, string? decided_by, string? decided_at,
        string? reason)
    {
        // A state this version does not know is read as refused: a claim is never granted by a value nobody wrote for it.
        public ProjectClaim ToRecord() => new(project, user_id, Time(requested_at), conflict, ClaimStateNames.Parse(state) ?? ClaimState.Refused,
            decided_by, TimeOrNull(decided_at), reason);
    }

    private sealed record MacaroonRow(string id, string? user_id, string key, long is_admin, string? description, string caveats, string? publisher_id,
        string created_at, string? last_used_at, string? revoked_at, string? parent_id)
    {
        public ApiToken ToRecord() => new(id, user_id, Convert.FromBase64String(key), is_admin != 0, description, ReadCaveats(caveats), publisher_id,
            Time(created_at), TimeOrNull(last_used_at), TimeOrNull(revoked_at), parent_id);

        public static MacaroonRow Of(ApiToken t) => new(t.Id, t.UserId, Convert.ToBase64String(t.Key), t.IsAdmin ? 1 : 0, t.Description,
            JsonSerializer.Serialize(t.Caveats), t.PublisherId, Text(t.CreatedAt), null, null, t.ParentId);

        // A list that cannot be read is kept as one caveat of its raw text: it then reads as a caveat nobody can verify
        // (Caveat.Parse), never as a token without conditions.
        private static IReadOnlyList<string> ReadCaveats(string text)
        {
            try
            {
                return JsonSerializer.Deserialize<string[]>(text) is { } list && !list.Contains(null) ? list : [text];
            }
            catch (JsonException)
            {
                return [text];
            }
        }
    }

    private sealed record SwitchRow(string name, long enabled, string? reason, string changed_at)
    {
        public KillSwitchSetting ToRecord() => new(name, enabled != 0, reason, Time(changed_at));
    }
}
#pragma warning restore IDE1006
