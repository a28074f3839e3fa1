using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Enumeration;
using System.Security.Cryptography;
using System.Text;

namespace Moat.Analysis.Secrets;

/// <summary>What a scan may read and what it must not report.</summary>
public sealed record SecretScanOptions
{
    /// <summary>Files larger than this are skipped (generated data, dumps); default 10 MiB.</summary>
    public long MaxFileBytes { get; init; } = 10 * 1024 * 1024;

    /// <summary>Fingerprints of known findings (from <c>--baseline</c>) that are not reported again.</summary>
    public IReadOnlySet<string> Baseline { get; init; } = new HashSet<string>();

    public int MaxParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Paths (relative to the scanned root, '/'-separated) not to read: <c>*</c> and <c>?</c> wildcards; <c>*</c> crosses folders.</summary>
    public IReadOnlyList<string> Exclude { get; init; } = [];

    public bool IsExcluded(string relativePath) =>
        Exclude.Any(glob => FileSystemName.MatchesSimpleExpression(glob.Replace("**", "*", StringComparison.Ordinal), relativePath, ignoreCase: false)
            || FileSystemName.MatchesSimpleExpression(glob.Replace("**", "*", StringComparison.Ordinal), Path.GetFileName(relativePath), ignoreCase: false)
            || glob.EndsWith('/') && relativePath.StartsWith(glob, StringComparison.Ordinal));
}

/// <summary>A tree's scan: findings per file, and how many files were read, skipped (binary, too large, unreadable) and excluded.</summary>
public sealed record SecretScanSummary(IReadOnlyList<(string Path, IReadOnlyList<SecretFinding> Findings)> Results, int FilesRead, int FilesSkipped, int FilesExcluded);

/// <summary>A finding together with its baseline fingerprint (which never leaves the process except as a hash).</summary>
public sealed record SecretFinding(Finding Finding, string Fingerprint);

/// <summary>
/// <c>moat secrets</c>' engine. One pass per file: a single SearchValues prefilter over every detector's anchors
/// decides whether any regex runs at all; the detectors whose anchors occur then scan; overlapping hits are merged,
/// inline <c>moat: allow-secret</c> comments and the baseline suppress, and the secret is redacted. Binary files,
/// huge files and dependency/VCS folders are skipped; files are scanned in parallel.
/// </summary>
public static class SecretScanner
{
    public const string AllowComment = "moat: allow-secret";

    public static readonly IReadOnlyList<SecretDetector> Detectors =
    [
        PyPiTokenDetector.Detector,
        GitHubTokenDetector.Detector,
        AwsKeyDetector.Detector,
        GcpServiceAccountDetector.Detector,
        PrivateKeyDetector.Detector,
        NpmTokenDetector.Detector,
        ChatWebhookDetector.Detector,
        UrlCredentialsDetector.Detector,
        ConfigFileDetector.Detector,
        WrappedSecretDetector.Detector,
        GenericSecretDetector.Detector,
    ];

    // Every anchor of every detector, case-insensitively: one vectorised search rejects most files outright.
    private static readonly SearchValues<string> AnyAnchor =
        SearchValues.Create([.. Detectors.SelectMany(d => d.Anchors).Distinct(StringComparer.OrdinalIgnoreCase)], StringComparison.OrdinalIgnoreCase);

    private static readonly HashSet<string> SkippedDirectories = new(StringComparer.Ordinal)
    {
        ".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache",
        "site-packages", ".hg", ".svn",
    };

    /// <summary>Scans a file or a directory tree; returns findings grouped per file (paths relative to <paramref name="root"/>).</summary>
    public static IReadOnlyList<(string Path, IReadOnlyList<SecretFinding> Findings)> ScanPath(string root, SecretScanOptions? options = null) =>
        Scan(root, options).Results;

    /// <summary>Scans a file or a directory tree, counting what was read.</summary>
    public static SecretScanSummary Scan(string root, SecretScanOptions? options = null)
    {
        options ??= new SecretScanOptions();
        if (File.Exists(root))
        {
            var single = ScanFile(root, Path.GetFileName(root), options, out var wasRead);
            return new SecretScanSummary(single.Count == 0 ? [] : [(Path.GetFileName(root), single)], wasRead ? 1 : 0, wasRead ? 0 : 1, 0);
        }
        if (!Directory.Exists(root)) throw new FileNotFoundException($"no such file or directory: {root}", root);

        var results = new ConcurrentBag<(string, IReadOnlyList<SecretFinding>)>();
        int read = 0, skipped = 0, excluded = 0;
        Parallel.ForEach(EnumerateFiles(root), new ParallelOptions { MaxDegreeOfParallelism = options.MaxParallelism }, file =>
        {
            var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            if (options.IsExcluded(relative))
            {
                Interlocked.Increment(ref excluded);
                return;
            }
            var findings = ScanFile(file, relative, options, out var wasRead);
            if (wasRead) Interlocked.Increment(ref read);
            else Interlocked.Increment(ref skipped);
            if (findings.Count > 0) results.Add((relative, findings));
        });
        return new SecretScanSummary([.. results.OrderBy(r => r.Item1, StringComparer.Ordinal)], read, skipped, excluded);
    }

    public static IEnumerable<string> EnumerateFiles(string root)
    {
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var directory = pending.Pop();
            IEnumerable<string> entries;
            try
            {
                entries = Directory.EnumerateFileSystemEntries(directory).ToList();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            foreach (var entry in entries)
            {
                FileAttributes attributes;
                try { attributes = File.GetAttributes(entry); }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { continue; }
                if ((attributes & FileAttributes.ReparsePoint) != 0) continue; // never follow links
                if ((attributes & FileAttributes.Directory) != 0)
                {
                    if (!SkippedDirectories.Contains(Path.GetFileName(entry))) pending.Push(entry);
                }
                else
                {
                    yield return entry;
                }
            }
        }
    }

    /// <summary>Reads and scans one file; unreadable, binary and oversized files yield nothing.</summary>
    public static IReadOnlyList<SecretFinding> ScanFile(string file, string displayPath, SecretScanOptions options) =>
        ScanFile(file, displayPath, options, out _);

    private static IReadOnlyList<SecretFinding> ScanFile(string file, string displayPath, SecretScanOptions options, out bool read)
    {
        read = false;
        byte[] bytes;
        try
        {
            var info = new FileInfo(file);
            if (info.Length > options.MaxFileBytes) return [];
            if (info.Length == 0) { read = true; return []; }
            bytes = File.ReadAllBytes(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
        if (bytes.AsSpan(0, Math.Min(bytes.Length, 8192)).Contains((byte)0)) return []; // binary
        read = true;
        return ScanText(Encoding.UTF8.GetString(bytes), displayPath, options);
    }

    /// <summary>Scans text that came from <paramref name="displayPath"/> (whose file name selects config-file parsing).</summary>
    public static IReadOnlyList<SecretFinding> ScanText(string text, string displayPath, SecretScanOptions? options = null, Func<int, int>? lineMap = null)
    {
        options ??= new SecretScanOptions();
        var fileName = Path.GetFileName(displayPath);
        var isConfig = ConfigFileDetector.IsConfigFile(fileName);
        if (!isConfig && text.AsSpan().IndexOfAny(AnyAnchor) < 0) return [];

        var hits = new List<SecretHit>();
        foreach (var detector in Detectors)
        {
            if (detector.AppliesToFile(fileName) || detector.MayMatch(text)) detector.Scan(text, fileName, hits);
        }
        if (hits.Count == 0) return [];

        var lines = LineStarts(text);
        var findings = new List<SecretFinding>();
        foreach (var hit in Merge(hits))
        {
            var (line, column) = Position(lines, hit.Offset);
            if (IsAllowed(text, lines, line)) continue;
            var fingerprint = Fingerprint(hit.Rule.Id, displayPath, hit.Secret);
            if (options.Baseline.Contains(fingerprint)) continue;
            var reportedLine = lineMap?.Invoke(line) ?? line;
            findings.Add(new SecretFinding(
                new Finding(hit.Rule.Id, hit.Severity, hit.Confidence, hit.Message, new Location(displayPath, reportedLine, column), hit.Evidence ?? Redaction.Redact(hit.Secret)),
                fingerprint));
        }
        return findings;
    }

    /// <summary>
    /// Drops a hit whose span lies inside another hit of at least its severity (the private key inside a service-account
    /// file, the generic match on a .pypirc password), and exact duplicates.
    /// </summary>
    private static IEnumerable<SecretHit> Merge(List<SecretHit> hits)
    {
        var ordered = hits.OrderByDescending(h => h.Severity).ThenByDescending(h => h.Confidence).ThenByDescending(h => h.Length).ToList();
        var kept = new List<SecretHit>();
        foreach (var hit in ordered)
        {
            if (kept.Any(k => hit.Offset >= k.Offset && hit.Offset + hit.Length <= k.Offset + k.Length + 1 ||
                              k.Offset >= hit.Offset && k.Offset + k.Length <= hit.Offset + hit.Length && k.Rule != hit.Rule)) continue;
            kept.Add(hit);
        }
        return kept.OrderBy(h => h.Offset);
    }

    /// <summary>Stable across runs and line moves: the rule, the file and a hash of the secret itself.</summary>
    public static string Fingerprint(string ruleId, string path, string secret) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{ruleId}\n{path.Replace('\\', '/')}\n{secret}")))[..32];

    private static bool IsAllowed(string text, List<int> lines, int line)
    {
        for (var l = Math.Max(1, line - 1); l <= line; l++)
        {
            var start = lines[l - 1];
            var end = l < lines.Count ? lines[l] : text.Length;
            if (text.AsSpan(start, end - start).Contains(AllowComment, StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    private static List<int> LineStarts(string text)
    {
        var starts = new List<int> { 0 };
        var index = -1;
        while ((index = text.IndexOf('\n', index + 1)) >= 0) starts.Add(index + 1);
        return starts;
    }

    private static (int Line, int Column) Position(List<int> lineStarts, int offset)
    {
        var index = lineStarts.BinarySearch(offset);
        if (index < 0) index = ~index - 1;
        return (index + 1, offset - lineStarts[index] + 1);
    }
}
