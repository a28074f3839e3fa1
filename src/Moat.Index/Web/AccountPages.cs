using System.Collections.Frozen;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Moat.Index.Accounts;
using Moat.Index.Errors;
using Moat.Index.Publishing;
using Moat.Index.Web.Pages.Account;
using Moat.Index.AccountApi;

namespace Moat.Index.Web;

/// <summary>
/// The user's own account pages under <c>/account</c>: sign-up, e-mail verification, password reset, log-in with the
/// second step (TOTP, recovery code or security key), log-out, password change, two-factor settings, API tokens, trusted
/// publishers of the user's projects, and the security history. Every rule is <see cref="AccountService"/>'s (the
/// JSON API's too); this file only reads forms, calls it, and picks the page to render. POSTs follow
/// post-redirect-get with a fixed notice key (<c>?done=</c>), except where a secret is shown once (recovery codes, a
/// new token), which renders directly and is never stored.
/// </summary>
public static class AccountPages
{
    private static readonly FrozenDictionary<string, string> Notices = new Dictionary<string, string>
    {
        ["registered"] = "Account created. We sent a verification link to your e-mail address; sign in meanwhile.",
        ["verified"] = "Your e-mail address is verified.",
        ["verification-sent"] = "A new verification link is on its way to your e-mail address.",
        ["password-changed"] = "Password changed. Every other session was signed out.",
        ["password-reset"] = "Password reset: every session of the account was signed out. Sign in with the new password.",
        ["totp-removed"] = "The authenticator app (TOTP) was removed from your account.",
        ["key-added"] = "Security key added.",
        ["key-removed"] = "The security key was removed.",
        ["token-revoked"] = "The token was revoked: it no longer works anywhere.",
        ["publisher-added"] = "Trusted publisher added.",
        ["publisher-removed"] = "Trusted publisher removed.",
        ["pending-added"] = "Pending publisher added: the first trusted publish from it creates the project.",
        ["pending-removed"] = "Pending publisher removed.",
        ["account-deleted"] = "Your account was deleted. Its username stays reserved; a notice went to its e-mail address.",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static void Map(WebApplication app)
    {
        var web = WebPages.Group(app, "/account");

        // Sign-up and e-mail verification
        web.MapGet("/register", async (HttpContext http, AccountService accounts) =>
            WebPages.Render<RegisterPage>(new { Page = await PageContext.ForAsync(http), Closed = await accounts.RegistrationClosedAsync() }));
        web.MapPost("/register", (HttpContext http, AccountService accounts) => FormAsync(http, async form =>
        {
            var (username, email) = (form.Field("username"), form.Field("email"));
            try
            {
                await accounts.RegisterAsync(username, email, form.Fields["password"].ToString(), http);
                return Results.Redirect("/account/login?done=registered&username=" + Uri.EscapeDataString(username.ToLowerInvariant()));
            }
            catch (AccountRefusal refusal)
            {
                return WebPages.Render<RegisterPage>(new
                {
                    form.Page, Closed = await accounts.RegistrationClosedAsync(), Error = refusal.Message, Username = username, Email = email,
                }, FormStatus(refusal));
            }
        }));

        web.MapGet("/verify-email", async Task<IResult> (HttpContext http) =>
            WebPages.Render<VerifyEmailPage>(new { Page = await PageContext.ForAsync(http), Token = http.Request.Query["token"].ToString() }));
        web.MapPost("/verify-email", (HttpContext http, AccountService accounts) => FormAsync(http, async form =>
        {
            try
            {
                await accounts.VerifyEmailAsync(form.Field("token"), http);
                return Results.Redirect(form.Page.IsSignedIn ? "/account?done=verified" : "/account/login?done=verified");
            }
            catch (AccountRefusal refusal)
            {
                return WebPages.Render<VerifyEmailPage>(new { form.Page, Token = form.Field("token"), Error = refusal.Message }, FormStatus(refusal));
            }
        }));
        web.MapGet("/email", () => Results.Redirect("/account")); // where re-authentication returns to: the form is on the overview
        web.MapPost("/email", (HttpContext http, AccountService accounts, AccountStore store) => SignedInFormAsync(http, AccessLevel.SignedIn,
            async (form, s) => Flash.Redirect(http, "/account", new FlashMessage(await accounts.ChangeEmailAsync(s, form.Field("email"), http), false)),
            (page, s, refusal) => HomeAsync(page, s, store, null, refusal)));
        web.MapGet("/delete", () => Results.Redirect("/account#delete")); // where re-authentication returns to: the form is on the overview
        web.MapPost("/delete", (HttpContext http, AccountService accounts, AccountStore store) => SignedInFormAsync(http, AccessLevel.SignedIn,
            async (form, s) => { await accounts.DeleteAccountAsync(s, form.Field("confirm_username"), http); return Results.Redirect("/account/login?done=account-deleted"); },
            (page, s, refusal) => HomeAsync(page, s, store, null, refusal)));
        web.MapPost("/verify-email/resend", (HttpContext http, AccountService accounts, AccountStore store) => SignedInFormAsync(http, AccessLevel.SignedIn,
            async (form, s) => { await accounts.ResendVerificationAsync(s, http); return Results.Redirect("/account?done=verification-sent"); },
            (page, s, refusal) => HomeAsync(page, s, store, null, refusal)));

        // Password reset: the request page answers the same whatever was typed; the mailed link leads to the second form.
        web.MapGet("/password-reset", async Task<IResult> (HttpContext http) =>
            WebPages.Render<PasswordResetRequestPage>(new { Page = await PageContext.ForAsync(http) }));
        web.MapPost("/password-reset", (HttpContext http, AccountService accounts) => FormAsync(http, async form =>
        {
            try
            {
                await accounts.RequestPasswordResetAsync(form.Field("username_or_email"), http);
                return WebPages.Render<PasswordResetRequestPage>(new { form.Page, Notice = AccountService.ResetRequested });
            }
            catch (AccountRefusal refusal)
            {
                return WebPages.Render<PasswordResetRequestPage>(new { form.Page, Given = form.Field("username_or_email"), Error = refusal.Message }, FormStatus(refusal));
            }
        }));
        web.MapGet("/password-reset/complete", async Task<IResult> (HttpContext http, AccountService accounts) =>
        {
            var token = http.Request.Query["token"].ToString();
            var usable = await accounts.PasswordResetUsableAsync(token);
            return WebPages.Render<PasswordResetPage>(new
            {
                Page = await PageContext.ForAsync(http), Token = token, Usable = usable,
                Error = usable ? null : "This reset link is unknown, used or expired: ask for a new one.",
            });
        });
        web.MapPost("/password-reset/complete", (HttpContext http, AccountService accounts) => FormAsync(http, async form =>
        {
            var token = form.Field("token");
            try
            {
                if (form.Fields["new_password"].ToString() != form.Fields["confirm_password"].ToString())
                    throw new AccountRefusal(IndexError.Invalid, "The new password and its confirmation differ.");
                await accounts.ResetPasswordAsync(token, form.Fields["new_password"].ToString(), http);
                return Results.Redirect("/account/login?done=password-reset");
            }
            catch (AccountRefusal refusal)
            {
                return WebPages.Render<PasswordResetPage>(new { form.Page, Token = token, Usable = await accounts.PasswordResetUsableAsync(token), Error = refusal.Message }, FormStatus(refusal));
            }
        }));

        // Log-in, second factor, log-out
        web.MapGet("/login", async Task<IResult> (HttpContext http) =>
        {
            var page = await PageContext.ForAsync(http);
            var next = LocalPath(http.Request.Query["next"]);
            if (page.SignedIn is not null && !page.IsSignedIn) return Results.Redirect(SecondFactorUrl(next));
            if (page.IsSignedIn) return Results.Redirect(next);
            return WebPages.Render<LoginPage>(new { Page = page, Next = next, Username = http.Request.Query["username"].ToString(), Notice = Notice(http) });
        });
        web.MapPost("/login", (HttpContext http, AccountService accounts) => FormAsync(http, async form =>
        {
            var next = LocalPath(form.Field("next"));
            try
            {
                var login = await accounts.LoginAsync(form.Field("username"), form.Fields["password"].ToString(), http);
                return Results.Redirect(login.TwoFactorRequired ? SecondFactorUrl(next) : next);
            }
            catch (AccountRefusal refusal)
            {
                return WebPages.Render<LoginPage>(new { form.Page, Next = next, Username = form.Field("username"), Error = refusal.Message }, FormStatus(refusal));
            }
        }));

        web.MapGet("/login/second-factor", async (HttpContext http, AccountStore store) =>
        {
            var page = await PageContext.ForAsync(http);
            var next = LocalPath(http.Request.Query["next"]);
            if (page.SignedIn is null) return Results.Redirect("/account/login?next=" + Uri.EscapeDataString(next));
            if (page.IsSignedIn) return Results.Redirect(next);
            return await SecondFactorAsync(page, page.SignedIn, store, next, null, StatusCodes.Status200OK);
        });
        web.MapPost("/login/totp", (HttpContext http, AccountService accounts, AccountStore store) => SecondStepAsync(http, store,
            (form, s) => accounts.VerifyTotpAsync(s, form.Field("code"), http)));
        web.MapPost("/login/recovery", (HttpContext http, AccountService accounts, AccountStore store) => SecondStepAsync(http, store,
            (form, s) => accounts.UseRecoveryCodeAsync(s, form.Field("code"), http)));
        web.MapPost("/login/key", (HttpContext http, AccountStore store) => SecondStepAsync(http, store,
            (_, _) => throw new AccountRefusal(IndexError.Invalid, NeedsJavaScript)));

        // Re-authentication before security changes (the JSON API's /_/account/reauth): the second factor again, or
        // the password where the account has none. Refused changes come here and return to their page.
        web.MapGet("/reauth", (HttpContext http, AccountStore store, AccountService accounts) => SignedInPageAsync(http, (page, s) =>
            ReauthAsync(page, s, store, accounts, LocalPath(http.Request.Query["next"]), null)));
        web.MapPost("/reauth", (HttpContext http, AccountService accounts, AccountStore store) => FormAsync(http, async form =>
        {
            var next = LocalPath(form.Field("next"));
            if (!form.Page.IsSignedIn) return Results.Redirect("/account/login?next=" + Uri.EscapeDataString(next));
            var s = form.Page.SignedIn!;
            try
            {
                await accounts.ReauthenticateAsync(s, form.Fields["password"].ToString(), null, null, http);
                return Results.Redirect(next);
            }
            catch (AccountRefusal refusal)
            {
                return await ReauthAsync(form.Page, s, store, accounts, next, refusal);
            }
        }));

        web.MapPost("/logout", (HttpContext http, Sessions sessions) => FormAsync(http, async _ =>
        {
            await sessions.EndAsync(http.Request, http.Response);
            return Results.Redirect("/");
        }));

        // The account overview and password
        web.MapGet("", (HttpContext http, AccountStore store) => SignedInPageAsync(http, (page, s) => HomeAsync(page, s, store, Notice(http), null)));
        web.MapGet("/password", Task<IResult> (HttpContext http) => SignedInPageAsync(http, (page, _) => Task.FromResult(WebPages.Render<PasswordPage>(new { Page = page }))));
        web.MapPost("/password", (HttpContext http, AccountService accounts) => SignedInFormAsync(http, AccessLevel.SignedIn,
            async (form, s) =>
            {
                if (form.Fields["new_password"].ToString() != form.Fields["confirm_password"].ToString())
                    throw new AccountRefusal(IndexError.Invalid, "The new password and its confirmation differ.");
                await accounts.ChangePasswordAsync(s, form.Fields["current_password"].ToString(), form.Fields["new_password"].ToString(), http);
                return Results.Redirect("/account?done=password-changed");
            },
            (page, _, refusal) => Task.FromResult(WebPages.Render<PasswordPage>(new { Page = page, Error = refusal.Message }, FormStatus(refusal)))));

        // Two-factor settings
        web.MapGet("/security", (HttpContext http, AccountStore store) => SignedInPageAsync(http, (page, s) => SecurityAsync(page, s, store, Notice(http), null)));
        web.MapPost("/security/totp/begin", (HttpContext http, AccountService accounts, AccountStore store) => SignedInFormAsync(http, AccessLevel.SignedIn,
            async (_, s) => { await accounts.BeginTotpAsync(s); return Results.Redirect("/account/security#totp"); },
            (page, s, refusal) => SecurityAsync(page, s, store, null, refusal)));
        web.MapPost("/security/totp/confirm", (HttpContext http, AccountService accounts, AccountStore store) => SignedInFormAsync(http, AccessLevel.SignedIn,
            async (form, s) => RecoveryCodes(form.Page, await accounts.ConfirmTotpAsync(s, form.Field("code"), http), "Your authenticator app is set up."),
            (page, s, refusal) => SecurityAsync(page, s, store, null, refusal)));
        web.MapPost("/security/totp/remove", (HttpContext http, AccountService accounts, AccountStore store) => SignedInFormAsync(http, AccessLevel.Security,
            async (_, s) => { await accounts.RemoveTotpAsync(s, http); return Results.Redirect("/account/security?done=totp-removed"); },
            (page, s, refusal) => SecurityAsync(page, s, store, null, refusal)));
        web.MapPost("/security/recovery-codes", (HttpContext http, AccountService accounts, AccountStore store) => SignedInFormAsync(http, AccessLevel.Security,
            async (form, s) => RecoveryCodes(form.Page, await accounts.RegenerateRecoveryCodesAsync(s, http), "New recovery codes: the old ones no longer work."),
            (page, s, refusal) => SecurityAsync(page, s, store, null, refusal)));
        web.MapPost("/security/keys", (HttpContext http, AccountStore store) => SignedInFormAsync(http, AccessLevel.SignedIn,
            (_, _) => throw new AccountRefusal(IndexError.Invalid, NeedsJavaScript),
            (page, s, refusal) => SecurityAsync(page, s, store, null, refusal)));
        web.MapPost("/security/keys/{id}/remove", (string id, HttpContext http, AccountService accounts, AccountStore store) => SignedInFormAsync(http, AccessLevel.Security,
            async (_, s) => { await accounts.RemoveKeyAsync(s, id, http); return Results.Redirect("/account/security?done=key-removed"); },
            (page, s, refusal) => SecurityAsync(page, s, store, null, refusal)));

        // API tokens
        web.MapGet("/tokens", (HttpContext http, AccountStore store) => SignedInPageAsync(http, (page, s) => TokensAsync(page, s, store, Notice(http), null)));
        web.MapPost("/tokens", (HttpContext http, AccountService accounts, AccountStore store) => SignedInFormAsync(http, AccessLevel.Security,
            async (form, s) =>
            {
                var projects = form.Field("projects").Split([',', ' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries);
                var token = await accounts.CreateTokenAsync(s, NullIfEmpty(form.Field("description")), projects, TokenLifetimes.Seconds(form.Field("expires")), null, http);
                return WebPages.Render<TokenCreatedPage>(new { form.Page, Token = token });
            },
            (page, s, refusal) => TokensAsync(page, s, store, null, refusal)));
        web.MapPost("/tokens/{id}/revoke", (string id, HttpContext http, AccountService accounts, AccountStore store) => SignedInFormAsync(http, AccessLevel.Security,
            async (_, s) => { await accounts.RevokeTokenAsync(s, id, http); return Results.Redirect("/account/tokens?done=token-revoked"); },
            (page, s, refusal) => TokensAsync(page, s, store, null, refusal)));

        // Trusted publishers of the user's projects
        web.MapGet("/publishing", (HttpContext http, AccountStore store) => SignedInPageAsync(http, (page, s) => PublishingAsync(page, s, store, Notice(http), null)));
        web.MapPost("/publishing", (HttpContext http, AccountService accounts, AccountStore store, GitHubOwnerLookup github) => SignedInFormAsync(http, AccessLevel.Security,
            async (form, s) => { await accounts.AddPublisherAsync(s, form.Field("project"), await PublisherAsync(form, github, http.RequestAborted), http); return Results.Redirect("/account/publishing?done=publisher-added"); },
            (page, s, refusal) => PublishingAsync(page, s, store, null, refusal)));
        web.MapPost("/publishing/projects/{project}/{id}/remove", (string project, string id, HttpContext http, AccountService accounts, AccountStore store) => SignedInFormAsync(http, AccessLevel.Security,
            async (_, s) => { await accounts.RemovePublisherAsync(s, project, id, http); return Results.Redirect("/account/publishing?done=publisher-removed"); },
            (page, s, refusal) => PublishingAsync(page, s, store, null, refusal)));
        web.MapPost("/publishing/pending", (HttpContext http, AccountService accounts, AccountStore store, GitHubOwnerLookup github) => SignedInFormAsync(http, AccessLevel.Security,
            async (form, s) => { await accounts.AddPendingPublisherAsync(s, await PublisherAsync(form, github, http.RequestAborted), http); return Results.Redirect("/account/publishing?done=pending-added"); },
            (page, s, refusal) => PublishingAsync(page, s, store, null, refusal)));
        web.MapPost("/publishing/pending/{id}/remove", (string id, HttpContext http, AccountService accounts, AccountStore store) => SignedInFormAsync(http, AccessLevel.Security,
            async (_, s) => { await accounts.RemovePendingPublisherAsync(s, id, http); return Results.Redirect("/account/publishing?done=pending-removed"); },
            (page, s, refusal) => PublishingAsync(page, s, store, null, refusal)));

        // Security history
        web.MapGet("/history", (HttpContext http, AccountStore store) => SignedInPageAsync(http, async (page, s) =>
            WebPages.Render<HistoryPage>(new { Page = page, Events = await store.EventsAsync(s.User.Id, null, 200) })));
    }

    private const string NeedsJavaScript = "Security keys work through the browser's WebAuthn API, which needs JavaScript: enable it for this site and try again.";

    // Page models: each loads fresh rows (a POST may just have changed them) and renders.

    private static async Task<IResult> HomeAsync(PageContext page, SignedIn s, AccountStore store, string? notice, AccountRefusal? refusal)
    {
        var user = await store.UserByIdAsync(s.User.Id) ?? s.User;
        return WebPages.Render<AccountHomePage>(new
        {
            Page = page, User = user, Keys = await store.CredentialsAsync(user.Id), Roles = await store.UserRolesAsync(user.Id),
            DeletionBlockers = await store.DeletionBlockersAsync(user.Id), Notice = notice, Error = refusal?.Message,
        }, refusal is null ? StatusCodes.Status200OK : FormStatus(refusal));
    }

    private static async Task<IResult> SecurityAsync(PageContext page, SignedIn s, AccountStore store, string? notice, AccountRefusal? refusal)
    {
        var user = await store.UserByIdAsync(s.User.Id) ?? s.User;
        var pending = AccountService.PendingTotp(user);
        return WebPages.Render<SecurityPage>(new
        {
            Page = page, User = user, Keys = await store.CredentialsAsync(user.Id), PendingTotp = pending,
            QrCode = pending is null ? null : "data:image/png;base64," + Convert.ToBase64String(Totp.QrPng(pending.ProvisioningUri)),
            ApiCsrf = s.Session.Csrf, Notice = notice, Error = refusal?.Message,
        }, refusal is null ? StatusCodes.Status200OK : FormStatus(refusal));
    }

    private static IResult RecoveryCodes(PageContext page, string[] codes, string intro) =>
        WebPages.Render<RecoveryCodesPage>(new { Page = page, Codes = codes, Intro = intro });

    private static async Task<IResult> TokensAsync(PageContext page, SignedIn s, AccountStore store, string? notice, AccountRefusal? refusal) =>
        WebPages.Render<TokensPage>(new
        {
            Page = page, Tokens = await store.UserMacaroonsAsync(s.User.Id), Roles = await store.UserRolesAsync(s.User.Id),
            CanChange = s.HasTwoFactor, Notice = notice, Error = refusal?.Message,
        }, refusal is null ? StatusCodes.Status200OK : FormStatus(refusal));

    private static async Task<IResult> PublishingAsync(PageContext page, SignedIn s, AccountStore store, string? notice, AccountRefusal? refusal)
    {
        var owned = (await store.UserRolesAsync(s.User.Id)).Where(r => r.role == "owner").Select(r => r.project).ToList();
        var publishers = new List<(string Project, IReadOnlyList<TrustedPublisher> Publishers)>();
        foreach (var project in owned) publishers.Add((project, await store.ProjectPublishersAsync(project)));
        return WebPages.Render<PublishingPage>(new
        {
            Page = page, Projects = publishers, Pending = await store.PendingPublishersAsync(s.User.Id),
            CanChange = s.HasTwoFactor, Notice = notice, Error = refusal?.Message,
        }, refusal is null ? StatusCodes.Status200OK : FormStatus(refusal));
    }

    private static async Task<IResult> SecondFactorAsync(PageContext page, SignedIn s, AccountStore store, string next, AccountRefusal? refusal, int status) =>
        WebPages.Render<SecondFactorPage>(new
        {
            Page = page, Next = next, HasTotp = s.User.TotpSecret is not null, HasKeys = (await store.CredentialsAsync(s.User.Id)).Count > 0,
            ApiCsrf = s.Session.Csrf, Error = refusal?.Message, Intro = s.TwoFactorDone ? ReauthIntro : LoginIntro,
        }, status);

    private const string LoginIntro = "Your password was right. Finish signing in with your second factor.";
    private const string ReauthIntro = "Changing security settings needs your second factor again: it was not used in this session recently.";

    /// <summary>The re-authentication form: the second-factor page for an account with a factor, else the password form.</summary>
    private static async Task<IResult> ReauthAsync(PageContext page, SignedIn s, AccountStore store, AccountService accounts, string next, AccountRefusal? refusal) =>
        s.HasTwoFactor
            ? await SecondFactorAsync(page, s, store, next, refusal, refusal is null ? StatusCodes.Status200OK : FormStatus(refusal))
            : WebPages.Render<ReauthPage>(new { Page = page, Next = next, Minutes = (int)accounts.ReauthenticateWithin.TotalMinutes, Error = refusal?.Message },
                refusal is null ? StatusCodes.Status200OK : FormStatus(refusal));

    // Request plumbing

    /// <summary>A CSRF-checked form post (no sign-in needed: sign-up, log-in, verification).</summary>
    private static async Task<IResult> FormAsync(HttpContext http, Func<WebForm, Task<IResult>> action)
    {
        var (form, refused) = await WebForm.ReadAsync(http);
        return form is null ? refused! : await action(form);
    }

    /// <summary>A page for a signed-in user (second factor passed); others go to the log-in page and come back.</summary>
    internal static async Task<IResult> SignedInPageAsync(HttpContext http, Func<PageContext, SignedIn, Task<IResult>> render)
    {
        var page = await PageContext.ForAsync(http);
        if (WebPages.RequireSignedIn(page) is { } redirect) return redirect;
        return await render(page, page.SignedIn!);
    }

    /// <summary>
    /// A CSRF-checked form post by a signed-in user: runs <paramref name="action"/> when <paramref name="level"/>
    /// allows, and renders <paramref name="refused"/> (the form's page with the reason) when the level or the
    /// operation refuses.
    /// </summary>
    internal static async Task<IResult> SignedInFormAsync(HttpContext http, AccessLevel level, Func<WebForm, SignedIn, Task<IResult>> action,
        Func<PageContext, SignedIn, AccountRefusal, Task<IResult>> refused)
    {
        var (form, csrfRefused) = await WebForm.ReadAsync(http);
        if (form is null) return csrfRefused!;
        if (!form.Page.IsSignedIn) return Results.Redirect("/account/login"); // the session ended meanwhile; a POST-only path is no place to come back to
        var s = form.Page.SignedIn!;
        try
        {
            if (AccountService.Check(s, level) is { } refusal) throw refusal;
            return await action(form, s);
        }
        catch (AccountRefusal refusal) when (refusal.Reauthenticate)
        {
            // Confirm first, then back to the page the form is on (its first two segments: /account/tokens, /account/security…).
            var formPage = "/" + string.Join('/', (http.Request.Path.Value ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries).Take(2));
            return Results.Redirect("/account/reauth?next=" + Uri.EscapeDataString(formPage));
        }
        catch (AccountRefusal refusal)
        {
            return await refused(form.Page, s, refusal);
        }
    }

    /// <summary>A second log-in step: needs a session whose password step passed; on success goes on to <c>next</c>.</summary>
    private static async Task<IResult> SecondStepAsync(HttpContext http, AccountStore store, Func<WebForm, SignedIn, Task> step)
    {
        var (form, refused) = await WebForm.ReadAsync(http);
        if (form is null) return refused!;
        var next = LocalPath(form.Field("next"));
        if (form.Page.SignedIn is not { } s) return Results.Redirect("/account/login?next=" + Uri.EscapeDataString(next));
        try
        {
            await step(form, s);
            return Results.Redirect(next);
        }
        catch (AccountRefusal refusal)
        {
            return await SecondFactorAsync(form.Page, s, store, next, refusal, FormStatus(refusal));
        }
    }

    /// <summary>
    /// The status of a form page re-rendered with a refusal. Kept at 200 for the ordinary "check your input" cases
    /// (a wrong code, a weak password): the page itself says what went wrong, and browsers log every 4xx document as
    /// a console error. Lockouts and switched-off features keep their real status (429, 503).
    /// </summary>
    /// <summary>A refused form is shown again with its message (200), except when retrying now cannot help (throttled, switched off).</summary>
    internal static int FormStatus(AccountRefusal refusal) =>
        refusal.Error == IndexError.TooManyRequests || refusal.Error == IndexError.Unavailable ? refusal.Error.Status : StatusCodes.Status200OK;

    private static string SecondFactorUrl(string next) => "/account/login/second-factor?next=" + Uri.EscapeDataString(next);

    /// <summary>Where to go after signing in: a path on this site only (never <c>//host</c> or a scheme: no open redirect).</summary>
    public static string LocalPath(string? next) =>
        next is { Length: > 0 } n && n[0] == '/' && (n.Length == 1 || (n[1] != '/' && n[1] != '\\')) && !n.Contains("://", StringComparison.Ordinal) && !n.Any(char.IsControl)
            ? n : "/account";

    private static string? Notice(HttpContext http) => Notices.GetValueOrDefault(http.Request.Query["done"].ToString());

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;

    /// <summary>
    /// The publisher the form describes; a GitHub owner id left empty is looked up from the repository's owner, and
    /// when that fails the refusal says where to find it.
    /// </summary>
    private static async Task<PublisherRequest> PublisherAsync(WebForm form, GitHubOwnerLookup github, CancellationToken ct)
    {
        var request = Publisher(form);
        if (request.Kind != "github" || !string.IsNullOrWhiteSpace(request.OwnerId)) return request;
        var owner = (request.Repository ?? "").Trim().Split('/')[0];
        var found = await github.LookupAsync(owner, ct);
        return found.Id is { } id ? request with { OwnerId = id }
            : throw new AccountRefusal(IndexError.Invalid,
                $"Moat could not look up the owner id: {found.Problem}. Enter it yourself: it is the \"id\" shown at {github.WhereToFind(owner)} " +
                "(the same number as repository_owner_id in your workflow's OIDC token).");
    }

    private static PublisherRequest Publisher(WebForm form) => new(form.Field("kind"), form.Field("repository"), form.Field("owner_id"), form.Field("workflow"),
        NullIfEmpty(form.Field("environment")), NullIfEmpty(form.Field("project_name")));
}

/// <summary>The expiry choices of the token form, by value: seconds, or null for a token that does not expire.</summary>
public static class TokenLifetimes
{
    public static readonly (string Value, string Label)[] Choices =
        [("7d", "7 days"), ("30d", "30 days"), ("90d", "90 days"), ("365d", "1 year"), ("never", "No expiry")];

    public static long? Seconds(string value) => value switch
    {
        "7d" => 7 * 86400,
        "30d" or "" => 30 * 86400,
        "90d" => 90 * 86400,
        "365d" => 365 * 86400,
        "never" => null,
        _ => throw new AccountRefusal(IndexError.Invalid, "Choose one of the offered expiry periods."),
    };
}
