using Moat.Analysis.Names;

namespace Moat.Index.Proxy;

/// <summary>Why a name must not become a hosted project by upload alone, for the uploader and the admin who may grant it.</summary>
public sealed record PublicName(string Reason);

/// <summary>
/// Names that belong to someone else's world: a project a proxied upstream has (a hosted project of that name would
/// replace it for everyone installing through this index — the group serves hosted names only), one of the embedded
/// popular projects, or a name reserved in configuration for internal projects. None of them becomes a hosted
/// project by upload; only an administrator's grant makes one (<see cref="Auth.NewProjects"/>). The upstream is asked
/// through the same page cache as installs; an upstream that cannot be asked fails closed.
/// </summary>
public sealed class ProtectedNames(Repositories repositories, IndexOptions options)
{
    /// <summary>
    /// Why <paramref name="project"/> (normalized) is protected, or null when it is free to create. With
    /// <paramref name="askUpstream"/> false only pages Moat already holds are consulted: an administrator creating an
    /// internal name should not announce it to a public index just to annotate the event.
    /// </summary>
    public async Task<PublicName?> WhyAsync(string project, CancellationToken ct, bool askUpstream = true)
    {
        if (options.Proxy.IsReserved(project) || repositories.Proxies.Any(p => p.Options.IsReserved(project)))
            return new($"'{project}' is a reserved name ([proxy] reserved)");
        if (NameChecker.Default.Corpus.RankOf(project) is { } rank)
            return new($"'{project}' is a popular public project (rank {rank} of {NameChecker.Default.Corpus.Projects.Count} by PyPI downloads)");
        foreach (var proxy in repositories.Proxies)
        {
            if (!proxy.Options.Enabled) continue;
            if (!askUpstream)
            {
                if (await proxy.CachedPageAsync(project) is not null) return new($"'{project}' exists on upstream '{proxy.Name}' ({proxy.Options.DisplayUpstream})");
                continue;
            }
            var lookup = await proxy.PageAsync(project, ct);
            if (lookup.Page is not null) return new($"'{project}' exists on upstream '{proxy.Name}' ({proxy.Options.DisplayUpstream})");
            // Unknown is not free: a name we cannot check may be a public project.
            if (lookup.Failed) return new($"Moat cannot ask upstream '{proxy.Name}' whether '{project}' exists there; try again when it is reachable");
        }
        return null;
    }
}
