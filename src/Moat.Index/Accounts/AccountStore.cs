using System.Globalization;
using Dapper;
using System.Data.Common;
using Moat.Index.Storage;

namespace Moat.Index.Accounts;

/// <summary>
/// Accounts, sessions, 2FA, tokens, publishers, switches and the event log, in the index's database beside the
/// metadata tables. Same conventions as <see cref="Storage.SqlMetadataStore"/> (portable SQL on <see cref="Database"/>,
/// ISO-8601 text times); its own append-only migration list (component "accounts"), so the package tables and the
/// account tables evolve without renumbering each other. The event table has no UPDATE or DELETE statement anywhere:
/// it is append-only by construction.
/// </summary>
public sealed partial class AccountStore
{
    internal static readonly string[][] Migrations =
    [
        [
            """
            CREATE TABLE users (
                id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, email TEXT NOT NULL, email_verified INTEGER NOT NULL,
                password_hash TEXT NOT NULL, created_at TEXT NOT NULL, failed_logins INTEGER NOT NULL, locked_until TEXT,
                totp_secret TEXT, totp_last_step BIGINT NOT NULL, totp_pending_secret TEXT, is_disabled INTEGER NOT NULL)
            """,
            "CREATE TABLE email_verifications (token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, expires_at TEXT NOT NULL)",
            "CREATE TABLE recovery_codes (user_id TEXT NOT NULL, code_hash TEXT NOT NULL, used_at TEXT, PRIMARY KEY (user_id, code_hash))",
            """
            CREATE TABLE webauthn_credentials (
                id TEXT PRIMARY KEY, user_id TEXT NOT NULL, public_key TEXT NOT NULL, sign_count BIGINT NOT NULL,
                name TEXT NOT NULL, created_at TEXT NOT NULL)
            """,
            """
            CREATE TABLE sessions (
                id_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, csrf TEXT NOT NULL, created_at TEXT NOT NULL,
                expires_at TEXT NOT NULL, two_factor_at TEXT, challenge TEXT)
            """,
            "CREATE TABLE project_roles (project TEXT NOT NULL, user_id TEXT NOT NULL, role TEXT NOT NULL, PRIMARY KEY (project, user_id))",
            "CREATE TABLE project_settings (project TEXT PRIMARY KEY, critical INTEGER NOT NULL)",
            """
            CREATE TABLE macaroons (
                id TEXT PRIMARY KEY, user_id TEXT, key TEXT NOT NULL, is_admin INTEGER NOT NULL, description TEXT,
                caveats TEXT NOT NULL, publisher_id TEXT, created_at TEXT NOT NULL, last_used_at TEXT, revoked_at TEXT)
            """,
            """
            CREATE TABLE publishers (
                id TEXT PRIMARY KEY, project TEXT, pending_project TEXT, kind TEXT NOT NULL, repository TEXT NOT NULL,
                owner_id TEXT NOT NULL, workflow TEXT NOT NULL, environment TEXT NOT NULL, created_by TEXT NOT NULL,
                created_at TEXT NOT NULL)
            """,
            "CREATE TABLE oidc_jtis (jti TEXT PRIMARY KEY, expires_at TEXT NOT NULL)",
            "CREATE TABLE kill_switches (name TEXT PRIMARY KEY, enabled INTEGER NOT NULL, reason TEXT, changed_at TEXT NOT NULL)",
            """
            CREATE TABLE security_events (
                id TEXT PRIMARY KEY, at TEXT NOT NULL, kind TEXT NOT NULL, user_id TEXT, project TEXT, ip TEXT,
                user_agent TEXT, details TEXT)
            """,
            "CREATE INDEX events_by_user ON security_events (user_id, at)",
            "CREATE INDEX events_by_project ON security_events (project, at)",
        ],
        [
            // Release approval: uploads to such a project are staged until a second maintainer approves.
            "ALTER TABLE project_settings ADD COLUMN approval_required INTEGER NOT NULL DEFAULT 0",
        ],
        [
            // Organisations own projects; their teams hold a role on the organisation's projects.
            "CREATE TABLE organisations (name TEXT PRIMARY KEY, display_name TEXT NOT NULL, created_at TEXT NOT NULL)",
            "CREATE TABLE organisation_members (organisation TEXT NOT NULL, user_id TEXT NOT NULL, role TEXT NOT NULL, PRIMARY KEY (organisation, user_id))",
            "CREATE TABLE teams (organisation TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (organisation, name))",
            "CREATE TABLE team_members (organisation TEXT NOT NULL, team TEXT NOT NULL, user_id TEXT NOT NULL, PRIMARY KEY (organisation, team, user_id))",
            "CREATE TABLE team_roles (organisation TEXT NOT NULL, team TEXT NOT NULL, project TEXT NOT NULL, role TEXT NOT NULL, PRIMARY KEY (organisation, team, project))",
            "CREATE TABLE project_organisations (project TEXT PRIMARY KEY, organisation TEXT NOT NULL)",
        ],
        [
            // Re-authentication: sensitive changes need a password or second factor checked recently in the session.
            "ALTER TABLE sessions ADD COLUMN password_at TEXT",
            "ALTER TABLE sessions ADD COLUMN factor_at TEXT",
            // Login throttling as atomic conditional upserts (correct across nodes). Times in Unix milliseconds so
            // one statement can compute the next back-off.
            "CREATE TABLE login_backoff (key TEXT PRIMARY KEY, failures INTEGER NOT NULL, last_failure_ms BIGINT NOT NULL, blocked_until_ms BIGINT NOT NULL)",
            "CREATE TABLE address_failures (address TEXT PRIMARY KEY, failures INTEGER NOT NULL, window_start_ms BIGINT NOT NULL)",
        ],
        [
            // Claims on new project names: a user's request, held until an administrator grants or refuses it.
            """
            CREATE TABLE project_claims (
                project TEXT NOT NULL, user_id TEXT NOT NULL, requested_at TEXT NOT NULL, conflict TEXT, state TEXT NOT NULL,
                decided_by TEXT, decided_at TEXT, reason TEXT, PRIMARY KEY (project, user_id))
            """,
        ],
        [
            // A token created with another token (the admin API) dies with it: revoking a leaked admin token must not
            // leave behind the tokens its thief minted.
            "ALTER TABLE macaroons ADD COLUMN parent_id TEXT",
        ],
        [
            // Password reset: single-use links, by the SHA-256 of their secret, each with its expiry.
            "CREATE TABLE password_resets (token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL)",
            "CREATE INDEX password_resets_by_user ON password_resets (user_id)",
            // Where each API token has been used from, so its owner hears of a new place.
            "CREATE TABLE token_addresses (token_id TEXT NOT NULL, address TEXT NOT NULL, first_seen TEXT NOT NULL, PRIMARY KEY (token_id, address))",
        ],
        [
            // Provenance (PEP 740) per project: whether uploads must carry an attestation ('required', 'optional', or
            // NULL for the index's [policy] attestations), and whether an unattested release after an attested one is held.
            "ALTER TABLE project_settings ADD COLUMN attestations TEXT",
            "ALTER TABLE project_settings ADD COLUMN provenance_continuity INTEGER NOT NULL DEFAULT 1",
        ],
        [
            // A deleted account's username stays reserved: its name is on past uploads and in other people's histories,
            // and whoever registered it next would inherit that trust.
            "CREATE TABLE deleted_usernames (username TEXT PRIMARY KEY, user_id TEXT NOT NULL, deleted_at TEXT NOT NULL)",
        ],
    ];

    private readonly Database _database;
    private readonly TimeProvider _time;

    private AccountStore(Database database, TimeProvider time)
    {
        _database = database;
        _time = time;
    }

    /// <summary>Opens the store on <paramref name="database"/>, creating and migrating its tables when needed.</summary>
    public static AccountStore Open(Database database, TimeProvider? time = null)
    {
        database.Migrate("accounts", Migrations, legacyVersionTable: "account_schema_version");
        return new AccountStore(database, time ?? TimeProvider.System);
    }

    /// <summary>The embedded default: the store in a SQLite file of its own.</summary>
    public static AccountStore Open(string sqlitePath) => Open(Database.Sqlite(sqlitePath));

    private DbConnection Connect() => _database.Connect();

    private Task<DbTransaction> BeginWriteAsync(DbConnection connection) => _database.BeginWriteAsync(connection, "accounts");

    public static string Text(DateTimeOffset time) => StoredTimes.Microseconds(time);

    public static DateTimeOffset Time(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    // Users
    public async Task<bool> CreateUserAsync(UserAccount user)
    {
        try
        {
            return await _database.ExecuteAsync("""
                INSERT INTO users (id, username, email, email_verified, password_hash, created_at, failed_logins, totp_last_step, is_disabled)
                SELECT @id, @username, @email, @email_verified, @password_hash, @created_at, 0, 0, 0
                WHERE NOT EXISTS (SELECT 1 FROM deleted_usernames WHERE username = @username)
                """, UserRow.Of(user)) == 1;
        }
        catch (DbException ex) when (Database.IsUniqueViolation(ex)) // the username is taken
        {
            return false;
        }
    }

    // Account deletion. A project or organisation never loses its last owner this way: the owner must hand it on first.
    private const string SoleOwnedProjects = """
        SELECT r.project FROM project_roles r
        WHERE r.user_id = @userId AND r.role = 'owner'
            AND NOT EXISTS (SELECT 1 FROM project_roles o WHERE o.project = r.project AND o.role = 'owner' AND o.user_id <> @userId)
            AND NOT EXISTS (SELECT 1 FROM project_organisations po WHERE po.project = r.project)
        ORDER BY r.project
        """;
    private const string SoleOwnedOrganisations = """
        SELECT m.organisation FROM organisation_members m
        WHERE m.user_id = @userId AND m.role = 'owner'
            AND NOT EXISTS (SELECT 1 FROM organisation_members o WHERE o.organisation = m.organisation AND o.role = 'owner' AND o.user_id <> @userId)
        ORDER BY m.organisation
        """;

    /// <summary>The projects and organisations of which the user is the only owner: each keeps the account from being deleted.</summary>
    public async Task<DeletionBlockers> DeletionBlockersAsync(string userId)
    {
        await using var c = Connect();
        return new([.. await c.QueryAsync<string>(SoleOwnedProjects, new { userId })], [.. await c.QueryAsync<string>(SoleOwnedOrganisations, new { userId })]);
    }

    /// <summary>
    /// Deletes the account in one transaction unless it is the only owner of something (checked inside it, so a
    /// co-owner removed meanwhile cannot leave a project ownerless): its sessions, second factors, pending links, roles,
    /// memberships and pending publishers go, its tokens are revoked, and its username is reserved. The security event
    /// log keeps the account's id, as it keeps everything. Null when the account no longer exists.
    /// </summary>
    public async Task<DeletionBlockers?> DeleteUserAsync(string userId, DateTimeOffset at)
    {
        await using var c = Connect();
        await using var t = await BeginWriteAsync(c);
        var username = await c.QuerySingleOrDefaultAsync<string>("SELECT username FROM users WHERE id = @userId", new { userId }, t);
        if (username is null) return null;
        var blockers = new DeletionBlockers([.. await c.QueryAsync<string>(SoleOwnedProjects, new { userId }, t)],
            [.. await c.QueryAsync<string>(SoleOwnedOrganisations, new { userId }, t)]);
        if (!blockers.None) return blockers;
        var args = new { userId, username, at = Text(at) };
        await c.ExecuteAsync("UPDATE macaroons SET revoked_at = @at WHERE (user_id = @userId OR parent_id IN (SELECT id FROM macaroons WHERE user_id = @userId)) AND revoked_at IS NULL", args, t);
        await c.ExecuteAsync("DELETE FROM publishers WHERE pending_project IS NOT NULL AND created_by = @userId", args, t);
        await c.ExecuteAsync("DELETE FROM project_claims WHERE user_id = @userId AND state = 'pending'", args, t);
        foreach (var table in (string[])["sessions", "email_verifications", "password_resets", "recovery_codes", "webauthn_credentials",
                     "project_roles", "organisation_members", "team_members"])
            await c.ExecuteAsync($"DELETE FROM {table} WHERE user_id = @userId", args, t);
        await c.ExecuteAsync("INSERT INTO deleted_usernames (username, user_id, deleted_at) VALUES (@username, @userId, @at)", args, t);
        await c.ExecuteAsync("DELETE FROM users WHERE id = @userId", args, t);
        await t.CommitAsync();
        return blockers;
    }

    public async Task<UserAccount?> UserByNameAsync(string username) =>
        (await _database.QuerySingleAsync<UserRow>("SELECT * FROM users WHERE username = @username", new { username = username.ToLowerInvariant() }))?.ToRecord();
    public async Task<UserAccount?> UserByIdAsync(string id) => (await _database.QuerySingleAsync<UserRow>("SELECT * FROM users WHERE id = @id", new { id }))?.ToRecord();
    public async Task<IReadOnlyList<UserAccount>> ListUsersAsync() => [.. (await _database.QueryListAsync<UserRow>("SELECT * FROM users ORDER BY username")).Select(r => r.ToRecord())];

    /// <summary>Counts one more failed sign-in (password or second factor) in one statement; returns the new count.</summary>
    public Task<long> CountLoginFailureAsync(string id) =>
        _database.QuerySingleAsync<long>("UPDATE users SET failed_logins = failed_logins + 1 WHERE id = @id RETURNING failed_logins", new { id });

    public Task ResetLoginFailuresAsync(string id) => _database.ExecuteAsync("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = @id", new { id });
    public Task SetPasswordHashAsync(string id, string hash) => _database.ExecuteAsync("UPDATE users SET password_hash = @hash WHERE id = @id", new { id, hash });
    public Task SetDisabledAsync(string id, bool disabled) => _database.ExecuteAsync("UPDATE users SET is_disabled = @d WHERE id = @id", new { id, d = disabled ? 1 : 0 });
    public Task SetPendingTotpAsync(string id, string? secret) => _database.ExecuteAsync("UPDATE users SET totp_pending_secret = @secret WHERE id = @id", new { id, secret });
    public Task EnableTotpAsync(string id, string secret, long step) =>
        _database.ExecuteAsync("UPDATE users SET totp_secret = @secret, totp_pending_secret = NULL, totp_last_step = @step WHERE id = @id", new { id, secret, step });
    public Task DisableTotpAsync(string id) => _database.ExecuteAsync("UPDATE users SET totp_secret = NULL, totp_last_step = 0 WHERE id = @id", new { id });

    /// <summary>Consumes a TOTP time step: succeeds only when the step is later than the last one used (replay protection, atomic).</summary>
    public async Task<bool> ConsumeTotpStepAsync(string id, long step) =>
        await _database.ExecuteAsync("UPDATE users SET totp_last_step = @step WHERE id = @id AND totp_last_step < @step", new { id, step }) == 1;

    public async Task AddEmailVerificationAsync(string tokenHash, string userId, DateTimeOffset expires) =>
        await _database.ExecuteAsync("INSERT INTO email_verifications (token_hash, user_id, expires_at) VALUES (@tokenHash, @userId, @e)", new { tokenHash, userId, e = Text(expires) });

    /// <summary>Marks the e-mail verified when the token is live; the token is single-use.</summary>
    public async Task<string?> ConsumeEmailVerificationAsync(string tokenHash, DateTimeOffset now)
    {
        await using var c = Connect();
        await using var t = await BeginWriteAsync(c);
        var row = await c.QuerySingleOrDefaultAsync<(string user_id, string expires_at)?>(
            "SELECT user_id, expires_at FROM email_verifications WHERE token_hash = @tokenHash", new { tokenHash }, t);
        if (row is null) return null;
        await c.ExecuteAsync("DELETE FROM email_verifications WHERE token_hash = @tokenHash", new { tokenHash }, t);
        if (Time(row.Value.expires_at) < now) { await t.CommitAsync(); return null; }
        await c.ExecuteAsync("UPDATE users SET email_verified = 1 WHERE id = @id", new { id = row.Value.user_id }, t);
        await t.CommitAsync();
        return row.Value.user_id;
    }

    // Password reset

    public async Task<IReadOnlyList<UserAccount>> UsersByEmailAsync(string email) =>
        [.. (await _database.QueryListAsync<UserRow>("SELECT * FROM users WHERE lower(email) = @email ORDER BY username", new { email = email.Trim().ToLowerInvariant() })).Select(r => r.ToRecord())];

    public Task AddPasswordResetAsync(string tokenHash, string userId, DateTimeOffset now, DateTimeOffset expires) =>
        _database.ExecuteAsync("INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES (@tokenHash, @userId, @c, @e)",
            new { tokenHash, userId, c = Text(now), e = Text(expires) });

    /// <summary>Reset links of the user still usable at <paramref name="now"/>.</summary>
    public Task<long> LivePasswordResetsAsync(string userId, DateTimeOffset now) =>
        _database.QuerySingleAsync<long>("SELECT COUNT(*) FROM password_resets WHERE user_id = @userId AND expires_at > @now", new { userId, now = Text(now) });

    /// <summary>The user a live reset link belongs to, or null (unknown, used or expired). Reading it uses nothing up.</summary>
    public Task<string?> PasswordResetUserAsync(string tokenHash, DateTimeOffset now) =>
        _database.QuerySingleAsync<string>("SELECT user_id FROM password_resets WHERE token_hash = @tokenHash AND expires_at > @now", new { tokenHash, now = Text(now) });

    /// <summary>
    /// Sets the new password with the link, in one transaction: the link must still be there (single use: of two racing
    /// requests only one finds it), every reset link of the user goes, and every session of the user ends. Returns the
    /// number of sessions ended, or null when the link was already used.
    /// </summary>
    public async Task<int?> CompletePasswordResetAsync(string tokenHash, string userId, string passwordHash)
    {
        await using var c = Connect();
        await using var t = await BeginWriteAsync(c);
        if (await c.ExecuteAsync("DELETE FROM password_resets WHERE token_hash = @tokenHash AND user_id = @userId", new { tokenHash, userId }, t) != 1) return null;
        await c.ExecuteAsync("DELETE FROM password_resets WHERE user_id = @userId", new { userId }, t);
        await c.ExecuteAsync("UPDATE users SET password_hash = @passwordHash, failed_logins = 0, locked_until = NULL WHERE id = @userId", new { userId, passwordHash }, t);
        var ended = await c.ExecuteAsync("DELETE FROM sessions WHERE user_id = @userId", new { userId }, t);
        await t.CommitAsync();
        return ended;
    }

    /// <summary>Every reset link of the user stops working (the password was changed another way).</summary>
    public Task DeletePasswordResetsAsync(string userId) => _database.ExecuteAsync("DELETE FROM password_resets WHERE user_id = @userId", new { userId });

    // Where tokens are used from

    /// <summary>
    /// Remembers that the token was used from <paramref name="address"/>. True when that address is new for a token
    /// that had been used from somewhere else before (its first use is no news: its owner just created it).
    /// </summary>
    public async Task<bool> TokenUsedFromNewAddressAsync(string tokenId, string address, DateTimeOffset now)
    {
        await using var c = Connect();
        var added = await c.ExecuteAsync("INSERT INTO token_addresses (token_id, address, first_seen) VALUES (@tokenId, @address, @now) ON CONFLICT DO NOTHING",
            new { tokenId, address, now = Text(now) });
        return added == 1 && await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM token_addresses WHERE token_id = @tokenId", new { tokenId }) > 1;
    }

    // Recovery codes
    public async Task ReplaceRecoveryCodesAsync(string userId, IEnumerable<string> codeHashes)
    {
        await using var c = Connect();
        await using var t = await BeginWriteAsync(c);
        await c.ExecuteAsync("DELETE FROM recovery_codes WHERE user_id = @userId", new { userId }, t);
        foreach (var h in codeHashes) await c.ExecuteAsync("INSERT INTO recovery_codes (user_id, code_hash) VALUES (@userId, @h)", new { userId, h }, t);
        await t.CommitAsync();
    }

    public async Task<bool> UseRecoveryCodeAsync(string userId, string codeHash, DateTimeOffset now) =>
        await _database.ExecuteAsync("UPDATE recovery_codes SET used_at = @now WHERE user_id = @userId AND code_hash = @codeHash AND used_at IS NULL",
            new { userId, codeHash, now = Text(now) }) == 1;

    // WebAuthn
    public Task AddCredentialAsync(SecurityKey key) =>
        _database.ExecuteAsync("INSERT INTO webauthn_credentials (id, user_id, public_key, sign_count, name, created_at) VALUES (@id, @user_id, @public_key, @sign_count, @name, @created_at)",
            CredentialRow.Of(key));
    public async Task<IReadOnlyList<SecurityKey>> CredentialsAsync(string userId) =>
        [.. (await _database.QueryListAsync<CredentialRow>("SELECT * FROM webauthn_credentials WHERE user_id = @userId", new { userId })).Select(r => r.ToRecord())];
    public async Task<SecurityKey?> CredentialAsync(string id) =>
        (await _database.QuerySingleAsync<CredentialRow>("SELECT * FROM webauthn_credentials WHERE id = @id", new { id }))?.ToRecord();
    public async Task<bool> RemoveCredentialAsync(string id, string userId) =>
        await _database.ExecuteAsync("DELETE FROM webauthn_credentials WHERE id = @id AND user_id = @userId", new { id, userId }) == 1;

    /// <summary>Stores a newer sign count; false when another assertion already moved it past <paramref name="count"/> (a cloned authenticator or a race).</summary>
    public async Task<bool> AdvanceSignCountAsync(string id, long previous, long count) =>
        await _database.ExecuteAsync("UPDATE webauthn_credentials SET sign_count = @count WHERE id = @id AND sign_count = @previous", new { id, previous, count }) == 1;

    // Sessions
    public Task CreateSessionAsync(UserSession session) => _database.ExecuteAsync("""
        INSERT INTO sessions (id_hash, user_id, csrf, created_at, expires_at, two_factor_at, password_at, factor_at)
        VALUES (@id_hash, @user_id, @csrf, @created_at, @expires_at, @two_factor_at, @password_at, @factor_at)
        """, SessionRow.Of(session));
    public async Task<UserSession?> SessionAsync(string idHash) => (await _database.QuerySingleAsync<SessionRow>("SELECT * FROM sessions WHERE id_hash = @idHash", new { idHash }))?.ToRecord();
    public Task DeleteSessionAsync(string idHash) => _database.ExecuteAsync("DELETE FROM sessions WHERE id_hash = @idHash", new { idHash });
    public Task SetSessionChallengeAsync(string idHash, string? challenge) => _database.ExecuteAsync("UPDATE sessions SET challenge = @challenge WHERE id_hash = @idHash", new { idHash, challenge });
    public Task<int> DeleteUserSessionsAsync(string userId) => _database.ExecuteAsync("DELETE FROM sessions WHERE user_id = @userId", new { userId });
    public Task<int> DeleteOtherSessionsAsync(string userId, string keepIdHash) =>
        _database.ExecuteAsync("DELETE FROM sessions WHERE user_id = @userId AND id_hash <> @keepIdHash", new { userId, keepIdHash });
    public Task MarkSessionPasswordAsync(string idHash, DateTimeOffset at) => _database.ExecuteAsync("UPDATE sessions SET password_at = @at WHERE id_hash = @idHash", new { idHash, at = Text(at) });

    /// <summary>
    /// Gives the session a new id as a second factor is verified: one UPDATE of the key, so a request still holding
    /// the old id finds nothing. Records the second step, the factor time, and ends any WebAuthn challenge.
    /// </summary>
    public async Task<bool> RotateSessionAfterFactorAsync(string idHash, string newIdHash, DateTimeOffset at) =>
        await _database.ExecuteAsync("UPDATE sessions SET id_hash = @newIdHash, two_factor_at = @at, factor_at = @at, challenge = NULL WHERE id_hash = @idHash",
            new { idHash, newIdHash, at = Text(at) }) == 1;

    // Login throttling: every counter is one conditional upsert, so parallel requests (or nodes) cannot overshoot it.

    /// <summary>
    /// Admits one more attempt under <paramref name="key"/> unless it is in back-off, counting it BEFORE the password or
    /// code is checked. The first <see cref="Backoff.FreeAttempts"/> in a row are free; each later one blocks the key
    /// twice as long as the one before, up to <see cref="Backoff.Longest"/>; a quiet <see cref="Backoff.ForgetAfter"/>
    /// forgets them. Returns the number of attempts counted, or null when blocked.
    /// </summary>
    public async Task<long?> TryAttemptAsync(string key, Backoff backoff, DateTimeOffset now)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        await using var c = Connect();
        await c.ExecuteAsync("DELETE FROM login_backoff WHERE key = @key AND last_failure_ms <= @forgetBefore AND blocked_until_ms <= @nowMs",
            new { key, nowMs, forgetBefore = nowMs - (long)backoff.ForgetAfter.TotalMilliseconds });
        return await c.QuerySingleOrDefaultAsync<long?>("""
            INSERT INTO login_backoff (key, failures, last_failure_ms, blocked_until_ms)
            VALUES (@key, 1, @nowMs, CASE WHEN 1 >= @free THEN @nowMs + @first ELSE 0 END)
            ON CONFLICT (key) DO UPDATE SET
                failures = login_backoff.failures + 1,
                last_failure_ms = @nowMs,
                blocked_until_ms = CASE
                    WHEN login_backoff.failures + 1 < @free THEN 0
                    WHEN login_backoff.failures + 1 - @free >= 30 OR (@first << CAST(login_backoff.failures + 1 - @free AS INTEGER)) >= @longest THEN @nowMs + @longest
                    ELSE @nowMs + (@first << CAST(login_backoff.failures + 1 - @free AS INTEGER)) END
            WHERE login_backoff.blocked_until_ms <= @nowMs
            RETURNING failures
            """, new
        {
            key, nowMs, free = backoff.FreeAttempts,
            first = (long)backoff.First.TotalMilliseconds, longest = (long)backoff.Longest.TotalMilliseconds,
        });
    }

    /// <summary>Ends the back-off of <paramref name="key"/>: the right password or code came.</summary>
    public Task ForgetAttemptsAsync(string key) => _database.ExecuteAsync("DELETE FROM login_backoff WHERE key = @key", new { key });

    /// <summary>
    /// Counts a sign-in attempt from <paramref name="address"/> (across usernames: credential stuffing) unless
    /// <paramref name="cap"/> attempts were already counted in its current window; false when refused.
    /// </summary>
    public async Task<bool> TryAddressAttemptAsync(string address, int cap, TimeSpan window, DateTimeOffset now)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        return await _database.QuerySingleAsync<long?>("""
            INSERT INTO address_failures (address, failures, window_start_ms) VALUES (@address, 1, @nowMs)
            ON CONFLICT (address) DO UPDATE SET
                failures = CASE WHEN address_failures.window_start_ms <= @windowStart THEN 1 ELSE address_failures.failures + 1 END,
                window_start_ms = CASE WHEN address_failures.window_start_ms <= @windowStart THEN @nowMs ELSE address_failures.window_start_ms END
            WHERE address_failures.window_start_ms <= @windowStart OR address_failures.failures < @cap
            RETURNING failures
            """, new { address, nowMs, cap, windowStart = nowMs - (long)window.TotalMilliseconds }) is not null;
    }

    /// <summary>Takes back an attempt counted by <see cref="TryAddressAttemptAsync"/> that succeeded: only failures count.</summary>
    public Task ReturnAddressAttemptAsync(string address) =>
        _database.ExecuteAsync("UPDATE address_failures SET failures = failures - 1 WHERE address = @address AND failures > 0", new { address });

    /// <summary>Deletes throttle rows untouched for <paramref name="olderThan"/>, so an attack's addresses do not pile up.</summary>
    public async Task PruneThrottleAsync(DateTimeOffset now, TimeSpan olderThan)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        var before = nowMs - (long)olderThan.TotalMilliseconds;
        await using var c = Connect();
        await c.ExecuteAsync("DELETE FROM login_backoff WHERE last_failure_ms <= @before AND blocked_until_ms <= @nowMs", new { before, nowMs });
        await c.ExecuteAsync("DELETE FROM address_failures WHERE window_start_ms <= @before", new { before });
    }

    // Roles and project settings
    public Task SetRoleAsync(string project, string userId, string role) => _database.ExecuteAsync(
        "INSERT INTO project_roles (project, user_id, role) VALUES (@project, @userId, @role) ON CONFLICT (project, user_id) DO UPDATE SET role = excluded.role",
        new { project, userId, role });
    public async Task<bool> RemoveRoleAsync(string project, string userId) => await _database.ExecuteAsync("DELETE FROM project_roles WHERE project = @project AND user_id = @userId", new { project, userId }) > 0;
    /// <summary>
    /// The user's effective role on the project, the strongest of: a role given directly; the role of a team they are
    /// in, on a project its organisation owns; owner, when they own the organisation that owns the project. Every
    /// authorization decision about project roles reads this one query.
    /// </summary>
    public Task<string?> RoleAsync(string project, string userId) => _database.QuerySingleAsync<string>("""
        SELECT role FROM (
            SELECT role FROM project_roles WHERE project = @project AND user_id = @userId
            UNION ALL
            SELECT tr.role FROM team_roles tr
                JOIN project_organisations po ON po.project = tr.project AND po.organisation = tr.organisation
                JOIN team_members tm ON tm.organisation = tr.organisation AND tm.team = tr.team
                WHERE tr.project = @project AND tm.user_id = @userId
            UNION ALL
            SELECT 'owner' FROM project_organisations po
                JOIN organisation_members om ON om.organisation = po.organisation
                WHERE po.project = @project AND om.user_id = @userId AND om.role = 'owner'
        ) AS roles ORDER BY CASE role WHEN 'owner' THEN 0 ELSE 1 END LIMIT 1
        """, new { project, userId });
    public Task<IReadOnlyList<(string user_id, string role)>> RolesAsync(string project) => _database.QueryListAsync<(string, string)>("SELECT user_id, role FROM project_roles WHERE project = @project ORDER BY user_id", new { project });
    /// <summary>The projects a user has a role in, with the role, by name.</summary>
    public Task<IReadOnlyList<(string project, string role)>> UserRolesAsync(string userId) =>
        _database.QueryListAsync<(string, string)>("SELECT project, role FROM project_roles WHERE user_id = @userId ORDER BY project", new { userId });
    public async Task<bool> HasRolesAsync(string project) => await _database.QuerySingleAsync<long>("SELECT COUNT(*) FROM project_roles WHERE project = @project", new { project }) > 0;

    // Claims on new project names
    /// <summary>Records a pending claim unless the user already has one on the name (a refused claim stays refused); returns the claim.</summary>
    public async Task<ProjectClaim> ClaimAsync(string project, string userId, string? conflict, DateTimeOffset now)
    {
        await _database.ExecuteAsync("""
            INSERT INTO project_claims (project, user_id, requested_at, conflict, state) VALUES (@project, @userId, @now, @conflict, 'pending')
            ON CONFLICT (project, user_id) DO NOTHING
            """, new { project, userId, now = Text(now), conflict });
        return (await ClaimOfAsync(project, userId))!;
    }
    public async Task<ProjectClaim?> ClaimOfAsync(string project, string userId) =>
        (await _database.QuerySingleAsync<ClaimRow>("SELECT * FROM project_claims WHERE project = @project AND user_id = @userId", new { project, userId }))?.ToRecord();
    /// <summary>Claims in <paramref name="state"/> (all when null), oldest first.</summary>
    public async Task<IReadOnlyList<ProjectClaim>> ClaimsAsync(ClaimState? state) =>
        [.. (await _database.QueryListAsync<ClaimRow>("SELECT * FROM project_claims WHERE @state IS NULL OR state = @state ORDER BY requested_at, project, user_id",
            new { state = state is { } wanted ? ClaimStateNames.Of(wanted) : null })).Select(r => r.ToRecord())];
    /// <summary>Records an administrator's decision on a claim (creating the row when the admin grants a name nobody asked for yet).</summary>
    public Task DecideClaimAsync(string project, string userId, ClaimState decision, string by, string? reason, DateTimeOffset now) => _database.ExecuteAsync("""
        INSERT INTO project_claims (project, user_id, requested_at, state, decided_by, decided_at, reason) VALUES (@project, @userId, @now, @state, @by, @now, @reason)
        ON CONFLICT (project, user_id) DO UPDATE SET state = excluded.state, decided_by = excluded.decided_by, decided_at = excluded.decided_at, reason = excluded.reason
        """, new { project, userId, state = ClaimStateNames.Of(decision), by, reason, now = Text(now) });

    // Organisations and teams
    public async Task<bool> CreateOrganisationAsync(string name, string displayName, string ownerId, DateTimeOffset now)
    {
        await using var c = Connect();
        await using var t = await BeginWriteAsync(c);
        if (await c.ExecuteAsync("INSERT INTO organisations (name, display_name, created_at) VALUES (@name, @displayName, @now) ON CONFLICT (name) DO NOTHING",
                new { name, displayName, now = Text(now) }, t) == 0) return false;
        await c.ExecuteAsync("INSERT INTO organisation_members (organisation, user_id, role) VALUES (@name, @ownerId, 'owner')", new { name, ownerId }, t);
        await t.CommitAsync();
        return true;
    }

    public async Task<bool> OrganisationExistsAsync(string name) => await _database.QuerySingleAsync<long>("SELECT COUNT(*) FROM organisations WHERE name = @name", new { name }) > 0;
    public Task<string?> OrganisationRoleAsync(string organisation, string userId) =>
        _database.QuerySingleAsync<string>("SELECT role FROM organisation_members WHERE organisation = @organisation AND user_id = @userId", new { organisation, userId });
    public Task SetOrganisationMemberAsync(string organisation, string userId, string role) => _database.ExecuteAsync(
        "INSERT INTO organisation_members (organisation, user_id, role) VALUES (@organisation, @userId, @role) ON CONFLICT (organisation, user_id) DO UPDATE SET role = excluded.role",
        new { organisation, userId, role });
    public Task<IReadOnlyList<(string user_id, string role)>> OrganisationMembersAsync(string organisation) =>
        _database.QueryListAsync<(string, string)>("SELECT user_id, role FROM organisation_members WHERE organisation = @organisation ORDER BY user_id", new { organisation });

    /// <summary>Removes a member (and their team memberships) unless they are the last owner; false when refused or absent.</summary>
    public async Task<bool> RemoveOrganisationMemberAsync(string organisation, string userId)
    {
        await using var c = Connect();
        await using var t = await BeginWriteAsync(c);
        var owners = await c.QuerySingleAsync<long>("SELECT COUNT(*) FROM organisation_members WHERE organisation = @organisation AND role = 'owner' AND user_id <> @userId", new { organisation, userId }, t);
        if (owners == 0) return false;
        if (await c.ExecuteAsync("DELETE FROM organisation_members WHERE organisation = @organisation AND user_id = @userId", new { organisation, userId }, t) == 0) return false;
        await c.ExecuteAsync("DELETE FROM team_members WHERE organisation = @organisation AND user_id = @userId", new { organisation, userId }, t);
        await t.CommitAsync();
        return true;
    }

    public Task AddTeamAsync(string organisation, string team) =>
        _database.ExecuteAsync("INSERT INTO teams (organisation, name) VALUES (@organisation, @team) ON CONFLICT (organisation, name) DO NOTHING", new { organisation, team });
    public async Task<bool> TeamExistsAsync(string organisation, string team) =>
        await _database.QuerySingleAsync<long>("SELECT COUNT(*) FROM teams WHERE organisation = @organisation AND name = @team", new { organisation, team }) > 0;
    public Task<IReadOnlyList<string>> TeamsAsync(string organisation) => _database.QueryListAsync<string>("SELECT name FROM teams WHERE organisation = @organisation ORDER BY name", new { organisation });
    public Task AddTeamMemberAsync(string organisation, string team, string userId) => _database.ExecuteAsync(
        "INSERT INTO team_members (organisation, team, user_id) VALUES (@organisation, @team, @userId) ON CONFLICT (organisation, team, user_id) DO NOTHING", new { organisation, team, userId });
    public async Task<bool> RemoveTeamMemberAsync(string organisation, string team, string userId) =>
        await _database.ExecuteAsync("DELETE FROM team_members WHERE organisation = @organisation AND team = @team AND user_id = @userId", new { organisation, team, userId }) > 0;
    public Task<IReadOnlyList<string>> TeamMembersAsync(string organisation, string team) =>
        _database.QueryListAsync<string>("SELECT user_id FROM team_members WHERE organisation = @organisation AND team = @team ORDER BY user_id", new { organisation, team });
    public Task SetTeamRoleAsync(string organisation, string team, string project, string role) => _database.ExecuteAsync(
        "INSERT INTO team_roles (organisation, team, project, role) VALUES (@organisation, @team, @project, @role) ON CONFLICT (organisation, team, project) DO UPDATE SET role = excluded.role",
        new { organisation, team, project, role });
    public async Task<bool> RemoveTeamRoleAsync(string organisation, string team, string project) =>
        await _database.ExecuteAsync("DELETE FROM team_roles WHERE organisation = @organisation AND team = @team AND project = @project", new { organisation, team, project }) > 0;
    public Task<IReadOnlyList<(string project, string role)>> TeamRolesAsync(string organisation, string team) =>
        _database.QueryListAsync<(string, string)>("SELECT project, role FROM team_roles WHERE organisation = @organisation AND team = @team ORDER BY project", new { organisation, team });

    public Task<string?> ProjectOrganisationAsync(string project) => _database.QuerySingleAsync<string>("SELECT organisation FROM project_organisations WHERE project = @project", new { project });
    public Task SetProjectOrganisationAsync(string project, string organisation) => _database.ExecuteAsync(
        "INSERT INTO project_organisations (project, organisation) VALUES (@project, @organisation) ON CONFLICT (project) DO UPDATE SET organisation = excluded.organisation",
        new { project, organisation });
    public Task<IReadOnlyList<string>> OrganisationProjectsAsync(string organisation) =>
        _database.QueryListAsync<string>("SELECT project FROM project_organisations WHERE organisation = @organisation ORDER BY project", new { organisation });

    public Task SetCriticalAsync(string project, bool critical) => _database.ExecuteAsync(
        "INSERT INTO project_settings (project, critical) VALUES (@project, @c) ON CONFLICT (project) DO UPDATE SET critical = excluded.critical", new { project, c = critical ? 1 : 0 });
    public Task SetApprovalRequiredAsync(string project, bool required) => _database.ExecuteAsync(
        "INSERT INTO project_settings (project, critical, approval_required) VALUES (@project, 0, @a) ON CONFLICT (project) DO UPDATE SET approval_required = excluded.approval_required",
        new { project, a = required ? 1 : 0 });
    /// <summary>A project's provenance settings: its attestation requirement (null: the index's) and whether continuity is enforced.</summary>
    public async Task<(string? Attestations, bool Continuity)> ProvenanceSettingsAsync(string project)
    {
        var row = await _database.QuerySingleAsync<ProvenanceSettingsRow>("SELECT attestations, provenance_continuity FROM project_settings WHERE project = @project", new { project });
        return row is null ? (null, true) : (row.attestations, row.provenance_continuity != 0);
    }

    public Task SetProvenanceSettingsAsync(string project, string? attestations, bool continuity) => _database.ExecuteAsync(
        "INSERT INTO project_settings (project, critical, attestations, provenance_continuity) VALUES (@project, 0, @attestations, @continuity) " +
        "ON CONFLICT (project) DO UPDATE SET attestations = excluded.attestations, provenance_continuity = excluded.provenance_continuity",
        new { project, attestations, continuity = continuity ? 1 : 0 });

    private sealed class ProvenanceSettingsRow
    {
        public string? attestations { get; set; }
        public long provenance_continuity { get; set; }
    }

    public async Task<bool> ApprovalRequiredAsync(string project) => await _database.QuerySingleAsync<long?>("SELECT approval_required FROM project_settings WHERE project = @project", new { project }) == 1;
    public async Task<bool> IsCriticalAsync(string project) => await _database.QuerySingleAsync<long?>("SELECT critical FROM project_settings WHERE project = @project", new { project }) == 1;

    // Tokens
    public Task CreateMacaroonAsync(ApiToken token) => _database.ExecuteAsync("""
        INSERT INTO macaroons (id, user_id, key, is_admin, description, caveats, publisher_id, created_at, parent_id)
        VALUES (@id, @user_id, @key, @is_admin, @description, @caveats, @publisher_id, @created_at, @parent_id)
        """, MacaroonRow.Of(token));
    public async Task<ApiToken?> MacaroonAsync(string id) => (await _database.QuerySingleAsync<MacaroonRow>("SELECT * FROM macaroons WHERE id = @id", new { id }))?.ToRecord();
    public async Task<IReadOnlyList<ApiToken>> UserMacaroonsAsync(string userId) =>
        [.. (await _database.QueryListAsync<MacaroonRow>("SELECT * FROM macaroons WHERE user_id = @userId ORDER BY created_at", new { userId })).Select(r => r.ToRecord())];
    public Task TouchMacaroonAsync(string id, DateTimeOffset at) => _database.ExecuteAsync("UPDATE macaroons SET last_used_at = @at WHERE id = @id", new { id, at = Text(at) });
    /// <summary>Revokes every live token of the user (a disabled account's tokens never come back); returns how many.</summary>
    public Task<int> RevokeUserMacaroonsAsync(string userId, DateTimeOffset at) =>
        _database.ExecuteAsync("UPDATE macaroons SET revoked_at = @at WHERE user_id = @userId AND revoked_at IS NULL", new { userId, at = Text(at) });
    public async Task<bool> RevokeMacaroonAsync(string id, DateTimeOffset at) =>
        await _database.ExecuteAsync("UPDATE macaroons SET revoked_at = @at WHERE id = @id AND revoked_at IS NULL", new { id, at = Text(at) }) == 1;

    // Publishers
    public Task AddPublisherAsync(TrustedPublisher publisher) => _database.ExecuteAsync("""
        INSERT INTO publishers (id, project, pending_project, kind, repository, owner_id, workflow, environment, created_by, created_at)
        VALUES (@id, @project, @pending_project, @kind, @repository, @owner_id, @workflow, @environment, @created_by, @created_at)
        """, PublisherRow.Of(publisher));
    /// <summary>
    /// Adds a pending publisher unless one for the same CI identity — kind, owner id, repository and workflow, pending
    /// or active, whatever its environment — exists. One statement, so two racing registrations cannot both get in.
    /// </summary>
    public async Task<bool> AddPendingPublisherAsync(TrustedPublisher publisher) => await _database.ExecuteAsync("""
        INSERT INTO publishers (id, project, pending_project, kind, repository, owner_id, workflow, environment, created_by, created_at)
        SELECT @id, NULL, @pending_project, @kind, @repository, @owner_id, @workflow, @environment, @created_by, @created_at
        WHERE NOT EXISTS (SELECT 1 FROM publishers WHERE kind = @kind AND owner_id = @owner_id AND LOWER(repository) = LOWER(@repository) AND LOWER(workflow) = LOWER(@workflow))
        """, PublisherRow.Of(publisher)) == 1;
    /// <summary>The publishers registered for the same CI identity as <paramref name="publisher"/> (see <see cref="AddPendingPublisherAsync"/>).</summary>
    public Task<IReadOnlyList<TrustedPublisher>> SameIdentityPublishersAsync(TrustedPublisher publisher) => PublishersWhereAsync("""
         WHERE p.kind = @kind AND p.owner_id = @owner_id AND LOWER(p.repository) = LOWER(@repository) AND LOWER(p.workflow) = LOWER(@workflow) ORDER BY p.created_at, p.id
        """, PublisherRow.Of(publisher));
    public Task<IReadOnlyList<TrustedPublisher>> PublishersAsync(string kind, string repository) => PublishersWhereAsync(
        " WHERE p.kind = @kind AND LOWER(p.repository) = @repository ORDER BY p.created_at, p.id", new { kind, repository = repository.ToLowerInvariant() });
    public async Task<TrustedPublisher?> PublisherAsync(string id) => (await PublishersWhereAsync(" WHERE p.id = @id", new { id })).SingleOrDefault();
    public Task<IReadOnlyList<TrustedPublisher>> ProjectPublishersAsync(string project) =>
        PublishersWhereAsync(" WHERE p.project = @project ORDER BY p.created_at, p.id", new { project });
    public Task<IReadOnlyList<TrustedPublisher>> PendingPublishersAsync(string userId) =>
        PublishersWhereAsync(" WHERE p.pending_project IS NOT NULL AND p.created_by = @userId ORDER BY p.created_at", new { userId });
    private async Task<IReadOnlyList<TrustedPublisher>> PublishersWhereAsync(string where, object args) =>
        [.. (await _database.QueryListAsync<PublisherRow>(WithRegistrant + where, args)).Select(r => r.ToRecord())];
    private const string WithRegistrant = "SELECT p.*, COALESCE(u.username, d.username) AS registered_by FROM publishers p LEFT JOIN users u ON u.id = p.created_by LEFT JOIN deleted_usernames d ON d.user_id = p.created_by";
    public async Task<bool> RemovePendingPublisherAsync(string id, string userId) =>
        await _database.ExecuteAsync("DELETE FROM publishers WHERE id = @id AND pending_project IS NOT NULL AND created_by = @userId", new { id, userId }) == 1;
    public async Task<bool> RemovePublisherAsync(string id, string project) => await _database.ExecuteAsync("DELETE FROM publishers WHERE id = @id AND project = @project", new { id, project }) == 1;
    public Task ReifyPublisherAsync(string id, string project) => _database.ExecuteAsync("UPDATE publishers SET project = @project, pending_project = NULL WHERE id = @id", new { id, project });

    /// <summary>Records a JWT id; false when it was seen before (a replayed identity token).</summary>
    public async Task<bool> ClaimJtiAsync(string jti, DateTimeOffset expires)
    {
        await using var c = Connect();
        await c.ExecuteAsync("DELETE FROM oidc_jtis WHERE expires_at < @now", new { now = Text(_time.GetUtcNow().AddMinutes(-10)) });
        return await c.ExecuteAsync("INSERT INTO oidc_jtis (jti, expires_at) VALUES (@jti, @e) ON CONFLICT (jti) DO NOTHING", new { jti, e = Text(expires) }) == 1;
    }

    // Kill switches
    public async Task SetSwitchAsync(string name, bool enabled, string? reason)
    {
        await using var c = Connect();
        await using var t = await BeginWriteAsync(c);
        await c.ExecuteAsync(
            "INSERT INTO kill_switches (name, enabled, reason, changed_at) VALUES (@name, @e, @reason, @at) ON CONFLICT (name) DO UPDATE SET enabled = excluded.enabled, reason = excluded.reason, changed_at = excluded.changed_at",
            new { name, e = enabled ? 1 : 0, reason, at = Text(_time.GetUtcNow()) }, t);
        await _database.NotifyChangedAsync(c, t);
        await t.CommitAsync();
        Interlocked.Increment(ref _switchWrites);
    }

    private long _switchWrites;

    /// <summary>How many switch changes went through this store (this process): readers compare it to notice them at once.</summary>
    public long SwitchWrites => Interlocked.Read(ref _switchWrites);
    public async Task<IReadOnlyList<KillSwitchSetting>> SwitchesAsync() => [.. (await _database.QueryListAsync<SwitchRow>("SELECT * FROM kill_switches")).Select(r => r.ToRecord())];

    /// <summary>
    /// Changes whenever another process or node may have changed the switches (<see cref="Database.ChangeVersion"/>),
    /// so hot paths can cache what they read and still notice every change at once.
    /// </summary>
    public long DataVersion() => _database.ChangeVersion();

    // Security events: insert and select only.
    public Task AppendEventAsync(SecurityEvent e) => _database.ExecuteAsync(
        "INSERT INTO security_events (id, at, kind, user_id, project, ip, user_agent, details) VALUES (@Id, @at, @Kind, @UserId, @Project, @Ip, @UserAgent, @Details)",
        new { e.Id, at = Text(e.At), e.Kind, e.UserId, e.Project, e.Ip, e.UserAgent, e.Details });
    public async Task<IReadOnlyList<SecurityEvent>> EventsAsync(string? userId, string? project, int limit) => [.. (await _database.QueryListAsync<EventRow>(
        "SELECT * FROM security_events WHERE (@userId IS NULL OR user_id = @userId) AND (@project IS NULL OR project = @project) ORDER BY at DESC, id LIMIT @limit",
        new { userId, project, limit })).Select(r => r.ToRecord())];

    /// <summary>
    /// Replaces the account's e-mail address, unverified, and drops its pending verification links (a link mailed to
    /// the old address must not verify the new one); returns whether the user exists.
    /// </summary>
    public async Task<bool> ChangeEmailAsync(string userId, string email)
    {
        var changed = await _database.ExecuteAsync("UPDATE users SET email = @email, email_verified = 0 WHERE id = @userId", new { userId, email });
        await _database.ExecuteAsync("DELETE FROM email_verifications WHERE user_id = @userId", new { userId });
        return changed == 1;
    }
}
