using System.Net;
using System.Text.Json;
using Moat.Index.Accounts;

namespace Moat.Index.Publishing;

/// <summary>What looking up a GitHub owner's id gave: the id, or why there is none.</summary>
public sealed record OwnerLookup(string? Id, string? Problem);

/// <summary>
/// Finds the numeric id of a GitHub user or organisation (<c>GET {api}/users/{owner}</c>, which answers both), so
/// the Trusted Publishing form can fill it in: the id, unlike the name, survives renames, and it is what the OIDC
/// token's <c>repository_owner_id</c> carries. The API base is <c>[security] github-api</c> (GitHub Enterprise, or a
/// test's fake). Unauthenticated, short timeout: a server without internet access says so and the form explains where
/// to find the id instead.
/// </summary>
public sealed class GitHubOwnerLookup(SecurityOptions security, HttpClient http)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>Where a person finds the id themselves: the "id" field of this page.</summary>
    public string WhereToFind(string owner) => $"{security.GitHubApi.TrimEnd('/')}/users/{Uri.EscapeDataString(owner)}";

    public async Task<OwnerLookup> LookupAsync(string owner, CancellationToken ct)
    {
        if (owner.Length is 0 or > 39 || !owner.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            return new(null, $"'{owner}' is not a GitHub user or organisation name");
        var url = WhereToFind(owner);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(Timeout);
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.UserAgent.ParseAdd("moat-index");
            request.Headers.Accept.ParseAdd("application/vnd.github+json");
            using var response = await http.SendAsync(request, timeout.Token);
            if (response.StatusCode == HttpStatusCode.NotFound) return new(null, $"GitHub has no user or organisation named '{owner}'");
            if (!response.IsSuccessStatusCode) return new(null, $"{url} answered {(int)response.StatusCode}");
            using var json = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(timeout.Token));
            return json.RootElement.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.Number && id.TryGetInt64(out var value) && value > 0
                ? new(value.ToString(System.Globalization.CultureInfo.InvariantCulture), null)
                : new(null, $"{url} gave no numeric id");
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or JsonException)
        {
            return new(null, $"{security.GitHubApi} could not be reached from this server");
        }
    }
}
