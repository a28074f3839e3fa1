using Moat.Index.Mail;

namespace Moat.Index.Accounts;

/// <summary>
/// Every message the index sends about an account, worded in one place: the links (e-mail verification, password
/// reset) and the security notices PyPI sends too — password changed or reset, a new API token, a token used from a
/// new address, a second factor added or removed, a trusted publisher added, an upload refused or held for review.
/// A notice names what happened, when and from where it can be seen, and what to do if it was not the reader.
/// </summary>
public sealed class AccountMail(AccountStore store, IMailSender mail, SecurityOptions options)
{
    private string Origin => options.Origin.TrimEnd('/');
    private string NotYou => $"If this was not you, change your password at {Origin}/account/password, review your tokens at {Origin}/account/tokens and tell the index administrators.\n";
    private string History => $"Your security history: {Origin}/account/history\n";

    public Task VerificationAsync(UserRow user, string token) => mail.SendAsync(user.email, "Verify your Moat account",
        $"Hello {user.username},\n\nconfirm your e-mail address (valid 48 hours) by opening\n\n{Origin}/account/verify-email?token={token}\n\n" +
        $"or with the API: POST {Origin}/_/account/verify-email with {{\"token\": \"{token}\"}}\n\nverification-token: {token}\n");

    public Task PasswordResetLinkAsync(UserRow user, string token, TimeSpan validFor) => mail.SendAsync(user.email, "Reset your Moat password",
        $"Hello {user.username},\n\nsomeone (we hope you) asked to reset the password of your Moat account. Choose a new one within {validFor.TotalMinutes:0} minutes at\n\n" +
        $"{Origin}/account/password-reset/complete?token={token}\n\nThe link works once. Signing in afterwards still needs your second factor, if you have one.\n" +
        "If you did not ask for this, ignore this message: your password stays as it is.\n\n" +
        $"reset-token: {token}\n");

    /// <summary>To the OLD address: the account's address was changed (a takeover's first step is often this).</summary>
    public Task EmailChangedAsync(string oldAddress, UserRow user) => mail.SendAsync(oldAddress, "The e-mail address of your Moat account was changed",
        $"Hello {user.username},\n\nthe e-mail address of your account was changed from {oldAddress} to {user.email}. Mail about the account goes there from now on.\n\n{NotYou}{History}");

    /// <summary>To the deleted account's address: the last message it gets from the index.</summary>
    public Task AccountDeletedAsync(UserRow user) => mail.SendAsync(user.email, "Your Moat account was deleted",
        $"Hello {user.username},\n\nyour Moat account {user.username} was deleted: its sessions ended, its API tokens were revoked and its " +
        "roles in projects were removed. The username stays reserved, so nobody else can take it.\n" +
        "If this was not you, tell the index administrators at once: they can see the deletion in the security log.\n");

    public Task PasswordChangedAsync(UserRow user) => mail.SendAsync(user.email, "Your Moat password was changed",
        $"Hello {user.username},\n\nthe password of your Moat account was changed and every other session was signed out.\n{NotYou}");

    public Task PasswordResetAsync(UserRow user, int sessionsEnded) => mail.SendAsync(user.email, "Your Moat password was reset",
        $"Hello {user.username},\n\nthe password of your Moat account was reset with a link sent to this address; " +
        $"{(sessionsEnded == 1 ? "1 session was" : $"{sessionsEnded} sessions were")} signed out.\n{NotYou}{History}");

    public Task TokenCreatedAsync(UserRow user, string tokenId, string? description, IReadOnlyList<string> caveats) => mail.SendAsync(user.email,
        "A new API token was added to your Moat account",
        $"Hello {user.username},\n\nan API token was created for your account: {tokenId}{(string.IsNullOrWhiteSpace(description) ? "" : $" (\"{description}\")")}, " +
        $"{(caveats.Count == 0 ? "valid for every project you can upload to" : "restricted by " + string.Join("; ", caveats))}.\n{NotYou}");

    public async Task TokenUsedFromNewAddressAsync(string userId, ApiToken token, string address, string? userAgent)
    {
        if (await store.UserByIdAsync(userId) is not { } user) return;
        await mail.SendAsync(user.email, "Your Moat API token was used from a new address",
            $"Hello {user.username},\n\nyour API token {token.Id}{(string.IsNullOrWhiteSpace(token.Description) ? "" : $" (\"{token.Description}\")")} " +
            $"was used from {address}{(string.IsNullOrWhiteSpace(userAgent) ? "" : $" ({userAgent})")}, an address it had not been used from before.\n" +
            $"If that was not your machine or your CI, revoke the token at once at {Origin}/account/tokens.\n{History}");
    }

    public Task TwoFactorAddedAsync(UserRow user, string method) => mail.SendAsync(user.email, $"A second factor was added to your Moat account",
        $"Hello {user.username},\n\n{method} was added as a second factor of your account; every other session was signed out.\n{NotYou}");

    public Task TwoFactorRemovedAsync(UserRow user, string method) => mail.SendAsync(user.email, $"A second factor was removed from your Moat account",
        $"Hello {user.username},\n\n{method} was removed from your account's second factors.\n{NotYou}");

    /// <summary>To every owner of the project: a publisher can upload to it without any of their tokens.</summary>
    public async Task PublisherAddedAsync(string project, TrustedPublisher publisher, string addedBy)
    {
        foreach (var owner in await OwnersAsync(project))
            await mail.SendAsync(owner.email, $"A trusted publisher was added to {project}",
                $"Hello {owner.username},\n\n{addedBy} added a trusted publisher to {project}: {publisher.Kind}:{publisher.Repository}, workflow {publisher.Workflow}" +
                $"{(publisher.Environment.Length == 0 ? "" : $", environment {publisher.Environment}")}. That workflow can now publish {project} without a token.\n" +
                $"If nobody on the project meant to add it, remove it at {Origin}/account/publishing.\n");
    }

    public Task PendingPublisherAddedAsync(UserRow user, TrustedPublisher publisher) => mail.SendAsync(user.email, $"A pending trusted publisher for {publisher.PendingProject} was added",
        $"Hello {user.username},\n\na pending trusted publisher was registered by your account: {publisher.Kind}:{publisher.Repository}, workflow {publisher.Workflow}. " +
        $"Its first publish creates {publisher.PendingProject}.\n{NotYou}");

    /// <summary>An upload the policy gate held for an administrator: to the uploader and the project's owners.</summary>
    public Task UploadHeldAsync(string project, string filename, string reason, string? uploaderId, string uploader) =>
        ToUploaderAndOwnersAsync(project, uploaderId, $"{filename} was accepted but held for review",
            $"{filename} was uploaded to {project} by {uploader} and is held for review: it is stored but nobody can install it until an administrator releases it.\n\n" +
            $"Why: {reason}\n\nIf the upload is yours and legitimate, ask the index administrators to review it. If nobody on the project uploaded it, revoke the token it came with.\n");

    /// <summary>An upload the policy gate refused: to the uploader and the project's owners.</summary>
    public Task UploadRefusedAsync(string project, string filename, string reason, string? uploaderId, string uploader) =>
        ToUploaderAndOwnersAsync(project, uploaderId, $"An upload of {filename} was refused",
            $"{filename} was uploaded to {project} by {uploader} and refused: it is not stored.\n\nWhy: {reason}\n\n" +
            "If nobody on the project uploaded it, revoke the token it came with: its holder tried to publish what the index judged dangerous.\n");

    private async Task ToUploaderAndOwnersAsync(string project, string? uploaderId, string subject, string text)
    {
        var recipients = (await OwnersAsync(project)).ToDictionary(u => u.id);
        if (uploaderId is not null && !recipients.ContainsKey(uploaderId) && await store.UserByIdAsync(uploaderId) is { } uploader) recipients[uploaderId] = uploader;
        foreach (var user in recipients.Values.OrderBy(u => u.username, StringComparer.Ordinal))
            await mail.SendAsync(user.email, subject, $"Hello {user.username},\n\n{text}{History}");
    }

    private async Task<IReadOnlyList<UserRow>> OwnersAsync(string project)
    {
        var owners = new List<UserRow>();
        foreach (var (userId, role) in await store.RolesAsync(project))
        {
            if (role == "owner" && await store.UserByIdAsync(userId) is { is_disabled: 0 } user) owners.Add(user);
        }
        return owners;
    }
}
