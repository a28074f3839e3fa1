using System.Buffers.Text;
using System.Net.Mail;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Moat.Index.Accounts;
using Moat.Index.Auth;
using Moat.Index.Errors;
using Moat.Index.Mail;
using Moat.Index.Security;
using Moat.Index.Storage;
using Moat.Packaging;

namespace Moat.Index.AccountApi;

/// <summary>How much of a sign-in an operation needs: a session whose second factor may still be pending (only the
/// 2FA steps), a signed-in session (2FA done when the user has any), or security settings, which additionally need
/// the user to have 2FA at all.</summary>
public enum AccessLevel { TwoFactorPending, SignedIn, Security }

public sealed record LoginResult(UserAccount User, string Csrf, bool TwoFactorRequired);
public sealed record TotpEnrollment(string Secret, string ProvisioningUri);
public sealed record RegisteredKey(string CredentialId, string[]? RecoveryCodes);
public sealed record IssuedToken(ApiToken Token, string Secret, IReadOnlyList<string> Caveats);
public sealed record PublisherRequest(string? Kind, string? Repository, string? OwnerId, string? Workflow, string? Environment, string? ProjectName);

/// <summary>
/// Every account operation — registration, e-mail verification, login with lockout, second factors, recovery
/// codes, password change, API tokens, roles and trusted publishers — with its checks and its security event, in
/// one place. The JSON API (<see cref="AccountEndpoints"/>) and the web pages are two front ends over these
/// methods; neither re-implements a rule. A refusal is an <see cref="AccountRefusal"/> carrying its kind.
/// </summary>
public sealed class AccountService(AccountStore store, SecurityOptions options, Sessions sessions, LoginThrottle throttle, KillSwitches switches,
    AccountMail mail, SecurityEvents events, IMetadataStore metadata, TimeProvider time, Auth.NewProjects newProjects)
{
    public const int RecoveryCodeCount = 8;

    private DateTimeOffset Now => time.GetUtcNow();

    public TimeSpan ReauthenticateWithin => options.ReauthenticateWithin;

    /// <summary>Why <paramref name="signedIn"/> may not do something needing <paramref name="level"/>; null when it may.</summary>
    public static AccountRefusal? Check(SignedIn? signedIn, AccessLevel level)
    {
        if (signedIn is null) return new(IndexError.Unauthenticated, "Sign in first.");
        if (level != AccessLevel.TwoFactorPending && signedIn.HasTwoFactor && !signedIn.TwoFactorDone)
            return new(IndexError.Unauthenticated, "Finish signing in with your second factor (TOTP, security key or recovery code).");
        if (level == AccessLevel.Security && !signedIn.HasTwoFactor)
            return new(IndexError.Forbidden, "Changing security settings requires two-factor authentication: enable TOTP or a security key first.");
        return null;
    }

    // Registration and e-mail

    /// <summary>The reason sign-up is switched off, or null when new accounts are allowed.</summary>
    public Task<string?> RegistrationClosedAsync() => switches.BlocksAsync(SwitchNames.NoNewUsers);

    public async Task<UserAccount> RegisterAsync(string? username, string? email, string? password, HttpContext http)
    {
        if (await RegistrationClosedAsync() is { } off) throw new AccountRefusal(IndexError.Unavailable, off);
        username = username?.Trim().ToLowerInvariant() ?? "";
        if (username.Length is < 2 or > 50 || !username.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            throw new AccountRefusal(IndexError.Invalid, "Usernames are 2-50 characters: letters, digits, '-', '_' and '.'.");
        if (!MailAddress.TryCreate(email ?? "", out var address) || address.Address != email!.Trim()) throw new AccountRefusal(IndexError.Invalid, "A valid e-mail address is required.");
        if (Passwords.Weakness(password ?? "", username) is { } weak) throw new AccountRefusal(IndexError.Invalid, weak);
        var user = new UserAccount(Tokens.NewId(), username, address.Address, EmailVerified: false, Passwords.Hash(password!, options.PasswordIterations), Now,
            FailedLogins: 0, TotpSecret: null, TotpLastStep: 0, TotpPendingSecret: null, IsDisabled: false);
        if (!await store.CreateUserAsync(user)) throw new AccountRefusal(IndexError.Conflict, $"The username '{username}' is taken.");
        await SendVerificationAsync(user);
        await events.RecordAsync("account:created", http, user.Id);
        return user;
    }

    public async Task VerifyEmailAsync(string? token, HttpContext http)
    {
        var userId = await store.ConsumeEmailVerificationAsync(Sessions.Hash(token ?? ""), Now)
            ?? throw new AccountRefusal(IndexError.Invalid, "The verification token is unknown, used or expired.");
        await events.RecordAsync("account:email-verified", http, userId);
    }

    public async Task ResendVerificationAsync(SignedIn s, HttpContext http)
    {
        if (s.User.EmailVerified) throw new AccountRefusal(IndexError.Conflict, "The e-mail address is already verified.");
        await SendVerificationAsync(s.User);
        await events.RecordAsync("account:verification-sent", http, s.User.Id);
    }

    /// <summary>
    /// Changes the account's e-mail address after a recent re-authentication: the new address is unverified until its
    /// link is opened (uploads wait for it), the old address is told, and the change is a security event.
    /// </summary>
    public async Task<string> ChangeEmailAsync(SignedIn s, string? email, HttpContext http)
    {
        RequireRecentAuthentication(s);
        if (!MailAddress.TryCreate(email?.Trim() ?? "", out var address) || address.Address != email!.Trim()) throw new AccountRefusal(IndexError.Invalid, "A valid e-mail address is required.");
        if (string.Equals(address.Address, s.User.Email, StringComparison.OrdinalIgnoreCase)) throw new AccountRefusal(IndexError.Conflict, "That is already your e-mail address.");
        var old = s.User.Email;
        if (!await store.ChangeEmailAsync(s.User.Id, address.Address)) throw new AccountRefusal(IndexError.NotFound, "The account no longer exists.");
        var user = await store.UserByIdAsync(s.User.Id) ?? throw new AccountRefusal(IndexError.NotFound, "The account no longer exists.");
        await SendVerificationAsync(user);
        await mail.EmailChangedAsync(old, user);
        await events.RecordAsync("account:email-changed", http, user.Id, null, new { from = old, to = user.Email });
        return $"Your e-mail address is now {user.Email}. We sent a verification link there; {old} was told of the change.";
    }

    /// <summary>
    /// Deletes the signed-in account after a recent re-authentication and the username typed again as confirmation.
    /// Refused while the account is the only owner of a project or organisation (the refusal names them). The account's
    /// address is told, the deletion is a security event, and this browser's session cookie is cleared.
    /// </summary>
    public async Task<string> DeleteAccountAsync(SignedIn s, string? confirmUsername, HttpContext http)
    {
        RequireRecentAuthentication(s);
        if (!string.Equals(confirmUsername?.Trim(), s.User.Username, StringComparison.OrdinalIgnoreCase))
            throw new AccountRefusal(IndexError.Invalid, $"Type your username ({s.User.Username}) to confirm the deletion.");
        var blockers = await store.DeleteUserAsync(s.User.Id, Now) ?? throw new AccountRefusal(IndexError.NotFound, "The account no longer exists.");
        if (!blockers.None) throw new AccountRefusal(IndexError.Conflict, DeletionRefusal(blockers));
        await events.RecordAsync("account:deleted", http, s.User.Id, null, new { username = s.User.Username });
        await mail.AccountDeletedAsync(s.User);
        await sessions.EndAsync(http.Request, http.Response);
        return $"The account {s.User.Username} was deleted. Its username stays reserved.";
    }

    /// <summary>Why an account cannot be deleted yet, naming what it alone owns and what to do.</summary>
    public static string DeletionRefusal(DeletionBlockers blockers)
    {
        var owned = new List<string>();
        if (blockers.Projects.Count > 0) owned.Add((blockers.Projects.Count == 1 ? "project " : "projects ") + string.Join(", ", blockers.Projects));
        if (blockers.Organisations.Count > 0) owned.Add((blockers.Organisations.Count == 1 ? "organisation " : "organisations ") + string.Join(", ", blockers.Organisations));
        return $"You are the only owner of {string.Join(" and of ", owned)}: make someone else an owner (or move the project to an organisation) first.";
    }

    private async Task SendVerificationAsync(UserAccount user)
    {
        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        await store.AddEmailVerificationAsync(Sessions.Hash(token), user.Id, Now.AddDays(2));
        await mail.VerificationAsync(user, token);
    }

    // Password reset

    /// <summary>What every password-reset request is told, whether or not an account matched: the answer never says which.</summary>
    public const string ResetRequested = "If an account with that username or e-mail address exists, a link to reset its password is on its way to its e-mail address.";

    /// <summary>
    /// Mails a single-use reset link to the account named by <paramref name="usernameOrEmail"/> (to each account of an
    /// e-mail address). Answers the same way whether or not one exists; a disabled account gets nothing, and an account
    /// with <see cref="SecurityOptions.MaxLiveResets"/> unused links gets no more until one expires (no mail-bombing).
    /// Requests from one address are capped per window (<see cref="LoginThrottle.TryResetRequestAsync"/>).
    /// </summary>
    public async Task RequestPasswordResetAsync(string? usernameOrEmail, HttpContext http)
    {
        if (!await throttle.TryResetRequestAsync(AddressOf(http))) throw new AccountRefusal(IndexError.TooManyRequests, "Too many password-reset requests from this address; try again later.");
        var given = usernameOrEmail?.Trim() ?? "";
        if (given.Length == 0) throw new AccountRefusal(IndexError.Invalid, "Give your username or e-mail address.");
        IReadOnlyList<UserAccount> users = given.Contains('@') ? await store.UsersByEmailAsync(given) : await store.UserByNameAsync(given) is { } one ? [one] : [];
        foreach (var user in users.Where(u => !u.IsDisabled))
        {
            if (await store.LivePasswordResetsAsync(user.Id, Now) >= options.MaxLiveResets)
            {
                await events.RecordAsync("account:password-reset-throttled", http, user.Id);
                continue;
            }
            var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
            await store.AddPasswordResetAsync(Sessions.Hash(token), user.Id, Now, Now + options.PasswordResetLifetime);
            await events.RecordAsync("account:password-reset-requested", http, user.Id);
            await mail.PasswordResetLinkAsync(user, token, options.PasswordResetLifetime);
        }
    }

    /// <summary>Whether a reset link can still be used (the form says so before the user types a new password).</summary>
    public async Task<bool> PasswordResetUsableAsync(string? token) =>
        !string.IsNullOrEmpty(token) && await store.PasswordResetUserAsync(Sessions.Hash(token), Now) is not null;

    /// <summary>
    /// Sets a new password with a reset link: the link works once and within its lifetime, the password must pass the
    /// usual strength checks (a weak one leaves the link usable), and every session of the account ends.
    /// </summary>
    public async Task ResetPasswordAsync(string? token, string? replacement, HttpContext http)
    {
        var hash = Sessions.Hash(token ?? "");
        const string Unusable = "This reset link is unknown, used or expired: ask for a new one.";
        if (string.IsNullOrEmpty(token) || await store.PasswordResetUserAsync(hash, Now) is not { } userId || await store.UserByIdAsync(userId) is not { IsDisabled: false } user)
            throw new AccountRefusal(IndexError.Invalid, Unusable);
        if (Passwords.Weakness(replacement ?? "", user.Username) is { } weak) throw new AccountRefusal(IndexError.Invalid, weak);
        if (await store.CompletePasswordResetAsync(hash, user.Id, Passwords.Hash(replacement!, options.PasswordIterations)) is not { } ended)
            throw new AccountRefusal(IndexError.Invalid, Unusable);
        await sessions.EndAsync(http.Request, http.Response);
        await throttle.PasswordSucceededAsync(user.Id, AddressOf(http));
        await events.RecordAsync("account:password-reset", http, user.Id, details: new { sessions_ended = ended });
        await mail.PasswordResetAsync(user, ended);
    }

    // Login

    /// <summary>The one answer to every failed password step — wrong password, unknown or disabled user, or an
    /// account in back-off — so none of them can be told apart.</summary>
    public const string InvalidLogin = "Invalid username or password.";

    /// <summary>
    /// Checks the password and starts a session. Throttled per client address (across usernames) and, per account and
    /// address, with an exponential back-off. Every path does the same hash work and a refused attempt always gets
    /// <see cref="InvalidLogin"/> with 401: the answer never tells whether the user exists or is being throttled.
    /// </summary>
    public async Task<LoginResult> LoginAsync(string? username, string? password, HttpContext http)
    {
        var address = AddressOf(http);
        if (!await throttle.TryAddressAttemptAsync(address)) throw new AccountRefusal(IndexError.TooManyRequests, "Too many failed logins from this address; try again later.");
        var user = await store.UserByNameAsync(username?.Trim() ?? "");
        var admitted = user is not null && await throttle.TryPasswordAttemptAsync(user.Id, address);
        var matches = Passwords.Verify(password ?? "", user?.PasswordHash ?? DummyHash(), out var rehash, options.PasswordIterations);
        if (user is null || !admitted || !matches || user.IsDisabled)
        {
            if (user is not null)
            {
                var failures = await store.CountLoginFailureAsync(user.Id);
                await events.RecordAsync("login:failed", http, user.Id, details: admitted ? new { failures, throttled = false } : new { failures, throttled = true });
            }
            throw new AccountRefusal(IndexError.Unauthenticated, InvalidLogin);
        }
        await throttle.PasswordSucceededAsync(user.Id, address);
        await throttle.AddressSucceededAsync(address);
        await store.ResetLoginFailuresAsync(user.Id);
        if (rehash) await store.SetPasswordHashAsync(user.Id, Passwords.Hash(password!, options.PasswordIterations));
        var hasTwoFactor = user.TotpSecret is not null || (await store.CredentialsAsync(user.Id)).Count > 0;
        var csrf = await sessions.StartAsync(http, user, twoFactorDone: !hasTwoFactor);
        await events.RecordAsync(hasTwoFactor ? "login:password" : "login", http, user.Id);
        return new LoginResult(user, csrf, hasTwoFactor);
    }

    private static string AddressOf(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    private string? _dummyHash;
    private string DummyHash() => _dummyHash ??= Passwords.Hash(Guid.NewGuid().ToString(), options.PasswordIterations);

    // Re-authentication ("sudo mode"): security changes need proof from THIS session, recently.

    /// <summary>
    /// Refuses (403, <see cref="AccountRefusal.Reauthenticate"/>) unless this session verified a second factor within
    /// <see cref="SecurityOptions.ReauthenticateWithin"/> — or, for an account without one, the password. A session
    /// opened with the password before a factor was enrolled therefore cannot change anything until it passes the factor.
    /// </summary>
    public void RequireRecentAuthentication(SignedIn s)
    {
        var since = Now - options.ReauthenticateWithin;
        bool Recent(DateTimeOffset? at) => at > since;
        if (s.HasTwoFactor ? Recent(s.Session.FactorAt) : Recent(s.Session.FactorAt) || Recent(s.Session.PasswordAt)) return;
        throw new AccountRefusal(IndexError.Forbidden, s.HasTwoFactor
            ? "Confirm it's you first: this change needs your second factor again (POST /_/account/reauth with a TOTP code or recovery_code, or a security key via /_/account/2fa/webauthn/assert/begin and /finish; in the browser, /account/reauth). Then retry."
            : "Confirm it's you first: this change needs your password again (POST /_/account/reauth with your password; in the browser, /account/reauth). Then retry.",
            reauthenticate: true);
    }

    /// <summary>
    /// Re-authenticates the session: with a TOTP or recovery code when the account has a second factor (a security key
    /// goes through the WebAuthn assertion endpoints), else with the password. Failures count like sign-in failures.
    /// </summary>
    public async Task ReauthenticateAsync(SignedIn s, string? password, string? code, string? recoveryCode, HttpContext http)
    {
        if (s.HasTwoFactor)
        {
            if (!string.IsNullOrEmpty(code)) await VerifyTotpAsync(s, code, http);
            else if (!string.IsNullOrEmpty(recoveryCode)) await UseRecoveryCodeAsync(s, recoveryCode, http);
            else throw new AccountRefusal(IndexError.Invalid, "Your account has a second factor: confirm with code (TOTP), recovery_code, or a security key — a password is not enough.");
            await events.RecordAsync("account:reauthenticated", http, s.User.Id, details: new { with = string.IsNullOrEmpty(code) ? "recovery-code" : "totp" });
            return;
        }
        if (string.IsNullOrEmpty(password)) throw new AccountRefusal(IndexError.Invalid, "Confirm with your password.");
        var address = AddressOf(http);
        var admitted = await throttle.TryPasswordAttemptAsync(s.User.Id, address);
        var matches = Passwords.Verify(password, s.User.PasswordHash, out _, options.PasswordIterations);
        if (!admitted || !matches)
        {
            var failures = await store.CountLoginFailureAsync(s.User.Id);
            await events.RecordAsync("account:reauthentication-failed", http, s.User.Id, details: new { failures, throttled = !admitted });
            throw new AccountRefusal(IndexError.Unauthenticated, admitted ? "The password is wrong." : "Too many wrong passwords: wait a little and try again.");
        }
        await throttle.PasswordSucceededAsync(s.User.Id, address);
        await store.MarkSessionPasswordAsync(s.Session.IdHash, Now);
        await events.RecordAsync("account:reauthenticated", http, s.User.Id, details: new { with = "password" });
    }

    /// <summary>The second factor passed: the back-off ends and the session, now trusted more, gets a new id.</summary>
    private async Task SecondFactorPassedAsync(SignedIn s, HttpContext http)
    {
        await throttle.SecondFactorSucceededAsync(s.User.Id);
        await store.ResetLoginFailuresAsync(s.User.Id);
        await sessions.SecondFactorVerifiedAsync(http.Response, s.Session);
    }

    /// <summary>Counts a wrong second factor: the per-account back-off is already advanced by <see cref="AdmitSecondFactorAsync"/>.</summary>
    private async Task SecondFactorFailedAsync(SignedIn s, HttpContext http, object details)
    {
        await store.CountLoginFailureAsync(s.User.Id);
        await events.RecordAsync("2fa:failed", http, s.User.Id, details: details);
    }

    private async Task AdmitSecondFactorAsync(SignedIn s)
    {
        if (!await throttle.TrySecondFactorAttemptAsync(s.User.Id))
            throw new AccountRefusal(IndexError.TooManyRequests, "Too many wrong second-factor attempts: wait a little and try again.");
    }

    /// <summary>A new factor was enrolled: every other session of the user ends (one opened before it was there may be someone else's).</summary>
    private async Task FactorEnrolledAsync(SignedIn s, HttpContext http)
    {
        var idHash = await sessions.SecondFactorVerifiedAsync(http.Response, s.Session);
        var ended = await store.DeleteOtherSessionsAsync(s.User.Id, idHash);
        if (ended > 0) await events.RecordAsync("account:sessions-ended", http, s.User.Id, details: new { sessions = ended, reason = "second factor enrolled" });
    }

    /// <summary>Changes the password after checking the current one; every other session of the user ends, and this browser gets a fresh one.</summary>
    public async Task<string> ChangePasswordAsync(SignedIn s, string? current, string? replacement, HttpContext http)
    {
        // Without a second factor the current password is the re-authentication; with one, the factor must be recent too.
        if (s.HasTwoFactor) RequireRecentAuthentication(s);
        // A session must not become a way around the sign-in back-off: wrong current passwords count the same.
        var address = AddressOf(http);
        var admitted = await throttle.TryPasswordAttemptAsync(s.User.Id, address);
        if (!Passwords.Verify(current ?? "", s.User.PasswordHash, out _, options.PasswordIterations) || !admitted)
        {
            await store.CountLoginFailureAsync(s.User.Id);
            await events.RecordAsync("account:password-change-failed", http, s.User.Id, details: new { throttled = !admitted });
            throw new AccountRefusal(IndexError.Invalid, admitted ? "The current password is wrong." : "Too many wrong passwords: wait a little and try again.");
        }
        await throttle.PasswordSucceededAsync(s.User.Id, address);
        if (Passwords.Weakness(replacement ?? "", s.User.Username) is { } weak) throw new AccountRefusal(IndexError.Invalid, weak);
        if (replacement == current) throw new AccountRefusal(IndexError.Invalid, "The new password must differ from the current one.");
        await store.SetPasswordHashAsync(s.User.Id, Passwords.Hash(replacement!, options.PasswordIterations));
        await store.DeleteUserSessionsAsync(s.User.Id);
        var csrf = await sessions.StartAsync(http, s.User, twoFactorDone: true, factorAt: s.Session.FactorAt);
        await store.DeletePasswordResetsAsync(s.User.Id);
        await events.RecordAsync("account:password-changed", http, s.User.Id);
        await mail.PasswordChangedAsync(s.User);
        return csrf;
    }

    // TOTP

    /// <summary>Starts TOTP enrolment: a pending secret, enabled only once a first code confirms it.</summary>
    public async Task<TotpEnrollment> BeginTotpAsync(SignedIn s)
    {
        RequireRecentAuthentication(s);
        if (s.User.TotpSecret is not null) throw new AccountRefusal(IndexError.Conflict, "TOTP is already enabled.");
        var key = Totp.NewKey();
        await store.SetPendingTotpAsync(s.User.Id, Base32.Encode(key));
        return Enrollment(s.User.Username, key);
    }

    /// <summary>The enrolment begun and not yet confirmed, to show again (its QR code), or null.</summary>
    public static TotpEnrollment? PendingTotp(UserAccount user) =>
        user.TotpSecret is null && user.TotpPendingSecret is { } pending && Base32.Decode(pending) is { } key ? Enrollment(user.Username, key) : null;

    private static TotpEnrollment Enrollment(string username, byte[] key) => new(Base32.Encode(key), Totp.ProvisioningUri(key, username, "Moat"));

    /// <summary>Confirms enrolment with a first code; returns the new recovery codes (shown once).</summary>
    public async Task<string[]> ConfirmTotpAsync(SignedIn s, string? code, HttpContext http)
    {
        RequireRecentAuthentication(s);
        if (s.User.TotpPendingSecret is not { } pending || Base32.Decode(pending) is not { } key) throw new AccountRefusal(IndexError.Conflict, "Begin TOTP enrolment first.");
        if (Totp.Match(key, code ?? "", Now) is not { } step) throw new AccountRefusal(IndexError.Invalid, "The code does not match: check the authenticator's clock.");
        await store.EnableTotpAsync(s.User.Id, pending, step);
        var codes = await NewRecoveryCodesAsync(s.User.Id);
        await events.RecordAsync("2fa:totp-added", http, s.User.Id);
        await FactorEnrolledAsync(s, http);
        await mail.TwoFactorAddedAsync(s.User, "An authenticator app (TOTP)");
        return codes;
    }

    /// <summary>The second login step (or a re-authentication) with a TOTP code: single use per time step; failures back off per account.</summary>
    public async Task VerifyTotpAsync(SignedIn s, string? code, HttpContext http)
    {
        if (s.User.TotpSecret is null || Base32.Decode(s.User.TotpSecret) is not { } key) throw new AccountRefusal(IndexError.Conflict, "TOTP is not enabled.");
        await AdmitSecondFactorAsync(s);
        if (Totp.Match(key, code ?? "", Now) is not { } step || !await store.ConsumeTotpStepAsync(s.User.Id, step))
        {
            await SecondFactorFailedAsync(s, http, new { method = "totp" });
            throw new AccountRefusal(IndexError.Unauthenticated, "The code is wrong or was already used.");
        }
        await SecondFactorPassedAsync(s, http);
        await events.RecordAsync("login:2fa", http, s.User.Id, details: new { method = "totp" });
    }

    public async Task RemoveTotpAsync(SignedIn s, HttpContext http)
    {
        RequireRecentAuthentication(s);
        if (s.User.TotpSecret is null) throw new AccountRefusal(IndexError.Conflict, "TOTP is not enabled.");
        await store.DisableTotpAsync(s.User.Id);
        await events.RecordAsync("2fa:totp-removed", http, s.User.Id);
        await mail.TwoFactorRemovedAsync(s.User, "The authenticator app (TOTP)");
    }

    // Recovery codes

    public async Task UseRecoveryCodeAsync(SignedIn s, string? code, HttpContext http)
    {
        await AdmitSecondFactorAsync(s);
        if (!await store.UseRecoveryCodeAsync(s.User.Id, Sessions.Hash(NormalizeRecovery(code)), Now))
        {
            await SecondFactorFailedAsync(s, http, new { method = "recovery-code" });
            throw new AccountRefusal(IndexError.Unauthenticated, "The recovery code is wrong or was already used.");
        }
        await SecondFactorPassedAsync(s, http);
        await events.RecordAsync("login:recovery-code", http, s.User.Id);
    }

    public async Task<string[]> RegenerateRecoveryCodesAsync(SignedIn s, HttpContext http)
    {
        RequireRecentAuthentication(s);
        var codes = await NewRecoveryCodesAsync(s.User.Id);
        await events.RecordAsync("2fa:recovery-codes-regenerated", http, s.User.Id);
        return codes;
    }

    private async Task<string[]> NewRecoveryCodesAsync(string userId)
    {
        var codes = Enumerable.Range(0, RecoveryCodeCount).Select(_ => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))).ToArray();
        await store.ReplaceRecoveryCodesAsync(userId, codes.Select(Sessions.Hash));
        return codes;
    }

    private static string NormalizeRecovery(string? code) =>
        (code ?? "").Trim().Replace("-", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();

    // WebAuthn: the challenge lives in the session row (one outstanding ceremony per session).

    /// <summary>The options for <c>navigator.credentials.create()</c>, binary fields as base64url.</summary>
    public async Task<KeyCreationOptions> BeginKeyRegistrationAsync(SignedIn s)
    {
        RequireRecentAuthentication(s);
        var challenge = WebAuthn.NewChallenge();
        await store.SetSessionChallengeAsync(s.Session.IdHash, "create:" + challenge);
        var existing = await store.CredentialsAsync(s.User.Id);
        return new KeyCreationOptions(
            challenge, new RelyingParty(options.EffectiveRpId, "Moat"),
            new KeyUser(Base64Url.EncodeToString(Encoding.UTF8.GetBytes(s.User.Id)), s.User.Username, s.User.Username),
            [new KeyAlgorithm("public-key", -7), new KeyAlgorithm("public-key", -257)],
            [.. existing.Select(c => new KeyDescriptor("public-key", c.Id))],
            Attestation: "none", new KeySelection(UserVerification: "preferred"));
    }

    /// <summary>Verifies the authenticator's registration and stores the key; the first second factor also gets recovery codes.</summary>
    public async Task<RegisteredKey> FinishKeyRegistrationAsync(SignedIn s, string? clientDataJson, string? attestationObject, string? name, HttpContext http)
    {
        RequireRecentAuthentication(s);
        if (s.Session.Challenge is not { } c || !c.StartsWith("create:", StringComparison.Ordinal)) throw new AccountRefusal(IndexError.Conflict, "Begin the registration first.");
        await store.SetSessionChallengeAsync(s.Session.IdHash, null); // one attempt per challenge
        RegisteredCredential credential;
        try
        {
            credential = WebAuthn.VerifyRegistration(Bytes(clientDataJson), Bytes(attestationObject), c["create:".Length..], options.Origin.TrimEnd('/'), options.EffectiveRpId);
        }
        catch (WebAuthnException ex)
        {
            throw new AccountRefusal(IndexError.Invalid, ex.Message);
        }
        var id = Base64Url.EncodeToString(credential.Id);
        if (await store.CredentialAsync(id) is not null) throw new AccountRefusal(IndexError.Conflict, "This security key is already registered.");
        var label = string.IsNullOrWhiteSpace(name) ? "security key" : name.Trim();
        await store.AddCredentialAsync(new SecurityKey(
            id, s.User.Id, Convert.ToBase64String(credential.CosePublicKey), credential.SignCount, label.Length > 100 ? label[..100] : label, Now));
        var codes = s.HasTwoFactor ? null : await NewRecoveryCodesAsync(s.User.Id);
        await events.RecordAsync("2fa:webauthn-added", http, s.User.Id, details: new { credential = id });
        await FactorEnrolledAsync(s, http);
        await mail.TwoFactorAddedAsync(s.User, $"A security key (\"{label}\")");
        return new RegisteredKey(id, codes);
    }

    /// <summary>The options for <c>navigator.credentials.get()</c> during the second login step.</summary>
    public async Task<KeyRequestOptions> BeginKeyAssertionAsync(SignedIn s)
    {
        var challenge = WebAuthn.NewChallenge();
        await store.SetSessionChallengeAsync(s.Session.IdHash, "get:" + challenge);
        var keys = await store.CredentialsAsync(s.User.Id);
        return new KeyRequestOptions(challenge, options.EffectiveRpId, [.. keys.Select(k => new KeyDescriptor("public-key", k.Id))], UserVerification: "preferred");
    }

    public async Task FinishKeyAssertionAsync(SignedIn s, string? credentialId, string? clientDataJson, string? authenticatorData, string? signature, HttpContext http)
    {
        if (s.Session.Challenge is not { } c || !c.StartsWith("get:", StringComparison.Ordinal)) throw new AccountRefusal(IndexError.Conflict, "Begin the assertion first.");
        await store.SetSessionChallengeAsync(s.Session.IdHash, null);
        await AdmitSecondFactorAsync(s);
        var credential = await store.CredentialAsync(credentialId ?? "");
        if (credential is null || credential.UserId != s.User.Id)
        {
            await SecondFactorFailedAsync(s, http, new { method = "webauthn", reason = "unknown key" });
            throw new AccountRefusal(IndexError.Unauthenticated, "Unknown security key.");
        }
        try
        {
            var count = WebAuthn.VerifyAssertion(Bytes(clientDataJson), Bytes(authenticatorData), Bytes(signature),
                Convert.FromBase64String(credential.PublicKey), (uint)credential.SignCount, c["get:".Length..], options.Origin.TrimEnd('/'), options.EffectiveRpId);
            if (!await store.AdvanceSignCountAsync(credential.Id, credential.SignCount, count)) throw new WebAuthnException("The assertion raced another one or came from a cloned key; try again.");
        }
        catch (WebAuthnException ex)
        {
            await SecondFactorFailedAsync(s, http, new { method = "webauthn", reason = ex.Message });
            throw new AccountRefusal(IndexError.Unauthenticated, ex.Message);
        }
        await SecondFactorPassedAsync(s, http);
        await events.RecordAsync("login:2fa", http, s.User.Id, details: new { method = "webauthn", credential = credential.Id });
    }

    public async Task RemoveKeyAsync(SignedIn s, string? credentialId, HttpContext http)
    {
        RequireRecentAuthentication(s);
        if (!await store.RemoveCredentialAsync(credentialId ?? "", s.User.Id)) throw new AccountRefusal(IndexError.NotFound, "No such security key on your account.");
        await events.RecordAsync("2fa:webauthn-removed", http, s.User.Id, details: new { credential = credentialId });
        await mail.TwoFactorRemovedAsync(s.User, $"A security key ({credentialId})");
    }

    private static byte[] Bytes(string? base64Url) => (Base64Url.IsValid(base64Url) ? Base64Url.DecodeFromChars(base64Url) : null) ?? throw new WebAuthnException("A field is not base64url.");

    // API tokens

    /// <summary>Issues a macaroon with the requested caveats (projects, expiry, not-before); the secret exists only in the return value.</summary>
    public async Task<IssuedToken> CreateTokenAsync(SignedIn s, string? description, IReadOnlyList<string>? projects, long? expiresInSeconds, long? notBefore, HttpContext http)
    {
        RequireRecentAuthentication(s);
        var caveats = new List<string>();
        if (projects is { Count: > 0 })
        {
            if (projects.FirstOrDefault(p => !ProjectName.IsValid(p)) is { } bad) throw new AccountRefusal(IndexError.Invalid, $"'{bad}' is not a valid project name.");
            caveats.Add(Macaroons.ProjectsCaveat(projects.Select(ProjectName.Normalize).Distinct()));
        }
        var longest = (long)options.MaxTokenLifetime.TotalSeconds;
        if (expiresInSeconds is { } seconds)
        {
            if (seconds <= 0 || seconds > longest) throw new AccountRefusal(IndexError.Invalid, $"expiresInSeconds must be between 1 and {longest} ({options.MaxTokenLifetime.TotalDays:0} days); leave it out for a token that does not expire.");
            caveats.Add(Macaroons.ExpiresCaveat(Now.AddSeconds(seconds)));
        }
        if (notBefore is { } nbf)
        {
            var latest = Now.ToUnixTimeSeconds() + longest;
            if (nbf <= 0 || nbf > latest) throw new AccountRefusal(IndexError.Invalid, $"notBefore must be a Unix time in seconds, at most {options.MaxTokenLifetime.TotalDays:0} days ahead.");
            if (expiresInSeconds is { } lifetime && nbf >= Now.ToUnixTimeSeconds() + lifetime) throw new AccountRefusal(IndexError.Invalid, "notBefore must come before the expiry.");
            caveats.Add(Macaroons.NotBeforeCaveat(DateTimeOffset.FromUnixTimeSeconds(nbf)));
        }
        var (row, secret) = await Tokens.IssueAsync(store, s.User.Id, false, description, caveats, null, Now);
        await events.RecordAsync("token:created", http, s.User.Id, details: new { token = row.Id, caveats });
        await mail.TokenCreatedAsync(s.User, row.Id, description, caveats);
        return new IssuedToken(row, secret, caveats);
    }

    public async Task RevokeTokenAsync(SignedIn s, string id, HttpContext http)
    {
        var token = await store.MacaroonAsync(id);
        if (token is null || token.UserId != s.User.Id || !await store.RevokeMacaroonAsync(id, Now)) throw new AccountRefusal(IndexError.NotFound, $"No live token {id} of yours.");
        await events.RecordAsync("token:revoked", http, s.User.Id, details: new { token = id });
    }

    // Project roles and trusted publishers: owners only.

    /// <summary>The project's normalized name when the user owns it; otherwise a 403 refusal saying what they tried.</summary>
    internal async Task<string> RequireOwnerAsync(SignedIn s, string project, string what)
    {
        var name = ProjectName.Normalize(project);
        if (await store.RoleAsync(name, s.User.Id) != "owner") throw new AccountRefusal(IndexError.Forbidden, $"Only an owner of '{name}' can {what}.");
        return name;
    }

    /// <summary>The project's normalized name when the user owns or maintains it; otherwise a 403 refusal.</summary>
    internal async Task<string> RequireMaintainerAsync(SignedIn s, string project, string what)
    {
        var name = ProjectName.Normalize(project);
        if (await store.RoleAsync(name, s.User.Id) is not ("owner" or "maintainer")) throw new AccountRefusal(IndexError.Forbidden, $"Only an owner or maintainer of '{name}' can {what}.");
        return name;
    }

    public async Task<string> SetRoleAsync(SignedIn s, string project, string? username, string? role, HttpContext http)
    {
        RequireRecentAuthentication(s);
        var name = await RequireOwnerAsync(s, project, "change its roles");
        if (role is not ("owner" or "maintainer")) throw new AccountRefusal(IndexError.Invalid, "role must be owner or maintainer.");
        var other = await store.UserByNameAsync(username ?? "") ?? throw new AccountRefusal(IndexError.NotFound, $"No user {username}.");
        await store.SetRoleAsync(name, other.Id, role);
        await events.RecordAsync("project:role-added", http, s.User.Id, name, new { user = other.Username, role });
        return $"{other.Username} is now {role} of {name}.";
    }

    public async Task<string> RemoveRoleAsync(SignedIn s, string project, string username, HttpContext http)
    {
        var name = await RequireOwnerAsync(s, project, "change its roles");
        var other = await store.UserByNameAsync(username);
        if (other is null || !await store.RemoveRoleAsync(name, other.Id)) throw new AccountRefusal(IndexError.NotFound, $"{username} has no role in {name}.");
        if ((await store.RolesAsync(name)).All(r => r.role != "owner"))
        {
            await store.SetRoleAsync(name, other.Id, "owner");
            throw new AccountRefusal(IndexError.Conflict, "A project keeps at least one owner.");
        }
        await events.RecordAsync("project:role-removed", http, s.User.Id, name, new { user = other.Username });
        return $"Removed {other.Username} from {name}.";
    }

    public async Task<TrustedPublisher> AddPublisherAsync(SignedIn s, string project, PublisherRequest body, HttpContext http)
    {
        RequireRecentAuthentication(s);
        var name = await RequireOwnerAsync(s, project, "add trusted publishers");
        if (ValidatePublisher(body) is { } invalid) throw new AccountRefusal(IndexError.Invalid, invalid);
        var row = NewPublisher(body, s.User.Id, name, null);
        await store.AddPublisherAsync(row);
        await events.RecordAsync("project:publisher-added", http, s.User.Id, name, new
        {
            publisher = row.Id, kind = row.Kind, repository = row.Repository, owner_id = row.OwnerId, workflow = row.Workflow, environment = row.Environment, registered_by = s.User.Username,
        });
        row = row with { RegisteredBy = s.User.Username };
        await mail.PublisherAddedAsync(name, row, s.User.Username);
        return row;
    }

    public async Task RemovePublisherAsync(SignedIn s, string project, string id, HttpContext http)
    {
        var name = await RequireOwnerAsync(s, project, "remove trusted publishers");
        if (!await store.RemovePublisherAsync(id, name)) throw new AccountRefusal(IndexError.NotFound, $"No publisher {id} on {name}.");
        await events.RecordAsync("project:publisher-removed", http, s.User.Id, name, new { publisher = id });
    }

    /// <summary>A publisher for a project that does not exist yet: its first trusted publish creates the project.</summary>
    public async Task<TrustedPublisher> AddPendingPublisherAsync(SignedIn s, PublisherRequest body, HttpContext http)
    {
        RequireRecentAuthentication(s);
        if (string.IsNullOrWhiteSpace(body.ProjectName) || !ProjectName.IsValid(body.ProjectName)) throw new AccountRefusal(IndexError.Invalid, "projectName must be a valid project name.");
        if (await switches.BlocksAsync(SwitchNames.NoNewProjects) is { } off) throw new AccountRefusal(IndexError.Unavailable, off);
        var name = NormalizedName.Of(body.ProjectName);
        if (await metadata.GetProjectAsync(name) is not null || await store.HasRolesAsync(name)) throw new AccountRefusal(IndexError.Conflict, $"The project '{name}' already exists: add the publisher to it instead.");
        if (ValidatePublisher(body) is { } invalid) throw new AccountRefusal(IndexError.Invalid, invalid);
        // A pending publisher creates its project on first use: the same rule as a first upload decides whether it may.
        if (await newProjects.ForUserAsync(name, s.User, http, default) is { Allowed: false } refused) throw new AccountRefusal(refused.Error!, refused.Message!);
        var row = NewPublisher(body, s.User.Id, null, name);
        // Anyone may register a pending publisher for any repository, so a second one for a CI identity already
        // registered is refused: it would compete for that workflow's token mint (first come keeps it; an admin
        // settles disputes from the events, which name both registrants).
        if (!await store.AddPendingPublisherAsync(row))
        {
            var existing = await store.SameIdentityPublishersAsync(row);
            await events.RecordAsync("account:pending-publisher-refused", http, s.User.Id, name, new
            {
                kind = row.Kind, repository = row.Repository, owner_id = row.OwnerId, workflow = row.Workflow, registered_by = s.User.Username,
                existing = existing.Select(e => new { publisher = e.Id, project = e.Project ?? e.PendingProject, pending = e.Project is null, registered_by = e.RegisteredBy }),
            });
            throw new AccountRefusal(IndexError.Conflict, $"A trusted publisher for {row.Kind}:{row.Repository} ({row.Workflow}) is already registered" +
                (existing.Any(e => e.CreatedBy == s.User.Id) ? " by you." : ": if that workflow is yours, ask an admin; a registration is never shared."));
        }
        await events.RecordAsync("account:pending-publisher-added", http, s.User.Id, name, new
        {
            publisher = row.Id, kind = row.Kind, repository = row.Repository, owner_id = row.OwnerId, workflow = row.Workflow, environment = row.Environment, registered_by = s.User.Username,
        });
        row = row with { RegisteredBy = s.User.Username };
        await mail.PendingPublisherAddedAsync(s.User, row);
        return row;
    }

    public async Task RemovePendingPublisherAsync(SignedIn s, string id, HttpContext http)
    {
        if (!await store.RemovePendingPublisherAsync(id, s.User.Id)) throw new AccountRefusal(IndexError.NotFound, $"No pending publisher {id} of yours.");
        await events.RecordAsync("account:pending-publisher-removed", http, s.User.Id, details: new { publisher = id });
    }

    private static string? ValidatePublisher(PublisherRequest body)
    {
        if (body.Kind is not ("github" or "gitlab")) return "kind must be github or gitlab.";
        if (string.IsNullOrWhiteSpace(body.Repository) || body.Repository.Count(c => c == '/') < 1) return "repository must be OWNER/NAME (GitLab: NAMESPACE/PROJECT).";
        if (string.IsNullOrWhiteSpace(body.OwnerId) || !body.OwnerId.All(char.IsAsciiDigit)) return "ownerId must be the numeric owner (GitHub) or namespace (GitLab) id: it survives renames.";
        if (string.IsNullOrWhiteSpace(body.Workflow) || (body.Kind == "github" && (body.Workflow.Contains('/') || !(body.Workflow.EndsWith(".yml") || body.Workflow.EndsWith(".yaml")))))
            return "workflow must be the workflow file name (GitHub: release.yml) or CI file path (GitLab).";
        return null;
    }

    private TrustedPublisher NewPublisher(PublisherRequest body, string userId, string? project, string? pending) => new(
        Tokens.NewId(), project, pending, body.Kind!, body.Repository!.Trim(), body.OwnerId!.Trim(), body.Workflow!.Trim(),
        (body.Environment ?? "").Trim().ToLowerInvariant(), userId, Now);

    /// <summary>The security history of a project, for its owners.</summary>
    public async Task<IReadOnlyList<SecurityEvent>> ProjectEventsAsync(SignedIn s, string project)
    {
        var name = await RequireOwnerAsync(s, project, "read its history");
        return await store.EventsAsync(null, name, 500);
    }
}
