using System.Net;
using Moat.Analysis.Dependencies;
using Moat.Analysis.Dependencies.Manifests;
using Moat.Index.Provenance;
using Moat.Index.Proxy;
using Moat.Packaging;
using Moat.Packaging.Filenames;
using Moat.Packaging.Versions;

namespace Moat.Cli.Audit;

/// <summary>How <c>moat audit --provenance</c> reads the index and what it verifies against.</summary>
public sealed record ProvenanceAuditOptions(Uri IndexUrl, SigstoreTrustRoot TrustRoot)
{
    public string? Token { get; init; }
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);
    public string GitHubIssuer { get; init; } = "https://token.actions.githubusercontent.com";
    public string GitLabIssuer { get; init; } = "https://gitlab.com";
}

/// <summary>
/// <c>moat audit --provenance</c>: for each dependency pinned to one version, reads its project page on the index
/// (pypi.org or a Moat index: both give each file's provenance URL), fetches and verifies the provenance object of
/// each file of that version, and applies the index's continuity rule against the nearest earlier releases that carry
/// provenance (<see cref="ProvenanceContinuity"/>). Every failure becomes a fact of its dependency, never an exception.
/// </summary>
public static class ProvenanceAudit
{
    /// <summary>Earlier attested releases consulted for continuity, as the proxy does.</summary>
    private const int EarlierReleases = 3;
    private const int MaxBytes = 4 * 1024 * 1024;

    public static async Task<IReadOnlyDictionary<Dependency, DependencyProvenance>> RunAsync(IReadOnlyList<Dependency> dependencies, ProvenanceAuditOptions options, CancellationToken ct = default)
    {
        var (indexUrl, credentials) = IndexCredentials.FromUrl(options.IndexUrl, options.Token);
        var sockets = new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.All, ConnectTimeout = options.Timeout };
        using var http = new HttpClient(credentials is null ? sockets : new IndexCredentialsHandler(credentials, sockets)) { Timeout = options.Timeout };
        http.DefaultRequestHeaders.UserAgent.ParseAdd($"moat-audit/{MoatApp.Version}");
        var client = new UpstreamClient(http, new ProxyOptions { Upstream = indexUrl.AbsoluteUri, UpstreamTimeout = options.Timeout });
        var verifier = new AttestationVerifier(options.TrustRoot);
        var facts = new Dictionary<Dependency, DependencyProvenance>(ReferenceEqualityComparer.Instance);
        var pages = new Dictionary<string, UpstreamResult>(StringComparer.Ordinal);
        var verified = new Dictionary<string, FileProvenance?>(StringComparer.Ordinal);

        async Task<FileProvenance?> ProvenanceOf(UpstreamFile file)
        {
            var key = file.Sha256 + "/" + file.Filename;
            if (verified.TryGetValue(key, out var known)) return known;
            FileProvenance? result;
            try
            {
                using var response = await client.OpenFileAsync(file.ProvenanceUrl!, ct);
                var bytes = await response.Content.ReadAsByteArrayAsync(ct);
                result = bytes.Length > MaxBytes ? null : verifier.VerifyProvenance(System.Text.Encoding.UTF8.GetString(bytes), file.Filename, file.Sha256!, options.GitHubIssuer, options.GitLabIssuer);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException)
            {
                result = null;
            }
            return verified[key] = result;
        }

        foreach (var dependency in dependencies.Where(d => d.PinnedVersion is not null && d.Url is null && !d.Editable && ProjectName.IsValid(d.Name)))
        {
            var project = ProjectName.Normalize(dependency.Name);
            if (!pages.TryGetValue(project, out var page)) pages[project] = page = await client.GetProjectAsync(project, cached: null, ct);
            if (page.Page is null)
            {
                facts[dependency] = new DependencyProvenance([], NotChecked: page.Status == UpstreamStatus.NotFound
                    ? $"{dependency.Name}: the index has no project of that name" : $"{dependency.Name}: cannot read the project page: {page.Error ?? "no page"}");
                continue;
            }
            if (!PackageVersion.TryParse(dependency.PinnedVersion!, out var pinned))
            {
                facts[dependency] = new DependencyProvenance([], NotChecked: $"{dependency.Name}: {dependency.PinnedVersion} is not a version");
                continue;
            }
            var ofVersion = page.Page.Files.Where(f => f.Sha256 is not null && IndexPackageScanner.IsFileOf(f.Filename, dependency.Name, dependency.PinnedVersion!)).ToList();
            if (ofVersion.Count == 0)
            {
                facts[dependency] = new DependencyProvenance([], NotChecked: $"{dependency.Name}: the index lists no file of version {dependency.PinnedVersion}");
                continue;
            }
            var files = new List<FileProvenanceFact>();
            string? notChecked = null;
            SignerSummary? current = null;
            foreach (var file in ofVersion)
            {
                if (file.ProvenanceUrl is null)
                {
                    files.Add(new FileProvenanceFact(file.Filename, false, false));
                    continue;
                }
                if (await ProvenanceOf(file) is not { } provenance)
                {
                    notChecked = $"{file.Filename}: its provenance object could not be fetched from the index";
                    continue;
                }
                files.Add(new FileProvenanceFact(file.Filename, true, provenance.Verified, provenance.Signer?.Repository, provenance.Signer?.Workflow, provenance.Signer?.Commit, provenance.Reason));
                if (provenance is { Verified: true, Signer: { } signer }) current ??= signer;
            }
            if (notChecked is not null)
            {
                facts[dependency] = new DependencyProvenance(files, NotChecked: notChecked);
                continue;
            }
            var earlier = new List<SignerSummary>();
            foreach (var file in Earlier(page.Page.Files, pinned))
                if (await ProvenanceOf(file) is { Verified: true, Signer: { } signer }) earlier.Add(signer);
            // A file whose attestation fails is reported as invalid on its own; continuity speaks of the unattested.
            var broken = files.Any(f => f.Attested && !f.Verified) ? null : ProvenanceContinuity.Break(project, earlier, current);
            facts[dependency] = new DependencyProvenance(files, broken);
        }
        return facts;
    }

    /// <summary>One attested file of each of the nearest releases before <paramref name="version"/>, newest first.</summary>
    private static IEnumerable<UpstreamFile> Earlier(IReadOnlyList<UpstreamFile> files, PackageVersion version)
    {
        var byRelease = new List<(PackageVersion Version, UpstreamFile File)>();
        foreach (var file in files)
        {
            if (file.ProvenanceUrl is null || file.Sha256 is null || ReleaseOf(file.Filename) is not { } release || release.CompareTo(version) >= 0) continue;
            if (!byRelease.Any(r => r.Version.Equals(release))) byRelease.Add((release, file));
        }
        return byRelease.OrderByDescending(r => r.Version).Take(EarlierReleases).Select(r => r.File);
    }

    private static PackageVersion? ReleaseOf(string filename) =>
        filename.EndsWith(".whl", StringComparison.OrdinalIgnoreCase)
            ? WheelFilename.TryParse(filename, out var wheel, out _) ? wheel.Version : null
            : SdistFilename.TryParse(filename, out var sdist, out _) ? sdist.Version : null;
}
