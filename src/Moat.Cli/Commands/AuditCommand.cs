using System.CommandLine;
using Moat.Analysis;
using Moat.Analysis.Dependencies;
using Moat.Analysis.Dependencies.Advisories;
using Moat.Analysis.Dependencies.Manifests;
using Moat.Analysis.Names;
using Moat.Analysis.Reporting;
using Moat.Cli.Audit;
using Moat.Index.Advisories;
using Moat.Packaging;

namespace Moat.Cli.Commands;

/// <summary><c>moat audit [PATH…]</c>: a project's dependency files — names, pins, hashes, indexes, known vulnerabilities.</summary>
public static class AuditCommand
{
    public static Command Create()
    {
        var common = new CommonOptions("cyclonedx");
        var paths = new Argument<string[]>("paths")
        {
            Description = "Dependency files (requirements*.txt, pyproject.toml, pylock.toml, uv.lock, poetry.lock, Pipfile.lock) or directories holding them. Default: the current directory.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var osv = new Option<string?>("--osv") { Description = "OSV database for this run only: a directory or .tar.gz/.zip of OSV JSON/YAML files. Default: the database --update keeps, else the snapshot embedded in moat." };
        var update = new Option<bool>("--update") { Description = "Refresh the advisory database from osv.dev's PyPI export (or --osv-url) before auditing, revalidating with ETag; with no paths, only refresh." };
        var osvUrl = new Option<string?>("--osv-url") { Description = "Where --update fetches from: a mirror URL of an OSV export (.zip or .tar.gz), a file: URL or a path. Implies --update.", HelpName = "URL" };
        var advisoryDir = new Option<string?>("--advisory-dir") { Description = "Where --update keeps the advisory database (default: $XDG_DATA_HOME/moat/advisories or ~/.local/share/moat/advisories)." };
        var noOsv = new Option<bool>("--no-osv") { Description = "Skip known-vulnerability checks." };
        var requirement = new Option<string[]>("--requirement", "-r") { Description = "A pip requirements file of any name (repeatable), read as `pip install -r` reads it.", HelpName = "FILE", AllowMultipleArgumentsPerToken = false };
        var ignoreVuln = new Option<string[]>("--ignore-vuln") { Description = "Do not report this advisory (repeatable): its id or any alias (PYSEC-…, GHSA-…, CVE-…). Known-malicious (MAL-) advisories are always reported.", HelpName = "ID", AllowMultipleArgumentsPerToken = false };
        var noNames = new Option<bool>("--no-names") { Description = "Skip the name-confusion checks (typosquats, stdlib and import-name traps)." };
        var internalFile = new Option<FileInfo?>("--internal") { Description = "File of internal project names, one per line." };
        var internalPrefix = new Option<string[]>("--internal-prefix") { Description = "Prefix that marks internal project names (repeatable), e.g. acme-.", AllowMultipleArgumentsPerToken = false };
        var historyIndex = new Option<string?>("--index-url") { Description = "A simple index (JSON API) to read the release history of each dependency whose name resembles a popular one." };
        var allowFile = new Option<FileInfo?>("--allow-file") { Description = "Reviewed names to accept: an allow TOML ([[allow]] name, by, reason, date). Default: .moat/allow.toml when it exists." };
        var publicNames = new Option<FileInfo?>("--public-names") { Description = "Every public project name, one per line (plain or .gz), to tell whether internal names are taken publicly." };
        var scan = new Option<string?>("--scan") { Description = "Download the files of every dependency pinned to one version from this simple index (a Moat index or any PEP 691/503 index, e.g. https://user:pass@host/simple/) and scan them for malicious code.", HelpName = "INDEX_URL" };
        var indexToken = new Option<string?>("--index-token") { Description = "API token for the --scan index (sent as Basic __token__, only to the index's own host)." };
        var jobs = new Option<int>("--jobs", "-j") { Description = "Downloads and scans in parallel with --scan (default: the number of cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var cacheDir = new Option<string?>("--cache-dir") { Description = "Where --scan keeps scan results by sha256 (default: $XDG_CACHE_HOME/moat/scan or ~/.cache/moat/scan)." };
        var noCache = new Option<bool>("--no-cache") { Description = "With --scan: neither read nor write the scan cache." };
        var scanTimeout = new Option<int>("--scan-timeout") { Description = "With --scan or --provenance: seconds before one request (a page or a file) is given up.", DefaultValueFactory = _ => 60 };
        var provenance = new Option<string?>("--provenance") { Description = "Check the PEP 740 provenance of every dependency pinned to one version on this simple index (pypi.org or a Moat index): each file's attestation verified, who built it, and continuity with the project's earlier attested releases.", HelpName = "INDEX_URL" };
        var trustRoot = new Option<FileInfo?>("--trust-root") { Description = "With --provenance: a Sigstore trusted_root.json to verify against instead of the embedded public-good root." };

        var command = new Command("audit", "Audit a project's dependencies: name confusion, dependency confusion, pinning, hashes and known vulnerabilities.")
        {
            paths, requirement, osv, update, osvUrl, advisoryDir, noOsv, ignoreVuln, noNames, internalFile, internalPrefix, allowFile, historyIndex, publicNames, scan, indexToken, jobs, cacheDir, noCache, scanTimeout, provenance, trustRoot,
        };
        common.AddTo(command);
        command.SetAction(parse =>
        {
            var error = parse.InvocationConfiguration.Error;
            var store = new AdvisoryStore(parse.GetValue(advisoryDir) ?? DefaultAdvisoryDirectory);
            var refresh = parse.GetValue(update) || parse.GetValue(osvUrl) is not null;
            if (refresh && (parse.GetValue(osv) is not null || parse.GetValue(noOsv)))
                throw new CliInputException("--update and --osv-url refresh the stored advisory database: they cannot be combined with --osv or --no-osv");
            OsvDatabase? refreshed = null;
            if (refresh)
            {
                refreshed = Update(store, parse.GetValue(osvUrl) ?? AdvisoryUpdater.DefaultSource, out var line);
                if (parse.GetValue(paths) is not { Length: > 0 } && parse.GetValue(requirement) is not { Length: > 0 })
                {
                    parse.InvocationConfiguration.Output.WriteLine(line);
                    return 0;
                }
                error.WriteLine(line);
            }
            var requirementFiles = parse.GetValue(requirement) ?? [];
            var files = ResolveFiles(parse.GetValue(paths) is { Length: > 0 } given ? given : requirementFiles.Length > 0 ? [] : ["."]);
            var manifests = new List<DependencyManifest>();
            foreach (var file in requirementFiles)
            {
                if (!File.Exists(file)) throw new CliInputException($"{file}: no such file (-r takes a requirements file)");
                manifests.Add(ReadManifest(file, RequirementsFile.Parse));
            }
            foreach (var file in files) manifests.Add(ReadManifest(file, ManifestReader.Read));

            var scanIndex = parse.GetValue(scan) is { } indexUrl ? ParseIndexUrl(indexUrl, "--scan") : null;
            var provenanceIndex = parse.GetValue(provenance) is { } provenanceUrl ? ParseIndexUrl(provenanceUrl, "--provenance") : null;
            if (scanIndex is null && provenanceIndex is null && parse.GetValue(indexToken) is not null) throw new CliInputException("--index-token needs --scan or --provenance INDEX_URL");
            if (provenanceIndex is null && parse.GetValue(trustRoot) is not null) throw new CliInputException("--trust-root needs --provenance INDEX_URL");
            var internalNames = new InternalNames(parse.GetValue(internalFile) is { } list ? ReadNames(list.FullName) : [], parse.GetValue(internalPrefix) ?? []);
            var options = new AuditOptions
            {
                Advisories = parse.GetValue(noOsv) ? null : refreshed ?? LoadAdvisories(parse.GetValue(osv), store),
                CheckName = parse.GetValue(noNames) ? null
                    : ReviewedNames.Load(parse.GetValue(allowFile), parse.InvocationConfiguration.Error).Wrap(
                        IndexHistory.CheckerFor(parse.GetValue(historyIndex), internalNames.IsEmpty ? NameChecker.Default : new NameChecker(PopularCorpus.Embedded, new NameCheckerOptions(Internal: internalNames)), parse.InvocationConfiguration.Error)),
                Internal = internalNames,
                IgnoredVulnerabilities = (parse.GetValue(ignoreVuln) ?? []).Select(id => id.Trim()).ToHashSet(StringComparer.OrdinalIgnoreCase),
                PublicNames = parse.GetValue(publicNames) is { } names ? ReadNames(names.FullName).ToHashSet(StringComparer.Ordinal) : null,
            };
            IndexScanSummary? scanned = null;
            if (scanIndex is not null)
            {
                var scanOptions = new IndexScanOptions(scanIndex, parse.GetValue(noCache) ? null : new ScanCache(parse.GetValue(cacheDir) ?? ScanCache.DefaultDirectory))
                {
                    Token = parse.GetValue(indexToken),
                    Jobs = Math.Max(1, parse.GetValue(jobs)),
                    Timeout = TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(scanTimeout))),
                };
                var (scans, summary) = AuditScan.Run([.. manifests.SelectMany(m => m.Dependencies)], scanOptions, parse.InvocationConfiguration.Error);
                options = options with { PackageScans = scans };
                scanned = summary;
            }
            if (provenanceIndex is not null)
            {
                var provenanceOptions = new ProvenanceAuditOptions(provenanceIndex, LoadTrustRoot(parse.GetValue(trustRoot)))
                {
                    Token = parse.GetValue(indexToken),
                    Timeout = TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(scanTimeout))),
                };
                options = options with { Provenance = ProvenanceAudit.RunAsync([.. manifests.SelectMany(m => m.Dependencies)], provenanceOptions).GetAwaiter().GetResult() };
            }
            var outcome = DependencyAudit.RunWithDependencies(manifests, options);
            var results = outcome.Results;
            var now = DateTimeOffset.UtcNow;
            var advisoryData = options.Advisories is { } database ? Describe(database, now) : null;
            if (advisoryData is { Stale: true })
            {
                error.WriteLine($"moat: warning: the advisory data is {AdvisoryAge.Describe(options.Advisories!, now)}: vulnerabilities published since are not reported; " +
                    "refresh it with `moat audit --update`");
            }
            int exit;
            if (parse.GetValue(common.Format) == "cyclonedx")
            {
                var report = new ReportOptions(MoatVersion.Current) { Advisories = advisoryData };
                common.Write(parse, writer => CycloneDxBom.Write(writer, outcome.Dependencies, report, now, Guid.NewGuid()));
                exit = common.ExitCode(parse, results);
            }
            else
            {
                exit = common.Report(parse, results, advisoryData);
            }
            if (parse.GetValue(common.Format) == "text" && parse.GetValue(common.Output) is null)
            {
                parse.InvocationConfiguration.Output.WriteLine(Summary(results, options) + (scanned is null ? "" : "; " + AuditScan.Describe(scanned)));
            }
            else if (scanned is not null)
            {
                // Machine-readable output keeps its schema; what the scan did (cache hits, downloads) goes to stderr.
                parse.InvocationConfiguration.Error.WriteLine(AuditScan.Describe(scanned));
            }
            if (scanned is not null && AuditScan.Unverified(results) is { } unverified) error.WriteLine(unverified);
            return exit;
        });
        return command;
    }

    private static DependencyManifest ReadManifest(string file, Func<string, DependencyManifest> read)
    {
        try
        {
            return read(file);
        }
        catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException)
        {
            throw new CliInputException(ex.Message, ex);
        }
    }

    private static Moat.Index.Provenance.SigstoreTrustRoot LoadTrustRoot(FileInfo? file)
    {
        if (file is null) return Moat.Index.Provenance.SigstoreTrustRoot.PublicGood;
        try
        {
            return Moat.Index.Provenance.SigstoreTrustRoot.Parse(File.ReadAllText(file.FullName));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            throw new CliInputException($"--trust-root {file.FullName}: {ex.Message}", ex);
        }
    }

    private static Uri ParseIndexUrl(string url, string option)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new CliInputException($"{option} must be an http(s) index URL such as https://pypi.org/simple/: {url}");
        // Project pages are relative to the index: without the final slash, /simple would lose its last segment.
        return uri.AbsolutePath.EndsWith('/') ? uri : new UriBuilder(uri) { Path = uri.AbsolutePath + "/" }.Uri;
    }

    private static IReadOnlyList<string> ResolveFiles(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                var found = ManifestReader.FindIn(path);
                if (found.Count == 0) throw new CliInputException($"{path}: no dependency files found (requirements*.txt, pyproject.toml, pylock.toml, uv.lock, poetry.lock, Pipfile.lock)");
                files.AddRange(found);
            }
            else if (File.Exists(path))
            {
                files.Add(path);
            }
            else
            {
                throw new CliInputException($"{path}: no such file or directory");
            }
        }
        return files;
    }

    /// <summary>The user's own data directory (XDG): the refreshed database is data to keep, not a cache to clear.</summary>
    public static string DefaultAdvisoryDirectory => Path.Combine(
        Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } xdg ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share"),
        "moat", "advisories");

    private static OsvDatabase Update(AdvisoryStore store, string source, out string line)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxAutomaticRedirections = 3 }) { Timeout = TimeSpan.FromMinutes(5) };
        try
        {
            var result = new AdvisoryUpdater(http, TimeProvider.System).UpdateAsync(store, source).GetAwaiter().GetResult();
            var what = result.Outcome == AdvisoryUpdateOutcome.Updated ? "updated" : "already up to date";
            line = $"advisories: {what} from {source}: {result.Database.Advisories.Count} advisories, {AdvisoryAge.Describe(result.Database, DateTimeOffset.UtcNow)}, kept in {store.Directory}";
            return result.Database;
        }
        catch (AdvisoryUpdateException ex)
        {
            throw new CliInputException(ex.Message, ex);
        }
    }

    private static OsvDatabase LoadAdvisories(string? path, AdvisoryStore store)
    {
        try
        {
            if (path is not null) return OsvDatabase.Load(path);
            return store.Load() ?? EmbeddedAdvisories.Load();
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new CliInputException($"cannot load the OSV database: {ex.Message}", ex);
        }
    }

    private static AdvisoryData Describe(OsvDatabase database, DateTimeOffset now) =>
        new(database.Source, database.Advisories.Count, database.AsOf, AdvisoryAge.Days(database, now), AdvisoryAge.IsStale(database, now));

    /// <summary>A names file (plain or gzip, via the name engine's reader), PEP 503-normalized.</summary>
    internal static IReadOnlyList<string> ReadNames(string path)
    {
        try
        {
            return [.. PublicNames.ReadFile(path).Select(line => ProjectName.Normalize(line.Split('#')[0].Trim())).Where(n => n.Length > 0)];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new CliInputException($"cannot read {path}: {ex.Message}", ex);
        }
    }

    private static string Summary(IReadOnlyList<ScanResult> results, AuditOptions options)
    {
        var dependencies = results.Count(r => r.Kind == TargetKind.Dependency);
        var bySeverity = results.SelectMany(r => r.Findings).GroupBy(f => f.Severity).OrderByDescending(g => g.Key)
            .Select(g => $"{g.Count()} {ReportNames.Of(g.Key)}");
        var findings = string.Join(", ", bySeverity);
        var advisories = options.Advisories is { } db
            ? $"; {db.Advisories.Count} advisories from {Path.GetFileName(db.Source)} {AdvisoryAge.Describe(db, DateTimeOffset.UtcNow)}"
            : "; no advisory database";
        return $"audit: {dependencies} dependencies, {(findings.Length == 0 ? "no findings" : findings)}{advisories}";
    }
}
