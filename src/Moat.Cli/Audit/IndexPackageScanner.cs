using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using Moat.Analysis;
using Moat.Analysis.Code;
using Moat.Analysis.Dependencies;
using Moat.Analysis.Dependencies.Manifests;
using Moat.Index.Proxy;
using Moat.Packaging;
using Moat.Packaging.Filenames;
using Moat.Packaging.Versions;

namespace Moat.Cli.Audit;

/// <summary>How <c>moat audit --scan</c> talks to the index and how much work it may do.</summary>
public sealed record IndexScanOptions(Uri IndexUrl, ScanCache? Cache)
{
    public string? Token { get; init; }
    public int Jobs { get; init; } = Environment.ProcessorCount;

    /// <summary>Each request (a project page, a file download) gives up after this long.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A larger file is not downloaded (a finding says so): bounds disk and time per file.</summary>
    public long MaxFileBytes { get; init; } = 1L << 30;

    /// <summary>A version with more files than this (a wheel per platform) has the rest left unscanned, with a finding.</summary>
    public int MaxFilesPerDependency { get; init; } = 64;
}

/// <summary>What one scan run did: the observable half of the cache (files served from it, files downloaded).</summary>
public sealed record IndexScanSummary(int Dependencies, int Files, int FromCache, int Downloaded, long BytesDownloaded, int Unscanned);

/// <summary>
/// <c>moat audit --scan</c>: resolves each dependency pinned to one version on a simple index (PEP 691 JSON, or PEP 503
/// HTML, through the proxy's <see cref="UpstreamClient"/>), picks the files of that version (only those with a hash
/// the requirement lists, when it lists any), downloads each once with bounded parallelism, verifies its sha256, and
/// runs <see cref="PackageScanner"/> on it — unless the scan cache already holds that sha256. Every failure is a
/// <see cref="PackageScanProblem"/> of its dependency, never an exception.
/// </summary>
public static class IndexPackageScanner
{
    public static async Task<(IReadOnlyDictionary<Dependency, PackageScan> Scans, IndexScanSummary Summary)> ScanAsync(
        IReadOnlyList<Dependency> dependencies, IndexScanOptions options, IProgress<(int Done, int Total)>? progress = null, CancellationToken ct = default)
    {
        var (indexUrl, credentials) = IndexCredentials.FromUrl(options.IndexUrl, options.Token);
        using var http = CreateHttpClient(credentials, options);
        var client = new UpstreamClient(http, new ProxyOptions { Upstream = indexUrl.AbsoluteUri, UpstreamTimeout = options.Timeout });
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Jobs), CancellationToken = ct };

        // A name that is not a valid project name could not be on any index (and must not become part of a URL).
        var pinned = dependencies.Where(d => d.PinnedVersion is not null && d.Url is null && !d.Editable && ProjectName.IsValid(d.Name)).ToList();
        var projects = pinned.Select(d => ProjectName.Normalize(d.Name)).Distinct(StringComparer.Ordinal).ToList();
        var pages = new ConcurrentDictionary<string, UpstreamResult>(StringComparer.Ordinal);
        var done = 0;
        var total = projects.Count;
        progress?.Report((0, total));
        await Parallel.ForEachAsync(projects, parallel, async (project, token) =>
        {
            pages[project] = await client.GetProjectAsync(project, cached: null, token);
            progress?.Report((Interlocked.Increment(ref done), Volatile.Read(ref total)));
        });

        // Plan: each dependency's files, and each distinct file once (two manifests pinning the same release share it).
        var scans = PackageScans.Create();
        var plans = new List<(Dependency Dependency, List<UpstreamFile> Files, List<PackageScanProblem> Problems)>();
        var downloads = new Dictionary<string, UpstreamFile>(StringComparer.Ordinal);
        foreach (var dependency in pinned)
        {
            var (files, problems) = Choose(dependency, pages[ProjectName.Normalize(dependency.Name)], options);
            plans.Add((dependency, files, problems));
            foreach (var file in files) downloads.TryAdd(FileKey(file), file);
        }
        Interlocked.Add(ref total, downloads.Count);
        progress?.Report((Volatile.Read(ref done), Volatile.Read(ref total)));

        var outcomes = new ConcurrentDictionary<string, FileOutcome>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(downloads, parallel, async (pair, token) =>
        {
            outcomes[pair.Key] = await FetchAndScanAsync(client, pair.Value, options, token);
            progress?.Report((Interlocked.Increment(ref done), Volatile.Read(ref total)));
        });

        foreach (var (dependency, files, problems) in plans)
        {
            var scanned = new List<ScannedFile>();
            foreach (var file in files)
            {
                var outcome = outcomes[FileKey(file)];
                if (outcome.Problem is { } problem) problems.Add(problem);
                else if (file.Sha256 is null && dependency.HashList.Count > 0 && !HashesOf(dependency).Contains(outcome.Scanned!.Sha256))
                    problems.Add(new(PackageScanProblemKind.HashMismatch,
                        $"{file.Filename}: its sha256 {outcome.Scanned.Sha256} is none of the {dependency.HashList.Count} hashes {dependency.Name} lists", "sha256:" + outcome.Scanned.Sha256));
                else scanned.Add(outcome.Scanned!);
            }
            scans[dependency] = new PackageScan(scanned, problems);
        }

        var all = outcomes.Values.Where(o => o.Scanned is not null).Select(o => o.Scanned!).ToList();
        var summary = new IndexScanSummary(pinned.Count, all.Count, all.Count(f => f.FromCache), outcomes.Values.Count(o => o.Downloaded),
            outcomes.Values.Sum(o => o.Bytes), scans.Count(s => s.Value.Files.Count == 0));
        return (scans, summary);
    }

    private static HttpClient CreateHttpClient(IndexCredentials? credentials, IndexScanOptions options)
    {
        var sockets = new SocketsHttpHandler
        {
            AutomaticDecompression = DecompressionMethods.All,
            ConnectTimeout = options.Timeout,
            MaxConnectionsPerServer = Math.Max(2, options.Jobs),
        };
        HttpMessageHandler handler = credentials is null ? sockets : new IndexCredentialsHandler(credentials, sockets);
        // Timeouts are per request (UpstreamClient's for pages, ours for files), so a big file is not cut by a global one.
        var http = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.UserAgent.ParseAdd($"moat-audit/{MoatApp.Version}");
        return http;
    }

    /// <summary>The files of the pinned version; with hashes given, only those the index says have one of them.</summary>
    internal static (List<UpstreamFile> Files, List<PackageScanProblem> Problems) Choose(Dependency dependency, UpstreamResult page, IndexScanOptions options)
    {
        var name = dependency.Name;
        var version = dependency.PinnedVersion!;
        switch (page.Status)
        {
            case UpstreamStatus.NotFound:
                return ([], [new(PackageScanProblemKind.ProjectNotFound, $"{name}: the index has no project of that name ({options.IndexUrl.GetLeftPart(UriPartial.Path)})")]);
            case UpstreamStatus.Failed or UpstreamStatus.NotModified when page.Page is null:
                return ([], [new(PackageScanProblemKind.IndexUnavailable, $"{name}: cannot read the project page: {page.Error ?? "no page"}")]);
        }
        var ofVersion = page.Page!.Files.Where(f => IsFileOf(f.Filename, name, version)).ToList();
        if (ofVersion.Count == 0)
            return ([], [new(PackageScanProblemKind.NoFileForVersion, $"{name}: the index lists no file of version {version} ({page.Page.Files.Count} files of other versions)")]);

        var chosen = ofVersion;
        if (dependency.HashList.Count > 0)
        {
            var hashes = HashesOf(dependency);
            // A file the page gives no sha256 for is downloaded and checked after; one with another sha256 is not the locked file.
            chosen = [.. ofVersion.Where(f => f.Sha256 is null || hashes.Contains(f.Sha256))];
            if (chosen.Count == 0)
                return ([], [new(PackageScanProblemKind.HashMismatch,
                    $"{name} {version}: no file on the index has a hash the requirement lists ({Count(ofVersion.Count, "file")} checked against {Count(dependency.HashList.Count, "hash")}) — the release was replaced, or the lock is wrong",
                    dependency.HashList[0])]);
        }
        var problems = new List<PackageScanProblem>();
        if (chosen.Count > options.MaxFilesPerDependency)
        {
            problems.Add(new(PackageScanProblemKind.DownloadFailed, $"{name} {version}: {chosen.Count} files; only the first {options.MaxFilesPerDependency} were scanned"));
            // Sdists first: they carry setup.py, the install-time code; then wheels in the index's order.
            chosen = [.. chosen.OrderBy(f => f.Filename.EndsWith(".whl", StringComparison.OrdinalIgnoreCase)).Take(options.MaxFilesPerDependency)];
        }
        return (chosen, problems);
    }

    /// <summary>Whether a wheel or sdist filename is of this project at exactly the pinned version (PEP 440 <c>==</c>).</summary>
    internal static bool IsFileOf(string filename, string project, string pinned)
    {
        string fileProject;
        PackageVersion fileVersion;
        if (filename.EndsWith(".whl", StringComparison.OrdinalIgnoreCase))
        {
            if (!WheelFilename.TryParse(filename, out var wheel, out _)) return false;
            (fileProject, fileVersion) = (wheel.Name, wheel.Version);
        }
        else
        {
            if (!SdistFilename.TryParse(filename, out var sdist, out _)) return false;
            (fileProject, fileVersion) = (sdist.Name, sdist.Version);
        }
        if (ProjectName.Normalize(fileProject) != ProjectName.Normalize(project)) return false;
        return Specifier.TryParse("==" + pinned, out var exact) ? exact.Contains(fileVersion, prereleases: true) : fileVersion.ToString() == pinned;
    }

    private static string Count(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}{(noun.EndsWith('h') ? "es" : "s")}";

    private static HashSet<string> HashesOf(Dependency dependency) =>
        dependency.HashList.Where(h => h.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase))
            .Select(h => h["sha256:".Length..].ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);

    private static string FileKey(UpstreamFile file) => file.Sha256 ?? file.Url;

    private sealed record FileOutcome(ScannedFile? Scanned, PackageScanProblem? Problem, bool Downloaded = false, long Bytes = 0);

    private static async Task<FileOutcome> FetchAndScanAsync(UpstreamClient client, UpstreamFile file, IndexScanOptions options, CancellationToken ct)
    {
        if (file.Sha256 is { } advertised && options.Cache?.TryGet(advertised) is { } cached)
            return new(new ScannedFile(file.Filename, advertised, cached with { Target = file.Filename }, FromCache: true), null);
        if (file.Size > options.MaxFileBytes)
            return new(null, new(PackageScanProblemKind.DownloadFailed, $"{file.Filename}: {file.Size} bytes is more than the {options.MaxFileBytes} a scan downloads"));

        var temporary = Path.Combine(Path.GetTempPath(), $"moat-audit-{Guid.NewGuid():N}");
        try
        {
            return await DownloadAndScanAsync(client, file, temporary, options, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // One hostile or broken file must not end the audit of every other dependency: it becomes that file's problem.
            return new(null, new(PackageScanProblemKind.DownloadFailed, $"{file.Filename}: could not be scanned: {ex.Message}"));
        }
        finally
        {
            try { File.Delete(temporary); } catch (IOException) { }
        }
    }

    private static async Task<FileOutcome> DownloadAndScanAsync(UpstreamClient client, UpstreamFile file, string temporary, IndexScanOptions options, CancellationToken ct)
    {
        string actual;
        long bytes;
        try
        {
            (actual, bytes) = await DownloadAsync(client, file, temporary, options, ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            var reason = ex is OperationCanceledException ? $"timed out after {options.Timeout.TotalSeconds:0} s" : ex.Message;
            return new(null, new(PackageScanProblemKind.DownloadFailed, $"{file.Filename}: download failed: {reason}"));
        }
        if (file.Sha256 is { } expected && actual != expected)
            return new(null, new(PackageScanProblemKind.HashMismatch,
                $"{file.Filename}: the index advertises sha256 {expected} but served bytes with sha256 {actual}", "sha256:" + actual), Downloaded: true, Bytes: bytes);

        if (file.Sha256 is null && options.Cache?.TryGet(actual) is { } hit)
            return new(new ScannedFile(file.Filename, actual, hit with { Target = file.Filename }, FromCache: true), null, Downloaded: true, Bytes: bytes);
        ScanResult result;
        await using (var stream = new FileStream(temporary, FileMode.Open, FileAccess.Read, FileShare.Read, 4096))
        {
            // Packages scanned at once share the cores with the files of one package analysed at once.
            result = PackageScanner.Scan(stream, file.Filename, new CodeScanOptions { FileParallelism = CodeScanOptions.FileParallelismBeside(options.Jobs) });
        }
        options.Cache?.Put(actual, result);
        return new(new ScannedFile(file.Filename, actual, result, FromCache: false), null, Downloaded: true, Bytes: bytes);
    }

    /// <summary>Streams the file to disk while hashing it; stops at the size bound and at the per-request timeout.</summary>
    private static async Task<(string Sha256, long Bytes)> DownloadAsync(UpstreamClient client, UpstreamFile file, string path, IndexScanOptions options, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Timeout);
        using var response = await client.OpenFileAsync(file.Url, timeout.Token);
        if (response.Content.Headers.ContentLength > options.MaxFileBytes)
            throw new IOException($"{response.Content.Headers.ContentLength} bytes is more than the {options.MaxFileBytes} a scan downloads");
        await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
        await using var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, timeout.Token)) > 0)
        {
            total += read;
            if (total > options.MaxFileBytes) throw new IOException($"more than the {options.MaxFileBytes} bytes a scan downloads");
            sha.AppendData(buffer, 0, read);
            await output.WriteAsync(buffer.AsMemory(0, read), timeout.Token);
        }
        return (Convert.ToHexStringLower(sha.GetHashAndReset()), total);
    }
}
