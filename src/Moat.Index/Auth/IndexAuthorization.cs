using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Moat.Index.Storage;

namespace Moat.Index.Auth;

/// <summary>What a request wants to do.</summary>
public enum IndexAction { Upload, Administer }

/// <summary>Who is asking: the token presented (null when anonymous or not recognised) and whether credentials were sent at all.</summary>
public sealed record Principal(TokenRecord? Token, bool PresentedCredentials);

/// <summary>The decision: allowed, or the HTTP status and a message for the client.</summary>
public sealed record AuthorizationDecision(bool Allowed, int Status, string? Message)
{
    public static readonly AuthorizationDecision Allow = new(true, StatusCodes.Status200OK, null);
}

/// <summary>
/// The ONE place the index decides who may do what. Credentials are <c>Authorization: Basic</c> with user
/// <c>__token__</c> and the token as password (what twine sends) or <c>Authorization: Bearer &lt;token&gt;</c>.
/// Issue 9 (accounts, 2FA, caveated tokens) replaces this class; callers only ask <see cref="AuthorizeAsync"/>.
/// </summary>
public sealed class IndexAuthorization(IMetadataStore store)
{
    public async Task<Principal> IdentifyAsync(HttpRequest request, CancellationToken ct)
    {
        var secret = SecretFrom(request.Headers.Authorization.ToString());
        if (secret is null) return new Principal(null, request.Headers.Authorization.Count > 0);
        var token = await store.FindTokenAsync(Tokens.Hash(secret), ct);
        return new Principal(token, true);
    }

    public async Task<AuthorizationDecision> AuthorizeAsync(HttpRequest request, IndexAction action, string? project, CancellationToken ct)
    {
        var principal = await IdentifyAsync(request, ct);
        return Decide(principal, action, project);
    }

    public static AuthorizationDecision Decide(Principal principal, IndexAction action, string? project)
    {
        if (principal.Token is not { } token)
        {
            return principal.PresentedCredentials
                ? new(false, StatusCodes.Status403Forbidden, "Invalid or non-existent authentication information.")
                : new(false, StatusCodes.Status401Unauthorized, "Authentication required: use the username __token__ and an API token as the password.");
        }
        if (token.IsAdmin) return AuthorizationDecision.Allow;
        return action switch
        {
            IndexAction.Upload when project is not null && token.Project == project => AuthorizationDecision.Allow,
            IndexAction.Upload => new(false, StatusCodes.Status403Forbidden, $"The token is not allowed to upload to project '{project}': it is scoped to '{token.Project}'."),
            _ => new(false, StatusCodes.Status403Forbidden, "This needs an admin token."),
        };
    }

    /// <summary>The token in <c>Basic __token__:&lt;token&gt;</c> or <c>Bearer &lt;token&gt;</c>; null otherwise.</summary>
    public static string? SecretFrom(string? header)
    {
        if (string.IsNullOrEmpty(header)) return null;
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return NonEmpty(header[7..].Trim());
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return null;
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
        }
        catch (FormatException)
        {
            return null;
        }
        var colon = decoded.IndexOf(':');
        return colon > 0 && decoded[..colon] == "__token__" ? NonEmpty(decoded[(colon + 1)..]) : null;
    }

    private static string? NonEmpty(string value) => value.Length == 0 ? null : value;

    /// <summary>Adds the challenge a 401 needs so clients know to send Basic credentials.</summary>
    public static void Challenge(HttpResponse response) => response.Headers[HeaderNames.WWWAuthenticate] = "Basic realm=\"moat\"";
}
