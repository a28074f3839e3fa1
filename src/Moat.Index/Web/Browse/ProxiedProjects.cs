using Moat.Analysis;
using Moat.Index.Proxy;
using Moat.Index.Storage;
using Moat.Packaging.Versions;
using Moat.Packaging.Distributions;
using Moat.Packaging;

namespace Moat.Index.Web.Browse;

/// <summary>Where one proxied file stands with the firewall, as the project page shows it.</summary>
public enum ProxiedState
{
    /// <summary>Nobody installed it through Moat yet: not downloaded, not judged.</summary>
    NotDownloaded,
    /// <summary>Downloaded and the gate let it through.</summary>
    Passed,
    /// <summary>The gate objected, but an admin allowlisted the project, so it is served.</summary>
    Allowlisted,
    /// <summary>The gate quarantined it: refused until an admin releases it.</summary>
    Quarantined,
    /// <summary>An admin blocked it.</summary>
    Blocked,
    /// <summary>An admin released it after the gate objected.</summary>
    Released,
    /// <summary>Downloaded and waiting in the scan queue: not served until the gate has judged it.</summary>
    BeingChecked,
    /// <summary>The upstream page gives no usable sha256 or an unknown filename: Moat never serves it.</summary>
    NotOffered,
}

public static class ProxiedStates
{
    public static string Name(ProxiedState state) => state switch
    {
        ProxiedState.NotDownloaded => "not yet downloaded",
        ProxiedState.Passed => "passed",
        ProxiedState.Allowlisted => "allowlisted",
        ProxiedState.Quarantined => "quarantined",
        ProxiedState.Blocked => "blocked",
        ProxiedState.Released => "released by an admin",
        ProxiedState.BeingChecked => "being checked",
        _ => "not offered",
    };

    public static string Badge(ProxiedState state) => state switch
    {
        ProxiedState.Passed or ProxiedState.Released => "badge badge-ok",
        ProxiedState.Allowlisted => "badge badge-warn",
        ProxiedState.Quarantined or ProxiedState.Blocked => "badge badge-bad",
        _ => "badge badge-muted",
    };

    /// <summary>An admin's override beats the gate's decision (as <see cref="ProxiedFile.Servable"/>); no decision means not downloaded yet.</summary>
    public static ProxiedState Of(ProxiedFile? decided) => decided switch
    {
        null => ProxiedState.NotDownloaded,
        { Override: ProxyOverride.Released } => ProxiedState.Released,
        { Override: ProxyOverride.Blocked } => ProxiedState.Blocked,
        { State: ProxiedFileState.Quarantined } => ProxiedState.Quarantined,
        { State: ProxiedFileState.Pending } => ProxiedState.BeingChecked,
        { Reason: { } reason } when reason.StartsWith("allowlisted:", StringComparison.Ordinal) => ProxiedState.Allowlisted,
        _ => ProxiedState.Passed,
    };
}

/// <summary>
/// One upstream file: what the upstream page says of it, the firewall's state (with the reason and when it was
/// decided), the gate's verdict and findings when Moat judged it, and why the release-age gate hides it, if it does.
/// </summary>
public sealed record ProxiedFileView(UpstreamFile File, ProxiedState State, string? Reason, DateTimeOffset? DecidedAt,
    StoredVerdict? Verdict, IReadOnlyList<Finding> Findings, string? HeldByAge)
{
    /// <summary>Its upstream provenance as Moat verified it when the file was first downloaded; null before that, or when it has none.</summary>
    public Provenance.FileProvenance? Provenance { get; init; }
}

public sealed record ProxiedReleaseView(string Version, IReadOnlyList<ProxiedFileView> Files)
{
    public bool AllYanked => Files.All(f => f.File.Yanked);
}

/// <summary>
/// A proxied project's page: the proxy repository and upstream it comes from, when Moat last fetched its page, the
/// releases (newest first, at most <see cref="ProxiedProjects.MaxReleases"/>), or — for a name the proxy refuses as
/// a lookalike — the refusal instead.
/// </summary>
public sealed record ProxiedProjectView(string Name, string Repository, string Upstream, DateTimeOffset? FetchedAt,
    IReadOnlyList<ProxiedReleaseView> Releases, int ReleasesNotShown, string? Refusal);

/// <summary>
/// Builds proxied project pages from what Moat already holds (the cached upstream page, proxy.db's firewall
/// decisions, the gate's stored verdicts): a page view never asks the upstream, so browsing cannot be used to make
/// Moat fetch or download anything, and costs a few local queries.
/// </summary>
public static class ProxiedProjects
{
    public const int MaxReleases = 100;

    /// <summary>The proxies in the order <c>/simple/</c> resolves through them, then any others.</summary>
    private static IEnumerable<ProxyRepository> Ordered(Repositories repositories) =>
        repositories.Layout.ProxyOrder(repositories.Layout.Root)
            .Select(name => repositories.Proxies.First(p => p.Name == name))
            .Concat(repositories.Proxies).Distinct();

    /// <summary>
    /// The page of <paramref name="project"/> (normalized, not hosted here), or null when no proxy has a page
    /// cached for it (never fetched, reserved, or no proxy configured).
    /// </summary>
    public static async Task<ProxiedProjectView?> ViewAsync(string project, Repositories repositories, LookalikeGuard lookalikes, IMetadataStore store, CancellationToken ct)
    {
        var proxies = Ordered(repositories).Where(p => p.Options.Enabled).ToList();
        if (proxies.Count == 0 || proxies[0].Options.IsReserved(project)) return null; // every proxy shares the reserved list
        if (await lookalikes.RefusalAsync(project, await proxies[0].HistoryAsync(project)) is { } refusal)
            return new(project, proxies[0].Name, proxies[0].Options.DisplayUpstream, null, [], 0, refusal);
        foreach (var proxy in proxies)
        {
            if (await proxy.CachedPageAsync(project) is { } page) return await ViewAsync(project, proxy, page, store, ct);
        }
        return null;
    }

    private static async Task<ProxiedProjectView> ViewAsync(string project, ProxyRepository proxy, UpstreamPage page, IMetadataStore store, CancellationToken ct)
    {
        var decisions = await proxy.Store.GetManyAsync([.. page.Files.Select(f => f.Sha256).OfType<string>().Distinct()]);
        var files = new List<(string Version, ProxiedFileView View)>();
        foreach (var file in page.Files)
        {
            if (DistributionInspector.ParseFilename(file.Filename, out _) is not { } parsed) continue; // not a distribution: never offered
            var decided = file.Sha256 is { } sha ? decisions.GetValueOrDefault(sha) : null;
            var state = ProxyRepository.ToRecord(project, file) is null ? ProxiedState.NotOffered : ProxiedStates.Of(decided);
            var verdict = decided is null ? null : await store.GetVerdictAsync(decided.Sha256, ct);
            var held = state != ProxiedState.NotOffered && proxy.TooYoung(file) ? proxy.ReleaseAgeRefusal(file) : null;
            var provenance = file.ProvenanceUrl is not null && file.Sha256 is { } attested ? await proxy.Store.GetProvenanceAsync(attested) : null;
            files.Add((parsed.Version.ToString(), new ProxiedFileView(file, state, decided?.Reason, decided?.DecidedAt, verdict, StoredFindings.Of(verdict), held)
            {
                Provenance = provenance is null ? null : new Provenance.FileProvenance(provenance.Verified, provenance.Signer, provenance.Reason),
            }));
        }
        var releases = files.GroupBy(f => f.Version)
            .Select(g => new ProxiedReleaseView(g.Key, [.. g.Select(f => f.View).OrderBy(f => f.File.Filename, StringComparer.Ordinal)]))
            .OrderByDescending(r => PackageVersion.TryParse(r.Version, out var v) ? v : null)
            .ThenByDescending(r => r.Version, StringComparer.Ordinal)
            .ToList();
        return new(project, proxy.Name, proxy.Options.DisplayUpstream, await proxy.PageFetchedAtAsync(project),
            [.. releases.Take(MaxReleases)], Math.Max(0, releases.Count - MaxReleases), null);
    }

    /// <summary>Cached proxied projects whose name contains <paramref name="normalizedQuery"/>, minus names hosted here (a hosted name always wins).</summary>
    public static async Task<IReadOnlyList<string>> SearchAsync(string normalizedQuery, Repositories repositories, ProxyStore proxyStore, IMetadataStore store, int limit, CancellationToken ct)
    {
        var proxies = Ordered(repositories).Where(p => p.Options.Enabled).Select(p => p.Name).ToList();
        var found = new List<string>();
        foreach (var name in await proxyStore.SearchPagesAsync(proxies, normalizedQuery, limit))
        {
            if (await store.GetProjectAsync(NormalizedName.Of(name), ct) is null) found.Add(name);
        }
        return found;
    }
}
