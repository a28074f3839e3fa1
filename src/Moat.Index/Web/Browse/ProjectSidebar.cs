using Moat.Packaging;
using System.Collections.Concurrent;
using Moat.Index.Accounts;
using Moat.Index.Projects;
using Moat.Index.Storage;
using Moat.Packaging.Metadata;

namespace Moat.Index.Web.Browse;

/// <summary>
/// What pypi.org's sidebar shows of a release, from its stored core metadata: links (web links only: a
/// <c>javascript:</c> "homepage" is listed as text), the licence (the SPDX expression first), author and
/// maintainer as the metadata gives them, requires-python, keywords and classifiers; and the index's own
/// maintainers (the users with a role on the project).
/// </summary>
public sealed record ProjectSidebar(IReadOnlyList<ProjectUrl> Links, string? License, string? Author, string? Maintainer,
    IReadOnlyList<(string Username, string Role)> Collaborators, string? RequiresPython, IReadOnlyList<string> Keywords, IReadOnlyList<string> Classifiers)
{
    /// <summary>A <c>License</c> field longer than this is the licence's whole text, not its name: it is not shown.</summary>
    public const int MaxLicenseName = 100;

    public static ProjectSidebar From(CoreMetadata? metadata, IReadOnlyList<(string Username, string Role)> collaborators, string? requiresPython) => new(
        metadata is null ? [] : ProjectLinks.Of(metadata),
        LicenseOf(metadata),
        Person(metadata?.Author, metadata?.AuthorEmail),
        Person(metadata?.Maintainer, metadata?.MaintainerEmail),
        collaborators,
        metadata?.Single("Requires-Python") ?? requiresPython,
        metadata?.Keywords ?? [],
        metadata?.Classifiers ?? []);

    private static string? LicenseOf(CoreMetadata? metadata)
    {
        if (metadata?.LicenseExpression is { Length: > 0 } expression) return expression;
        if (metadata?.License is { Length: > 0 and <= MaxLicenseName } name && !name.Contains('\n') && name != "UNKNOWN") return name;
        // Older metadata names the licence only in a classifier: "License :: OSI Approved :: MIT License".
        return metadata?.Classifiers.Where(c => c.StartsWith("License :: ", StringComparison.Ordinal)).Select(c => c[(c.LastIndexOf(" :: ", StringComparison.Ordinal) + 4)..]).FirstOrDefault();
    }

    /// <summary>The name, else the names in an e-mail field ("Ada Lovelace &lt;ada@example.com&gt;" → Ada Lovelace), else the address.</summary>
    internal static string? Person(string? name, string? email)
    {
        if (!string.IsNullOrWhiteSpace(name) && name != "UNKNOWN") return name.Trim();
        if (string.IsNullOrWhiteSpace(email) || email == "UNKNOWN") return null;
        var names = email.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e.IndexOf('<') is > 0 and var lt ? e[..lt].Trim().Trim('"') : e).ToList();
        return string.Join(", ", names);
    }

    /// <summary>The users with a role on <paramref name="project"/>, owners first, by name.</summary>
    public static async Task<IReadOnlyList<(string Username, string Role)>> CollaboratorsAsync(AccountStore accounts, string project)
    {
        var found = new List<(string Username, string Role)>();
        foreach (var (userId, role) in await accounts.RolesAsync(project))
        {
            if (await accounts.UserByIdAsync(userId) is { } user) found.Add((user.Username, role));
        }
        return [.. found.OrderBy(c => c.Role == "owner" ? 0 : 1).ThenBy(c => c.Username, StringComparer.Ordinal)];
    }
}

/// <summary>
/// Search results' summaries: the latest release's <c>Summary</c>, read from its metadata blob once per blob (blobs
/// are content-addressed, so a cached summary never goes stale).
/// </summary>
public static class ProjectSummaries
{
    private static readonly ConcurrentDictionary<string, string> BySha = new(StringComparer.Ordinal);
    private const int CacheLimit = 4096;

    public static async Task<string?> LatestAsync(IMetadataStore store, IBlobStore blobs, string project, CancellationToken ct)
    {
        if (await store.GetListingAsync(NormalizedName.Of(project), ct) is not { } listing) return null;
        var latest = HostedReleases.Latest(HostedReleases.Group(Simple.SimplePages.VisibleFiles(listing)));
        if (latest?.MetadataSha256 is not { } sha) return null;
        if (BySha.TryGetValue(sha, out var cached)) return cached.Length == 0 ? null : cached;
        var summary = (await HostedReleases.ReadMetadataAsync(blobs, sha, ct))?.Summary ?? "";
        if (BySha.Count >= CacheLimit) BySha.Clear();
        BySha[sha] = summary;
        return summary.Length == 0 ? null : summary;
    }
}
