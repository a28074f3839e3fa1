using System.Net.Http.Headers;
using System.Text;

namespace Moat.Cli.Audit;

/// <summary>
/// Basic credentials for one index, as pip uses them: from the URL's user info (<c>https://user:pass@host/simple/</c>)
/// or an API token (user <c>__token__</c>). They are sent only to the index's own origin (scheme, host, port): a
/// file URL on another host (a CDN) never sees them, and .NET drops the header on redirects.
/// </summary>
public sealed class IndexCredentials(Uri origin, string user, string password)
{
    public Uri Origin { get; } = origin;

    public AuthenticationHeaderValue Header { get; } = new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    /// <summary>The index URL without user info, and the credentials it carried (or the token's).</summary>
    public static (Uri Url, IndexCredentials? Credentials) FromUrl(Uri url, string? token)
    {
        var bare = url;
        string? user = null, password = null;
        if (url.UserInfo.Length > 0)
        {
            var colon = url.UserInfo.IndexOf(':', StringComparison.Ordinal);
            user = Uri.UnescapeDataString(colon < 0 ? url.UserInfo : url.UserInfo[..colon]);
            password = colon < 0 ? "" : Uri.UnescapeDataString(url.UserInfo[(colon + 1)..]);
            bare = new UriBuilder(url) { UserName = "", Password = "" }.Uri;
        }
        if (token is { Length: > 0 }) (user, password) = ("__token__", token);
        return (bare, user is null ? null : new IndexCredentials(bare, user, password ?? ""));
    }

    public bool AppliesTo(Uri? request) =>
        request is not null && request.Scheme == Origin.Scheme && string.Equals(request.Host, Origin.Host, StringComparison.OrdinalIgnoreCase) && request.Port == Origin.Port;
}

/// <summary>Adds <see cref="IndexCredentials"/> to requests for the index's origin.</summary>
public sealed class IndexCredentialsHandler(IndexCredentials credentials, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (credentials.AppliesTo(request.RequestUri)) request.Headers.Authorization = credentials.Header;
        return base.SendAsync(request, cancellationToken);
    }
}
