using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Moat.Index.Accounts;
using Moat.Index.Errors;
using Moat.Index.Mail;
using Moat.Index.Security;
using Moat.Index.Storage;
using Moat.Packaging;

namespace Moat.Index.Publishing;

/// <summary>Who uploaded a staged file: the token, and the user or trusted publisher behind it (none for operator and admin tokens).</summary>
public sealed record Uploader(string? TokenId, string? UserId, string? PublisherId);

/// <summary>One version's staged files and who uploaded them.</summary>
public sealed record StagedRelease(string Version, IReadOnlyList<FileRecord> Files, IReadOnlyList<Uploader> Uploaders)
{
    public DateTimeOffset StagedAt => Files.Min(f => f.UploadTime);
}

/// <summary>A staged release as the APIs show it (JSON, snake_case): its files with the gate's verdict, and its uploaders by name.</summary>
public sealed record StagedReleaseView(
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("staged_at")] DateTimeOffset StagedAt,
    [property: JsonPropertyName("files")] IReadOnlyList<StagedFileView> Files,
    [property: JsonPropertyName("uploaders")] IReadOnlyList<StagedUploaderView> Uploaders);

public sealed record StagedFileView(
    [property: JsonPropertyName("filename")] string Filename,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("uploaded_at")] DateTimeOffset UploadedAt,
    [property: JsonPropertyName("verdict")] string? Verdict,
    [property: JsonPropertyName("verdict_message")] string? VerdictMessage);

public sealed record StagedUploaderView(
    [property: JsonPropertyName("token")] string? Token,
    [property: JsonPropertyName("user")] string? User,
    [property: JsonPropertyName("publisher")] string? Publisher);

/// <summary>What a review did: a message, or the refusal (<see cref="Error"/>) and why.</summary>
public sealed record ReviewOutcome(IndexError? Error, string Message)
{
    public bool Ok => Error is null;

    /// <summary>The JSON API's answer: the message, or the refusal with its status.</summary>
    public IResult Result() => Error is null ? Results.Json(new { message = Message }) : Error.Json(Message);
}

/// <summary>
/// Release approval, optional per project. When an owner (or an admin) requires it, every upload to the
/// project is stored and scanned as usual but <see cref="FileState.Staged"/>: the store leaves staged files out of
/// listings, so no simple page (cached or not) shows them and the file route answers 404. A second person approves
/// the release (all its staged files become available at once, the page cache is invalidated) or rejects it (its
/// files are deleted and their filenames can never be reused, like any deleted file). Who may review is decided in
/// <see cref="ReviewRefusal"/>: an owner or maintainer who did not upload it, or an admin —
/// the way out for a project with a single maintainer. Shared by the account API, the admin API and <c>moat admin</c>.
/// </summary>
public sealed class ReleaseApprovals(IMetadataStore store, AccountStore accounts, SecurityEvents events, Action<string>? invalidate = null, IMailSender? mail = null)
{
    /// <summary>
    /// Mails the project's other owners and maintainers (verified, enabled) that a release awaits review: once per
    /// release, on its first staged file. An unexpected notice is itself an alarm when the uploader was not who
    /// they seemed.
    /// </summary>
    public async Task NotifyReviewersAsync(string project, string version, string? uploaderUserId, string origin, CancellationToken ct = default)
    {
        if (mail is null || (await store.GetStagedFilesAsync(NormalizedName.Of(project), ct)).Count(f => f.Version == version) != 1) return;
        foreach (var (userId, _) in await accounts.RolesAsync(project))
        {
            if (userId == uploaderUserId || await accounts.UserByIdAsync(userId) is not { IsDisabled: false, EmailVerified: true } user) continue;
            await mail.SendAsync(user.Email, $"{project} {version} awaits your approval",
                $"Hello {user.Username},\n\na new release of {project} ({version}) was uploaded and is staged: nobody can install it until a " +
                $"maintainer other than the uploader approves it.\n\nReview: GET {origin}/_/projects/{project}/staged\n" +
                $"Approve: POST {origin}/_/projects/{project}/staged/{version}/approve\nReject:  POST {origin}/_/projects/{project}/staged/{version}/reject\n\n" +
                "If nobody on the project expected this release, reject it and check the project's security events.\n", ct);
        }
    }

    public Task<bool> RequiredAsync(string project) => accounts.ApprovalRequiredAsync(NormalizedName.Of(project));

    public async Task SetRequiredAsync(string project, bool required, HttpContext? http, string? byUserId)
    {
        var name = NormalizedName.Of(project);
        await accounts.SetApprovalRequiredAsync(name, required);
        await events.RecordAsync(required ? "project:approval-required" : "project:approval-not-required", http, byUserId, name);
    }

    /// <summary>The project's staged releases, oldest version first, with their uploaders resolved from the recorded token ids.</summary>
    public async Task<IReadOnlyList<StagedRelease>> StagedAsync(string project, CancellationToken ct = default)
    {
        var files = await store.GetStagedFilesAsync(NormalizedName.Of(project), ct);
        var releases = new List<StagedRelease>();
        foreach (var release in files.GroupBy(f => f.Version, StringComparer.Ordinal))
        {
            var uploaders = new List<Uploader>();
            foreach (var tokenId in release.Select(f => f.UploadedBy).Distinct(StringComparer.Ordinal))
            {
                var token = tokenId is null ? null : await accounts.MacaroonAsync(tokenId);
                uploaders.Add(new Uploader(tokenId, token?.UserId, token?.PublisherId));
            }
            releases.Add(new StagedRelease(release.Key, [.. release], uploaders));
        }
        return releases;
    }

    /// <summary>
    /// Approves a staged release; <paramref name="reviewer"/> null means an admin (admin token or <c>moat admin</c>),
    /// named in the event by <paramref name="admin"/> (<see cref="Admin.AdminActor"/>).
    /// </summary>
    public async Task<ReviewOutcome> ApproveAsync(string project, string version, UserAccount? reviewer, HttpContext? http, CancellationToken ct = default, string? admin = null)
    {
        var (name, release, refused) = await ReviewableAsync(project, version, reviewer, approving: true, ct);
        if (refused is not null) return refused;
        var changed = await store.PublishStagedAsync(name, release!.Version, ct);
        if (changed == 0) return new(IndexError.NotFound, $"No staged release {name} {release.Version}: it was reviewed meanwhile.");
        invalidate?.Invoke(name);
        await events.RecordAsync("release:approved", http, reviewer?.Id, name, new
        {
            version = release.Version, files = release.Files.Select(f => f.Filename), by = reviewer?.Username ?? admin ?? "admin",
            uploaded_by = release.Uploaders.Select(u => u.TokenId),
        });
        return new(null, $"Approved {name} {release.Version}: {Files(changed)} now installable.");
    }

    /// <summary>Rejects a staged release: its files are deleted (their filenames stay used) and the reason is recorded.</summary>
    public async Task<ReviewOutcome> RejectAsync(string project, string version, string? reason, UserAccount? reviewer, HttpContext? http, CancellationToken ct = default, string? admin = null)
    {
        if (string.IsNullOrWhiteSpace(reason)) return new(IndexError.Invalid, "A rejection needs a reason.");
        var (name, release, refused) = await ReviewableAsync(project, version, reviewer, approving: false, ct);
        if (refused is not null) return refused;
        var discarded = await store.DiscardStagedAsync(name, release!.Version, ct);
        if (discarded.Count == 0) return new(IndexError.NotFound, $"No staged release {name} {release.Version}: it was reviewed meanwhile.");
        invalidate?.Invoke(name);
        await events.RecordAsync("release:rejected", http, reviewer?.Id, name, new
        {
            version = release.Version, files = discarded, reason = reason.Trim(), by = reviewer?.Username ?? admin ?? "admin",
            uploaded_by = release.Uploaders.Select(u => u.TokenId),
        });
        return new(null, $"Rejected {name} {release.Version}: {Files(discarded.Count)} discarded; the filenames cannot be reused.");
    }

    private async Task<(NormalizedName Name, StagedRelease? Release, ReviewOutcome? Refused)> ReviewableAsync(
        string project, string version, UserAccount? reviewer, bool approving, CancellationToken ct)
    {
        var name = NormalizedName.Of(project);
        // Files store the normalized version (1.0 and 1.0.0 differ as text): normalize what the reviewer typed too.
        if (Moat.Packaging.Versions.PackageVersion.TryParse(version, out var parsed)) version = parsed.ToString();
        if (reviewer is not null)
        {
            // Roles first: a stranger learns nothing about what is staged.
            var role = await accounts.RoleAsync(name, reviewer.Id);
            if (ReviewRefusal(name, role, reviewer, null, approving) is { } notAllowed) return (name, null, notAllowed);
        }
        var release = (await StagedAsync(name, ct)).FirstOrDefault(r => r.Version == version);
        if (release is null) return (name, null, new(IndexError.NotFound, $"No staged release {name} {version}."));
        if (reviewer is not null && ReviewRefusal(name, "maintainer", reviewer, release, approving) is { } selfReview)
            return (name, null, selfReview);
        return (name, release, null);
    }

    public async Task<StagedReleaseView> ShowAsync(StagedRelease release, CancellationToken ct = default)
    {
        var files = new List<StagedFileView>();
        foreach (var f in release.Files)
        {
            var verdict = await store.GetVerdictAsync(f.Sha256, ct);
            files.Add(new(f.Filename, f.Sha256, f.Size, f.UploadTime, verdict?.Verdict, verdict?.Message));
        }
        var uploaders = new List<StagedUploaderView>();
        foreach (var u in release.Uploaders)
        {
            var user = u.UserId is null ? null : await accounts.UserByIdAsync(u.UserId);
            uploaders.Add(new(u.TokenId, user?.Username, u.PublisherId));
        }
        return new(release.Version, release.StagedAt, files, uploaders);
    }

    private static string Files(int n) => n == 1 ? "1 file" : $"{n} files";

    /// <summary>What the upload answers (twine shows it with --verbose; the reason phrase carries it too).</summary>
    public static string StagedMessage(string project, string version) =>
        $"Staged {project} {version}: this project requires release approval, so it is not installable until another maintainer approves it " +
        $"(POST /_/projects/{project}/staged/{version}/approve) or an admin does (moat admin approve {project} {version}).";

    /// <summary>
    /// Why a signed-in user may not approve or reject a staged release (null: they may). Reviewers are owners and
    /// maintainers of the project; approving also needs someone other than the uploader: a release uploaded with
    /// one of the reviewer's own tokens is refused, while one uploaded by a trusted publisher or an operator token
    /// has no human uploader, so any maintainer may approve it. The uploader may reject (withdraw) their own release.
    /// Admins review through the admin API, which <c>IndexAuthorization.AuthorizeAdmin</c> guards. The session's 2FA is checked
    /// by the account API before this (security-level action).
    /// </summary>
    public static ReviewOutcome? ReviewRefusal(string project, string? role, UserAccount reviewer, StagedRelease? release, bool approving)
    {
        if (role is not ("owner" or "maintainer"))
            return new(IndexError.Forbidden, $"Only an owner or maintainer of '{project}' can review its staged releases.");
        if (approving && release is not null && release.Uploaders.Any(u => u.UserId == reviewer.Id))
            return new(IndexError.Forbidden,
                $"You uploaded {project} {release.Version}: another maintainer must approve it (or an admin, when you are the only one).");
        return null;
    }
}
