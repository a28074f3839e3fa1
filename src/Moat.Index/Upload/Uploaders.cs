using Moat.Index.Accounts;
using Moat.Index.Auth;

namespace Moat.Index.Upload;

/// <summary>
/// Who uploaded a file, as the project page shows it: "token of alice (ci-release)" for a user's token (its owner
/// and its description, so an owner can tell which of their tokens published), "Trusted Publisher
/// &lt;repository&gt; (&lt;workflow&gt;)" for a token minted by trusted publishing (OIDC), and the token for an admin or
/// operator token (it has no owner). Written to the file's row at upload, so it survives the token being revoked
/// or the publisher removed; files stored before that are resolved from their token id when shown.
/// </summary>
public static class Uploaders
{
    /// <summary>Who is uploading with <paramref name="principal"/>, or null when it is not authenticated.</summary>
    public static async Task<string?> DescribeAsync(AccountStore accounts, Principal principal) => principal switch
    {
        { Token: { } token } => await DescribeAsync(accounts, token),
        { Legacy: { } legacy } => Token(legacy.Id, legacy.IsAdmin),
        _ => null,
    };

    /// <summary>
    /// Who uploaded a file stored with only its token id (<see cref="Storage.FileRecord.UploadedBy"/>): the same
    /// words as at upload when the account store still knows the token, else the bare token id.
    /// </summary>
    public static async Task<string?> ResolveAsync(AccountStore accounts, string? tokenId)
    {
        if (string.IsNullOrEmpty(tokenId)) return null;
        return await accounts.MacaroonAsync(tokenId) is { } token ? await DescribeAsync(accounts, token) : $"token {tokenId}";
    }

    private static async Task<string> DescribeAsync(AccountStore accounts, ApiToken token)
    {
        if (token.UserId is { } userId && await accounts.UserByIdAsync(userId) is { } user) return UserToken(user.Username, token.Description);
        if (token.PublisherId is { } publisherId)
        {
            // A removed publisher leaves what the minted token says of it: "trusted publisher github:owner/repo".
            return await accounts.PublisherAsync(publisherId) is { } publisher ? TrustedPublisher(publisher)
                : "Trusted Publisher " + (token.Description?.StartsWith(MintedPrefix, StringComparison.Ordinal) == true ? token.Description[MintedPrefix.Length..] : publisherId);
        }
        return Token(token.Id, token.IsAdmin);
    }

    /// <summary>"Trusted Publisher owner/repo (release.yml, environment pypi)".</summary>
    public static string TrustedPublisher(TrustedPublisher publisher) =>
        $"Trusted Publisher {publisher.Repository} ({publisher.Workflow}{(publisher.Environment.Length > 0 ? $", environment {publisher.Environment}" : "")})";

    /// <summary>"token of alice (ci-release)"; a long description is cut (it is the owner's free text).</summary>
    public static string UserToken(string username, string? description) =>
        string.IsNullOrWhiteSpace(description) ? $"token of {username}"
        : $"token of {username} ({(description.Length > MaxDescription ? description[..MaxDescription] + "…" : description)})";

    private const int MaxDescription = 60;

    /// <summary>A token nobody owns (admin or operator); its description stays off the public page.</summary>
    private static string Token(string id, bool admin) => $"{(admin ? "admin token" : "token")} {id}";

    private const string MintedPrefix = "trusted publisher ";
}
