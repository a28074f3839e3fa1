using System.CommandLine;
using Moat.Analysis;
using Moat.Analysis.Dependencies;
using Moat.Analysis.Dependencies.Advisories;
using Moat.Analysis.Dependencies.Manifests;
using Moat.Analysis.Names;
using Moat.Analysis.Reporting;
using Moat.Cli.Audit;
using Moat.Packaging;

namespace Moat.Cli.Commands;

/// <summary><c>moat audit [PATH…]</c>: a project's dependency files — names, pins, hashes, indexes, known vulnerabilities.</summary>
public static class AuditCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var paths = new Argument<string[]>("paths")
        {
            Description = "Dependency files (requirements*.txt, pyproject.toml, pylock.toml, uv.lock, poetry.lock, Pipfile.lock) or directories holding them. Default: the current directory.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var osv = new Option<string?>("--osv") { Description = "OSV database: a directory or .tar.gz/.zip of OSV JSON/YAML files. Default: the PyPA advisory snapshot embedded in moat." };
        var osvUrl = new Option<string?>("--osv-url") { Description = "Download an OSV database archive from this URL (cached under ~/.cache/moat/osv, revalidated with ETag)." };
        var noOsv = new Option<bool>("--no-osv") { Description = "Skip known-vulnerability checks." };
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
        var scanTimeout = new Option<int>("--scan-timeout") { Description = "With --scan: seconds before one request (a page or a file) is given up.", DefaultValueFactory = _ => 60 };

        var command = new Command("audit", "Audit a project's dependencies: name confusion, dependency confusion, pinning, hashes and known vulnerabilities.")
        {
            paths, osv, osvUrl, noOsv, noNames, internalFile, internalPrefix, allowFile, historyIndex, publicNames, scan, indexToken, jobs, cacheDir, noCache, scanTimeout,
        };
        common.AddTo(command);
        command.SetAction(parse =>
        {
            var files = ResolveFiles(parse.GetValue(paths) is { Length: > 0 } given ? given : ["."]);
            var manifests = new List<DependencyManifest>();
            foreach (var file in files)
            {
                try
                {
                    manifests.Add(ManifestReader.Read(file));
                }
                catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException)
                {
                    throw new CliInputException(ex.Message, ex);
                }
            }

            var scanIndex = parse.GetValue(scan) is { } indexUrl ? ParseIndexUrl(indexUrl) : null;
            if (scanIndex is null && parse.GetValue(indexToken) is not null) throw new CliInputException("--index-token needs --scan INDEX_URL");
            var internalNames = new InternalNames(parse.GetValue(internalFile) is { } list ? ReadNames(list.FullName) : [], parse.GetValue(internalPrefix) ?? []);
            var options = new AuditOptions
            {
                Advisories = parse.GetValue(noOsv) ? null : LoadAdvisories(parse.GetValue(osv), parse.GetValue(osvUrl), parse.InvocationConfiguration.Error),
                CheckName = parse.GetValue(noNames) ? null
                    : ReviewedNames.Load(parse.GetValue(allowFile), parse.InvocationConfiguration.Error).Wrap(
                        IndexHistory.CheckerFor(parse.GetValue(historyIndex), internalNames.IsEmpty ? NameChecker.Default : new NameChecker(PopularCorpus.Embedded, new NameCheckerOptions(Internal: internalNames)), parse.InvocationConfiguration.Error)),
                Internal = internalNames,
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
            var results = DependencyAudit.Run(manifests, options);
            var exit = common.Report(parse, results);
            if (parse.GetValue(common.Format) == "text" && parse.GetValue(common.Output) is null)
            {
                parse.InvocationConfiguration.Output.WriteLine(Summary(results, options) + (scanned is null ? "" : "; " + AuditScan.Describe(scanned)));
            }
            else if (scanned is not null)
            {
                // Machine-readable output keeps its schema; what the scan did (cache hits, downloads) goes to stderr.
                parse.InvocationConfiguration.Error.WriteLine(AuditScan.Describe(scanned));
            }
            return exit;
        });
        return command;
    }

    private static Uri ParseIndexUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new CliInputException($"--scan must be an http(s) index URL such as https://pypi.org/simple/: {url}");
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

    private static OsvDatabase LoadAdvisories(string? path, string? url, TextWriter error)
    {
        try
        {
            if (url is not null) return OsvDatabase.Load(OsvDownload.Fetch(url, error));
            if (path is not null) return OsvDatabase.Load(path);
            return EmbeddedAdvisories.Load();
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or HttpRequestException or UnauthorizedAccessException)
        {
            throw new CliInputException($"cannot load the OSV database: {ex.Message}", ex);
        }
    }

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
        var advisories = options.Advisories is { } db ? $"; {db.Advisories.Count} advisories from {Path.GetFileName(db.Source)}" : "; no advisory database";
        return $"audit: {dependencies} dependencies, {(findings.Length == 0 ? "no findings" : findings)}{advisories}";
    }
}
