using System.Text.Json;

namespace Moat.Index.Accounts;

// The storage edge: classes shaped like the columns, so Dapper fills them without attributes, and their mapping to
// and from the typed records (AccountRecords.cs) the rest of the index uses. Nothing outside AccountStore sees them.
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

    private sealed class SessionRow
    {
        public string id_hash { get; set; } = "";
        public string user_id { get; set; } = "";
        public string csrf { get; set; } = "";
        public string created_at { get; set; } = "";
        public string expires_at { get; set; } = "";
        public string? two_factor_at { get; set; }
        public string? challenge { get; set; }
        public string? password_at { get; set; }
        public string? factor_at { get; set; }

        public UserSession ToRecord() => new(id_hash, user_id, csrf, Time(created_at), Time(expires_at), TimeOrNull(two_factor_at), challenge,
            TimeOrNull(password_at), TimeOrNull(factor_at));

        public static SessionRow Of(UserSession s) => new()
        {
            id_hash = s.IdHash, user_id = s.UserId, csrf = s.Csrf, created_at = Text(s.CreatedAt), expires_at = Text(s.ExpiresAt),
            two_factor_at = TextOrNull(s.TwoFactorAt), challenge = s.Challenge, password_at = TextOrNull(s.PasswordAt), factor_at = TextOrNull(s.FactorAt),
        };
    }

    private static DateTimeOffset? TimeOrNull(string? text) => text is null ? null : Time(text);
    private static string? TextOrNull(DateTimeOffset? time) => time is { } t ? Text(t) : null;

    private sealed class CredentialRow
    {
        public string id { get; set; } = "";
        public string user_id { get; set; } = "";
        public string public_key { get; set; } = "";
        public long sign_count { get; set; }
        public string name { get; set; } = "";
        public string created_at { get; set; } = "";

        public SecurityKey ToRecord() => new(id, user_id, public_key, sign_count, name, Time(created_at));

        public static CredentialRow Of(SecurityKey key) => new()
        {
            id = key.Id, user_id = key.UserId, public_key = key.PublicKey, sign_count = key.SignCount, name = key.Name, created_at = Text(key.CreatedAt),
        };
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

    private sealed class EventRow
    {
        public string id { get; set; } = "";
        public string at { get; set; } = "";
        public string kind { get; set; } = "";
        public string? user_id { get; set; }
        public string? project { get; set; }
        public string? ip { get; set; }
        public string? user_agent { get; set; }
        public string? details { get; set; }

        public SecurityEvent ToRecord() => new(id, Time(at), kind, user_id, project, ip, user_agent, details);
    }

    private sealed class ClaimRow
    {
        public string project { get; set; } = "";
        public string user_id { get; set; } = "";
        public string requested_at { get; set; } = "";
        public string? conflict { get; set; }
        public string state { get; set; } = "pending";
        public string? decided_by { get; set; }
        public string? decided_at { get; set; }
        public string? reason { get; set; }

        // A state this version does not know is read as refused: a claim is never granted by a value nobody wrote for it.
        public ProjectClaim ToRecord() => new(project, user_id, Time(requested_at), conflict, ClaimStateNames.Parse(state) ?? ClaimState.Refused,
            decided_by, TimeOrNull(decided_at), reason);
    }

    private sealed class MacaroonRow
    {
        public string id { get; set; } = "";
        public string? user_id { get; set; }
        public string key { get; set; } = "";
        public long is_admin { get; set; }
        public string? description { get; set; }
        public string caveats { get; set; } = "[]";
        public string? publisher_id { get; set; }
        public string created_at { get; set; } = "";
        public string? last_used_at { get; set; }
        public string? revoked_at { get; set; }
        public string? parent_id { get; set; }

        public ApiToken ToRecord() => new(id, user_id, Convert.FromBase64String(key), is_admin != 0, description, ReadCaveats(caveats), publisher_id,
            Time(created_at), TimeOrNull(last_used_at), TimeOrNull(revoked_at), parent_id);

        public static MacaroonRow Of(ApiToken t) => new()
        {
            id = t.Id, user_id = t.UserId, key = Convert.ToBase64String(t.Key), is_admin = t.IsAdmin ? 1 : 0, description = t.Description,
            caveats = JsonSerializer.Serialize(t.Caveats), publisher_id = t.PublisherId, created_at = Text(t.CreatedAt), parent_id = t.ParentId,
        };

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

    private sealed class SwitchRow
    {
        public string name { get; set; } = "";
        public long enabled { get; set; }
        public string? reason { get; set; }
        public string changed_at { get; set; } = "";

        public KillSwitchSetting ToRecord() => new(name, enabled != 0, reason, Time(changed_at));
    }
}
#pragma warning restore IDE1006
