using System.Text;
using System.Text.RegularExpressions;
using Moat.Packaging;
using Moat.Packaging.Archives;

namespace Moat.Analysis.Code;

/// <summary>Bounds for one package scan.</summary>
public sealed record CodeScanOptions
{
    /// <summary>Python files larger than this are not analysed whole: only their head and tail (a finding says so).</summary>
    public int MaxFileBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>How much of the start and of the end of a file over <see cref="MaxFileBytes"/> is analysed.</summary>
    public int SampleBytes { get; init; } = 1024 * 1024;

    /// <summary>Total Python source read from one package; files past it are not analysed (a finding says so).</summary>
    public long MaxSourceBytes { get; init; } = 64 * 1024 * 1024;

    /// <summary>Decoded layers followed inside one another (base64 in zlib in marshal …).</summary>
    public int MaxLayerDepth { get; init; } = 8;

    /// <summary>Decoded layers analysed per package.</summary>
    public int MaxLayers { get; init; } = 200;

    /// <summary>Function bodies walked per file (a function called from several contexts is walked once for each).</summary>
    public int MaxFunctionWalks { get; init; } = 20_000;

    /// <summary>Steps the partial evaluator may spend per file following user-defined decoders.</summary>
    public long EvaluatorStepBudget { get; init; } = Evaluator.StepBudget;

    /// <summary>The archive reader's bounds (its defaults when null). Oversized members are always offered, to be sampled.</summary>
    public ArchiveLimits? ArchiveLimits { get; init; }

    /// <summary>The name engine for the package's own name and its dependencies (shared with the rest of the process by default).</summary>
    public PackageNameMatcher Names { get; init; } = PackageNameMatcher.Shared;

    /// <summary>
    /// Findings of files already analysed, reused for the same text in the same role (shared with the rest of the process
    /// by default; null analyses every file).
    /// </summary>
    public FileAnalysisCache? FileCache { get; init; } = FileAnalysisCache.Shared;

    /// <summary>
    /// How many of a package's files are analysed at once (the number of cores by default; 1: one after the other, on
    /// the calling thread). The findings are the same either way. A caller that already scans as many packages at
    /// once as there are cores gains nothing from more.
    /// </summary>
    public int FileParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>The <see cref="FileParallelism"/> that shares the cores with <paramref name="packagesAtOnce"/> packages scanned at once.</summary>
    public static int FileParallelismBeside(int packagesAtOnce) => Math.Max(1, Environment.ProcessorCount / Math.Max(1, packagesAtOnce));

    public static CodeScanOptions Default { get; } = new();
}

/// <summary>
/// Moat's malicious-package scanner: reads a package (archive, unpacked directory, or one .py/.pth file), classifies
/// each file by when it runs, analyses it (<see cref="FileAnalysis"/>), adds package-level signals, and judges the
/// whole with <see cref="Verdicts"/>. Thread-safe: every call has its own state.
/// </summary>
public static partial class PackageScanner
{
    private static readonly string[] ArchiveSuffixes = [".whl", ".tar.gz", ".tgz", ".zip", ".tar.bz2", ".tar.xz", ".tar", ".egg", ".tbz2", ".txz"];

    public static bool IsArchiveName(string path) => ArchiveSuffixes.Any(s => path.EndsWith(s, StringComparison.OrdinalIgnoreCase));

    public static ScanResult Scan(string path, CodeScanOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= CodeScanOptions.Default;
        var contents = new PackageContents(path);
        if (Directory.Exists(path))
        {
            ReadDirectory(path, contents, options);
            return Analyze(path, TargetKind.Package, contents, options);
        }
        if (IsSourceName(path))
        {
            using var source = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096);
            AddSingleSource(Path.GetFileName(path), source, contents, options);
            return Analyze(path, TargetKind.File, contents, options, singleFile: true);
        }
        // A small buffer: the decompressor reads in its own chunks, and a 64 KiB buffer per archive was a quarter of
        // everything a scan of a small sdist allocated.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096);
        return ScanArchive(stream, path, Path.GetFileName(path), contents, options);
    }

    /// <summary>Scans an archive from a stream (the index server's uploads and proxied files).</summary>
    public static ScanResult Scan(Stream stream, string fileName, CodeScanOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(fileName);
        options ??= CodeScanOptions.Default;
        var contents = new PackageContents(fileName);
        if (IsSourceName(fileName))
        {
            AddSingleSource(fileName, stream, contents, options);
            return Analyze(fileName, TargetKind.File, contents, options, singleFile: true);
        }
        return ScanArchive(stream, fileName, fileName, contents, options);
    }

    /// <summary>
    /// Scans a distribution archive while <paramref name="tap"/> reads the members it wants in the same pass (the index
    /// reads an upload's core metadata so, instead of opening the archive twice).
    /// </summary>
    public static ScanResult Scan(Stream stream, string fileName, IMemberTap tap, CodeScanOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(tap);
        options ??= CodeScanOptions.Default;
        return ScanArchive(stream, fileName, fileName, new PackageContents(fileName), options, tap);
    }

    /// <summary>A lone .py/.pth: whole when it is small enough, else its head and tail.</summary>
    private static void AddSingleSource(string name, Stream stream, PackageContents contents, CodeScanOptions options)
    {
        var sample = MemberSample.Read(stream, options.MaxFileBytes, options.SampleBytes);
        if (sample.Tail.Length == 0) contents.Sources.Add(new SourceFile(name, sample.Head, contents.DecodedText));
        else AddSampled(name, sample, contents, options);
    }

    /// <summary>
    /// Analyses a file too large to analyse whole from its first and last <see cref="CodeScanOptions.SampleBytes"/>,
    /// cut to whole lines (code that runs at import or interpreter start sits at the top; padding pushes the rest down),
    /// and says the middle was not analysed.
    /// </summary>
    private static void AddSampled(string path, MemberSample sample, PackageContents contents, CodeScanOptions options)
    {
        // The sample's head may be longer than analysed (a stream read up to the file limit): the tail then takes
        // what it lacks from the end of that head, so it is the file's last SampleBytes whatever the split.
        var keep = Math.Min(sample.Head.Length, options.SampleBytes);
        var borrowed = sample.Head.AsSpan(sample.Head.Length - Math.Min(Math.Max(0, options.SampleBytes - sample.Tail.Length), sample.Head.Length - keep));
        var head = sample.Head.AsSpan(0, keep);
        if (head.LastIndexOf((byte)'\n') is > 0 and var lastBreak) head = head[..(lastBreak + 1)];
        var tail = (ReadOnlySpan<byte>)[.. borrowed, .. sample.Tail];
        var tailLine = sample.NewlinesBeforeTail - borrowed.Count((byte)'\n');
        if (tail.IndexOf((byte)'\n') is >= 0 and var firstBreak && firstBreak + 1 < tail.Length)
        {
            tail = tail[(firstBreak + 1)..];
            tailLine++;
        }
        contents.Sources.Add(new SourceFile(path, head.ToArray(), contents.DecodedText));
        if (tail.Length > 0) contents.Sources.Add(new SourceFile(path, tail.ToArray(), contents.DecodedText) { LineOffset = (int)Math.Min(tailLine, int.MaxValue) });
        var size = sample.Complete ? $"{sample.Length:N0} bytes" : $"over {sample.Length:N0} bytes (reading stopped there)";
        contents.Skipped.Add((path, $"Python file of {size} is too large to analyse whole: only its first {head.Length:N0} and last {tail.Length:N0} bytes were analysed"));
    }

    internal static bool IsSourceName(string path) =>
        path.EndsWith(".py", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".pth", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".pyw", StringComparison.OrdinalIgnoreCase);

    private static ScanResult ScanArchive(Stream stream, string target, string fileName, PackageContents contents, CodeScanOptions options, IMemberTap? tap = null)
    {
        contents.IsWheel = fileName.EndsWith(".whl", StringComparison.OrdinalIgnoreCase);
        long sourceBytes = 0;
        ArchiveReadResult read;
        var limits = (options.ArchiveLimits ?? ArchiveLimits.Default) with { OfferOversizedMembers = true };
        try
        {
            read = SafeArchive.Read(stream, fileName, member =>
            {
                if (member.Kind != ArchiveMemberKind.File) return;
                contents.MemberCount++;
                if (tap?.Offer(member) is { } taken)
                {
                    // The tap read this member (its data streams once): its bytes stand in for every read the scan would make.
                    CollectMember(member.Path, taken.Length, tooLarge: false, () => taken, () => taken[..Math.Min(4, taken.Length)],
                        () => MemberSample.Read(new MemoryStream(taken, writable: false), options.MaxFileBytes, options.SampleBytes), contents, options, ref sourceBytes);
                    return;
                }
                // A member over the reader's size limit can only be sampled; the reader has already reported it.
                if (member.ExceedsSizeLimit && !IsSourceName(member.Name)) return;
                // A limit or corrupt data met while reading a member escapes as ArchiveReadException; the reader
                // has recorded it among its issues and moves on.
                CollectMember(member.Path, member.Size, member.ExceedsSizeLimit, () => member.ReadAllBytes(), () => Head(member),
                    () => member.ReadHeadAndTail(options.MaxFileBytes, options.SampleBytes), contents, options, ref sourceBytes);
            }, limits);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or NotSupportedException)
        {
            var corrupt = new ArchiveIssue(ArchiveIssueKind.Corrupt, null, ex.Message);
            contents.Issues.Add(corrupt);
            tap?.Finish(new ArchiveReadResult(ArchiveFormat.Unknown, contents.MemberCount, 0, [corrupt]));
            return Analyze(target, TargetKind.Package, contents, options);
        }
        tap?.Finish(read);
        contents.Issues.AddRange(read.Issues);
        var named = SafeArchive.FormatFromName(fileName);
        if (named != ArchiveFormat.Unknown && read.Format != ArchiveFormat.Unknown && named != read.Format) contents.FormatMismatch = (named, read.Format);
        return Analyze(target, TargetKind.Package, contents, options);
    }

    private static byte[] Head(ArchiveMember member)
    {
        using var s = member.OpenRead();
        var head = new byte[4];
        var n = s.ReadAtLeast(head, 4, throwOnEndOfStream: false);
        return head[..n];
    }

    private static void ReadDirectory(string root, PackageContents contents, CodeScanOptions options)
    {
        long sourceBytes = 0;
        var enumeration = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true, MaxRecursionDepth = 32 };
        foreach (var file in Directory.EnumerateFiles(root, "*", enumeration))
        {
            var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            if (relative.StartsWith(".git/", StringComparison.Ordinal)) continue;
            contents.MemberCount++;
            if (contents.MemberCount > MaxDirectoryFiles)
            {
                contents.Issues.Add(new ArchiveIssue(ArchiveIssueKind.TooManyMembers, null, $"more than {MaxDirectoryFiles:N0} files; the rest were not read"));
                break;
            }
            long size;
            try { size = new FileInfo(file).Length; }
            catch (IOException ex)
            {
                contents.Issues.Add(new ArchiveIssue(ArchiveIssueKind.Corrupt, relative, $"could not be read: {ex.Message}"));
                continue;
            }
            try
            {
                CollectMember(relative, size, tooLarge: false, () => File.ReadAllBytes(file), () =>
                {
                    using var s = File.OpenRead(file);
                    var head = new byte[4];
                    return head[..s.ReadAtLeast(head, 4, throwOnEndOfStream: false)];
                }, () =>
                {
                    using var s = File.OpenRead(file);
                    return MemberSample.Read(s, options.MaxFileBytes, options.SampleBytes);
                }, contents, options, ref sourceBytes);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                contents.Issues.Add(new ArchiveIssue(ArchiveIssueKind.Corrupt, relative, $"could not be read: {ex.Message}"));
            }
        }
    }

    private const int MaxDirectoryFiles = 50_000;

    private static void CollectMember(string path, long size, bool tooLarge, Func<byte[]> readAll, Func<byte[]> readHead, Func<MemberSample> readSample,
        PackageContents contents, CodeScanOptions options, ref long sourceBytes)
    {
        var name = path[(path.LastIndexOf('/') + 1)..];
        if (IsSourceName(name))
        {
            var sampled = tooLarge || size > options.MaxFileBytes;
            var cost = sampled ? 2L * options.SampleBytes : size;
            if (sourceBytes + cost > options.MaxSourceBytes)
            {
                contents.Skipped.Add((path, $"Not analysed: the package's first {options.MaxSourceBytes:N0} bytes of Python source were analysed and this file is past them"));
                return;
            }
            sourceBytes += cost;
            if (!sampled)
            {
                var bytes = readAll();
                if (DisguisedExecutableKind(bytes) is { } disguised) contents.DisguisedExecutables.Add((path, disguised));
                contents.Sources.Add(new SourceFile(path, bytes, contents.DecodedText));
                return;
            }
            var sample = readSample();
            if (sample.Tail.Length == 0 && sample.Complete) contents.Sources.Add(new SourceFile(path, sample.Head, contents.DecodedText)); // a declared size that lied high
            else AddSampled(path, sample, contents, options);
            return;
        }
        if (name is "PKG-INFO" or "METADATA" && size < 1 << 20) { contents.Metadata.Add((path, ReadText(readAll()))); return; }
        if (name == "pyproject.toml" && size < 1 << 20) { contents.Pyproject.Add((path, ReadText(readAll()))); return; }
        if (size >= 4 && size < 512 * 1024 * 1024)
        {
            var head = readHead();
            var kind = ExecutableKind(head);
            if (kind is not null) contents.Executables.Add((path, kind));
        }
    }

    internal static string? ExecutableKind(ReadOnlySpan<byte> head)
    {
        if (head.Length < 2) return null;
        if (head[0] == 'M' && head[1] == 'Z') return "Windows PE";
        if (head.Length >= 4 && head[0] == 0x7F && head[1] == 'E' && head[2] == 'L' && head[3] == 'F') return "ELF";
        if (head.Length >= 4 && (head[0] is 0xCF or 0xCE) && head[1] == 0xFA && head[2] == 0xED && head[3] == 0xFE) return "Mach-O";
        if (head.Length >= 4 && head[0] == 0xCA && head[1] == 0xFE && head[2] == 0xBA && head[3] == 0xBE) return "Mach-O universal";
        return null;
    }

    /// <summary>
    /// What executable a file named as Python source really is: a PE (its "PE\0\0" header where the DOS header points) or
    /// an ELF, stored as is or XOR-ed with one byte, the cheapest way to hide a binary from a magic-number check.
    /// </summary>
    internal static string? DisguisedExecutableKind(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 64) return null;
        var key = (byte)(bytes[0] ^ 'M');
        if ((bytes[1] ^ key) == 'Z')
        {
            var header = (bytes[0x3C] ^ key) | (bytes[0x3D] ^ key) << 8 | (bytes[0x3E] ^ key) << 16 | (bytes[0x3F] ^ key) << 24;
            if (header >= 64 && header <= bytes.Length - 4 && (bytes[header] ^ key) == 'P' && (bytes[header + 1] ^ key) == 'E'
                && (bytes[header + 2] ^ key) == 0 && (bytes[header + 3] ^ key) == 0)
                return key == 0 ? "Windows PE" : $"Windows PE XOR-encoded with the key 0x{key:x2}";
        }
        key = (byte)(bytes[0] ^ 0x7F);
        if ((bytes[1] ^ key) == 'E' && (bytes[2] ^ key) == 'L' && (bytes[3] ^ key) == 'F' && (bytes[4] ^ key) is 1 or 2)
            return key == 0 ? "ELF" : $"ELF XOR-encoded with the key 0x{key:x2}";
        return null;
    }

    /// <summary>UTF-8 with a BOM or without; anything else (Python 2 latin-1 sources) decodes as latin-1 rather than failing.</summary>
    internal static string ReadText(byte[] bytes)
    {
        var encoding = SourceEncoding(bytes, out var start);
        return encoding.GetString(bytes, start, bytes.Length - start);
    }

    /// <summary>
    /// <c>ReadText(bytes)</c> cut to its first <paramref name="chars"/>, decoded from the bytes those need alone: a UTF-8
    /// sequence of up to three bytes is at least one UTF-16 char (four bytes are two), and one cut at the end of the
    /// prefix is at most three bytes, so 3 × chars + 3 bytes always hold them.
    /// </summary>
    internal static string ReadTextHead(byte[] bytes, int chars)
    {
        var encoding = SourceEncoding(bytes, out var start);
        var prefix = bytes.AsSpan(start, (int)Math.Min(bytes.Length - start, 3L * chars + 3));
        var buffer = System.Buffers.ArrayPool<char>.Shared.Rent(encoding.GetMaxCharCount(prefix.Length));
        try
        {
            var count = encoding.GetChars(prefix, buffer);
            return new string(buffer, 0, Math.Min(count, chars));
        }
        finally { System.Buffers.ArrayPool<char>.Shared.Return(buffer); }
    }

    /// <summary>How a source file's bytes decode (see <see cref="ReadText"/>), and where its text starts after a BOM.</summary>
    private static Encoding SourceEncoding(byte[] bytes, out int start)
    {
        start = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        return System.Text.Unicode.Utf8.IsValid(bytes.AsSpan(start)) ? Encoding.UTF8 : Encoding.Latin1;
    }

    // ---------------------------------------------------------------- analysis

    private static ScanResult Analyze(string target, TargetKind kind, PackageContents contents, CodeScanOptions options, bool singleFile = false)
    {
        var findings = new List<Finding>();
        var prefix = singleFile ? "" : CommonRoot(contents);
        var shared = new ScanShared(options)
        {
            BundledExecutables = [.. contents.Executables.Select(e => e.Path)],
            Constants = singleFile ? null : new ModuleConstants(WholeSourceText(contents)),
        };
        var backends = BuildBackendModules(contents, prefix, findings);
        var loadContexts = singleFile ? [] : LoadContexts(contents, prefix);
        var installEntries = singleFile ? [] : InstallEntryFunctions(contents, prefix);

        var packageDirectories = singleFile || contents.IsWheel ? null : PackageDirectories(contents, prefix);
        var shipped = packageDirectories is null ? null : ShippedTopLevel(contents, prefix);
        HashSet<string>? ownModules = null;
        var roles = new Dictionary<string, FileRole>(StringComparer.Ordinal);
        var jobs = new List<FileJob>(contents.Sources.Count);
        foreach (var source in contents.Sources)
        {
            var relative = source.Path.Length >= prefix.Length ? source.Path[prefix.Length..] : source.Path;
            var role = RoleOf(relative, backends, singleFile);
            // In a source tree, a .py file in a directory that is not a package (tools/, scripts next to the package)
            // is not installed or imported: its module-level code runs when someone runs it by hand.
            if (role == FileRole.Module && packageDirectories is not null && relative.Contains('/', StringComparison.Ordinal) && !loadContexts.ContainsKey(relative)
                && !packageDirectories.Contains(relative[..relative.LastIndexOf('/')]))
                role = FileRole.Script;
            // Repository tooling: in a source tree, code the distribution does not ship (outside the packages and
            // modules its setup.py/pyproject.toml name, or in a dot-directory such as CI configuration) runs only when a
            // developer runs it. It is still analysed, at the weight of tests.
            if (role is FileRole.Module or FileRole.Script && packageDirectories is not null && !loadContexts.ContainsKey(relative) && IsRepositoryTooling(relative, shipped))
                role = FileRole.Tooling;
            roles[source.Path] = role;
            string? pthText = null;
            Finding? announced = null;
            if (role == FileRole.Pth)
            {
                ownModules ??= contents.Sources.Select(src => TopLevelName(src.Path.Length >= prefix.Length ? src.Path[prefix.Length..] : src.Path)).ToHashSet(StringComparer.Ordinal);
                var text = pthText = PthExecutableLines(IdentifierNormalization.Normalize(source.Text), ownModules, out var firstImportLine, out var risky);
                if (firstImportLine == 0) continue;
                announced = Finding.Of(ThreatRules.PthExecution, Confidence.Medium, "A .pth file runs code at every interpreter start",
                    new Location(source.Path, firstImportLine), Trim(text.Split('\n')[firstImportLine - 1])) with
                    { Severity = risky ? Severity.High : Severity.Low };
            }
            CodeContext? baseContext = role == FileRole.Module && loadContexts.TryGetValue(relative, out var loaded) ? loaded : null;
            var entryFunctions = role is FileRole.Module or FileRole.Script ? installEntries.GetValueOrDefault(relative) : null;
            jobs.Add(new FileJob(source, pthText, role, baseContext, entryFunctions, announced));
        }
        AnalyseFiles(jobs, shared, findings);

        foreach (var (path, message) in contents.Skipped)
            findings.Add(Finding.Of(LimitRules.SourcePartlyAnalysed, Confidence.High, message, new Location(path)));
        AddArchiveIssues(contents, findings);
        AddPackageSignals(target, contents, prefix, findings, singleFile, roles, loadContexts);
        AddIdentitySignals(target, contents, prefix, findings, singleFile, options.Names);
        findings.AddRange(Correlations.Find(findings, roles));

        var ordered = findings.OrderByDescending(f => f.Severity).ThenBy(f => f.Location.Path, StringComparer.Ordinal).ThenBy(f => f.Location.Line).ToList();
        return ScanResult.From(target, kind, ordered);
    }

    /// <summary>The text of a Python file the package holds whole (not a sampled one), by its path in the archive.</summary>
    private static Func<string, string?> WholeSourceText(PackageContents contents)
    {
        Dictionary<string, SourceFile>? byPath = null;
        return path =>
        {
            byPath ??= contents.Sources.GroupBy(s => s.Path, StringComparer.Ordinal).Where(g => g.Count() == 1).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
            return byPath.TryGetValue(path, out var source) ? source.Text : null;
        };
    }

    /// <summary>Directories (relative to the root) holding an __init__.py, plus src/ layouts' own top directory.</summary>
    private static HashSet<string> PackageDirectories(PackageContents contents, string prefix)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var source in contents.Sources)
        {
            var relative = source.Path.Length >= prefix.Length ? source.Path[prefix.Length..] : source.Path;
            if (relative.EndsWith("/__init__.py", StringComparison.Ordinal)) result.Add(relative[..relative.LastIndexOf('/')]);
        }
        return result;
    }

    private static bool IsRepositoryTooling(string relative, HashSet<string>? shipped)
    {
        var segments = relative.Split('/');
        if (segments.Length < 2 && shipped is null) return false;
        if (segments.Length == 1 && shipped is not null && shipped.Contains(segments[0])) return false; // a build hook the configuration names
        if (segments[..^1].Any(s => s.StartsWith('.') && s.Length > 1)) return true;
        if (shipped is null) return false;
        var top = segments[0];
        if (segments.Length == 1)
        {
            if (!top.EndsWith(".py", StringComparison.OrdinalIgnoreCase)) return false;
            top = top[..^3];
        }
        return !shipped.Contains(top.ToLowerInvariant().Replace('-', '_'));
    }

    /// <summary>The tables of a pyproject.toml that say what a wheel holds ([project], [build-system], the build tools' own, minus sdist tables).</summary>
    private static string? PackagingSections(string? pyproject)
    {
        if (pyproject is null) return null;
        var kept = new StringBuilder();
        var keep = true;
        foreach (var raw in pyproject.Split('\n'))
        {
            var line = raw.TrimStart();
            if (line.StartsWith('['))
            {
                var header = line.TrimStart('[').Trim();
                keep = !header.Contains("sdist", StringComparison.Ordinal) && (header.StartsWith("project", StringComparison.Ordinal) || header.StartsWith("build-system", StringComparison.Ordinal)
                    || header.StartsWith("tool.setuptools", StringComparison.Ordinal) || header.StartsWith("tool.hatch.build", StringComparison.Ordinal)
                    || header.StartsWith("tool.poetry", StringComparison.Ordinal) && !header.StartsWith("tool.poetry.dependencies", StringComparison.Ordinal)
                    || header.StartsWith("tool.flit.module", StringComparison.Ordinal) || header.StartsWith("tool.pdm.build", StringComparison.Ordinal)
                    || header.StartsWith("tool.maturin", StringComparison.Ordinal) || header.StartsWith("tool.scikit-build", StringComparison.Ordinal));
            }
            if (keep) kept.Append(raw).Append('\n');
        }
        return kept.ToString();
    }

    [GeneratedRegex(@"\b(?:packages|py_modules|py-modules|scripts|package_dir|package-dir|include|only-include|where|module|sources)\s*=\s*(?<value>\[[^\]]*\]|\{[^}]*\}|\([^)]*\)|""[^""\n]*""|'[^'\n]*')")]
    private static partial Regex PackagingKeyPattern();

    [GeneratedRegex(@"\b(?:packages|py_modules|scripts|package_dir)\s*=\s*(?!find_(?:namespace_)?packages\b)[A-Za-z_]")]
    private static partial Regex ComputedPackagingPattern();

    [GeneratedRegex(@"find_(?:namespace_)?packages\s*\(\s*(?<where>['""][^'""]*['""])?")]
    private static partial Regex FindPackagesPattern();

    [GeneratedRegex(@"[""']([^""'\s]{1,200})[""']")]
    private static partial Regex QuotedPattern();

    // One alternative (a line-start form once beside it matched nothing this does not): the engine then looks for
    // "name" with a vectorized search instead of trying a match at every position of a megabyte setup.py.
    [GeneratedRegex(@"\bname\s*=\s*[""']([^""']+)[""']")]
    private static partial Regex ProjectNamePattern();

    [GeneratedRegex(@"build-backend\s*=\s*[""'](?<backend>[\w.:]+)[""']")]
    private static partial Regex BuildBackendNamePattern();

    /// <summary>
    /// The top-level names (directories or modules, lower case, '-' as '_') a source tree's setup.py/pyproject.toml
    /// ships: those named in its packaging keys (packages, py_modules, scripts, package_dir, include, where, …), the
    /// project's own name, and src/. Null when the configuration does not say (find_packages() over the whole tree,
    /// setuptools with its configuration elsewhere): then every package counts as shipped.
    /// </summary>
    private static HashSet<string>? ShippedTopLevel(PackageContents contents, string prefix)
    {
        var setupSource = contents.Sources.FirstOrDefault(s => s.Path == prefix + "setup.py");
        var setup = setupSource?.Text;
        var pyproject = PackagingSections(contents.Pyproject.FirstOrDefault(p => p.Path == prefix + "pyproject.toml").Text);
        if (setup is null && pyproject is null) return null;
        var names = new HashSet<string>(StringComparer.Ordinal) { "src" };
        void AddQuoted(string value)
        {
            foreach (Match q in QuotedPattern().Matches(value))
            {
                var token = q.Groups[1].Value.TrimStart('.', '/');
                var end = token.IndexOfAny(['/', '.', '*', ':']);
                if (end > 0) token = token[..end];
                if (token.Length > 0) names.Add(token.ToLowerInvariant().Replace('-', '_'));
            }
        }
        // Top-level files the whole configuration names (hatch_build.py hooks, scripts) take part in the build.
        var whole = contents.Pyproject.FirstOrDefault(p => p.Path == prefix + "pyproject.toml").Text ?? "";
        foreach (var source in contents.Sources)
        {
            var relative = source.Path.Length >= prefix.Length ? source.Path[prefix.Length..] : source.Path;
            if (!relative.Contains('/', StringComparison.Ordinal) && relative.EndsWith(".py", StringComparison.Ordinal)
                && (relative == "hatch_build.py" || whole.Contains(relative, StringComparison.Ordinal) || setup is not null && setup.Contains(relative, StringComparison.Ordinal)))
                names.Add(relative);
        }
        var explicitly = false;
        // The keys are searched in the files' heads; setup.py's is the one the other package passes cut (not a copy of its own).
        foreach (var head in new[] { setupSource?.Head, pyproject is null ? null : pyproject.Length > SourceFile.HeadChars ? pyproject[..SourceFile.HeadChars] : pyproject })
        {
            if (head is null) continue;
            foreach (Match m in FindPackagesPattern().Matches(head))
            {
                // find_packages() with no root searches the whole tree: tools/ with an __init__.py ships too.
                if (!m.Groups["where"].Success && !head.Contains("where", StringComparison.Ordinal)) return null;
                if (m.Groups["where"].Value.Trim('\'', '"') is "" or "." or "./") return null;
                explicitly = true;
                AddQuoted(m.Groups["where"].Value);
            }
            if (ComputedPackagingPattern().IsMatch(head)) return null; // scripts=glob(...), packages=NAMES
            foreach (Match m in PackagingKeyPattern().Matches(head))
            {
                // A list built from variables ([NAME]) or a where of "." says nothing Moat can read: every package ships.
                var value = m.Groups["value"].Value;
                if (QuotedPattern().Replace(value, "").Any(char.IsLetter)) return null;
                if (value.Trim('[', ']', '(', ')', ' ').Trim('\'', '"') is "." or "./") return null;
                explicitly = true;
                AddQuoted(value);
            }
            foreach (Match m in ProjectNamePattern().Matches(head))
            {
                var name = m.Groups[1].Value.ToLowerInvariant().Replace('-', '_').Replace('.', '_');
                names.Add(name);
            }
        }
        // Backends other than setuptools find the package by the project's name; setuptools without packaging keys
        // here is configured in setup.cfg or discovers packages on its own.
        var backend = pyproject is null ? null : BuildBackendNamePattern().Match(pyproject) is { Success: true } b ? b.Groups["backend"].Value : null;
        if (!explicitly && (backend is null || backend.StartsWith("setuptools", StringComparison.Ordinal) || setup is not null)) return null;
        // A configuration that names nothing the tree holds (a template's name, a stale list) cannot be the one that
        // built it: then every package counts as shipped.
        var present = contents.Sources.Select(src => TopLevelName(src.Path.Length >= prefix.Length ? src.Path[prefix.Length..] : src.Path).ToLowerInvariant().Replace('-', '_'));
        if (!present.Any(n => n != "src" && names.Contains(n)) && !contents.Sources.Any(src => src.Path.StartsWith(prefix + "src/", StringComparison.Ordinal))) return null;
        return names;
    }

    [GeneratedRegex(@"^(?:from[ \t]+(?<from>[\w.]+)[ \t]+import\b|import[ \t]+(?<names>[\w., \t]+))", RegexOptions.Multiline)]
    private static partial Regex TopLevelImportPattern();

    /// <summary>
    /// Modules of this package that a .pth file or setup.py imports at their top level run at interpreter start or install
    /// time too: a payload split into its own module (<c>import _boot</c> in a .pth) runs exactly like inline code.
    /// Only flat, column-0 imports are followed, one level deep.
    /// </summary>
    private static Dictionary<string, CodeContext> LoadContexts(PackageContents contents, string prefix)
    {
        var result = new Dictionary<string, CodeContext>(StringComparer.Ordinal);
        var modules = contents.Sources.Select(src => src.Path.Length >= prefix.Length ? src.Path[prefix.Length..] : src.Path).ToHashSet(StringComparer.Ordinal);
        foreach (var source in contents.Sources)
        {
            var relative = source.Path.Length >= prefix.Length ? source.Path[prefix.Length..] : source.Path;
            var context = relative.EndsWith(".pth", StringComparison.OrdinalIgnoreCase) ? CodeContext.InterpreterStart
                : relative == "setup.py" ? CodeContext.InstallTime : (CodeContext?)null;
            if (context is null) continue;
            var directory = relative.Contains('/', StringComparison.Ordinal) ? relative[..(relative.LastIndexOf('/') + 1)] : "";
            var text = source.Head;
            foreach (Match m in TopLevelImportPattern().Matches(text))
            {
                var names = m.Groups["from"].Success ? [m.Groups["from"].Value]
                    : m.Groups["names"].Value.Split(',').Select(n => n.Trim().Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "");
                foreach (var name in names.Where(n => n.Length > 0 && !n.StartsWith('.')))
                {
                    var path = name.Replace('.', '/');
                    foreach (var candidate in new[] { directory + path + ".py", directory + path + "/__init__.py", "src/" + path + ".py", "src/" + path + "/__init__.py" })
                        if (modules.Contains(candidate) && !candidate.EndsWith("setup.py", StringComparison.Ordinal)) result.TryAdd(candidate, context.Value);
                }
            }
        }
        return result;
    }

    [GeneratedRegex(@"^[ \t]*(?:from[ \t]+(?<from>[\w.]+)[ \t]+import[ \t]+\(?(?<names>[\w, \t]+)|import[ \t]+(?<module>[\w.]+)(?:[ \t]+as[ \t]+(?<alias>\w+))?)", RegexOptions.Multiline)]
    private static partial Regex AnyImportPattern();

    /// <summary>
    /// Functions of this package's own modules that setup.py imports and calls (at any indentation: install commands do
    /// <c>from pkg import hook; hook()</c> inside <c>run</c>), by module path: their bodies run at install time.
    /// </summary>
    private static Dictionary<string, HashSet<string>> InstallEntryFunctions(PackageContents contents, string prefix)
    {
        var result = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var modules = contents.Sources.Select(src => src.Path.Length >= prefix.Length ? src.Path[prefix.Length..] : src.Path).ToHashSet(StringComparer.Ordinal);
        string? ModulePath(string dotted)
        {
            var path = dotted.Replace('.', '/');
            foreach (var candidate in new[] { path + ".py", path + "/__init__.py", "src/" + path + ".py", "src/" + path + "/__init__.py" })
                if (modules.Contains(candidate) && candidate != "setup.py") return candidate;
            return null;
        }
        void Add(string module, string function)
        {
            if (!result.TryGetValue(module, out var set)) result[module] = set = new HashSet<string>(StringComparer.Ordinal);
            set.Add(function);
        }
        IEnumerable<string> CalledMembers(string text, string receiver) =>
            Regex.Matches(text, @"(?<![\w.])" + Regex.Escape(receiver) + @"\.(\w+)\s*\(").Select(m => m.Groups[1].Value);
        bool Called(string text, string name) => Regex.IsMatch(text, @"(?<![\w.])" + Regex.Escape(name) + @"\s*\(");

        foreach (var source in contents.Sources)
        {
            var relative = source.Path.Length >= prefix.Length ? source.Path[prefix.Length..] : source.Path;
            if (relative != "setup.py") continue;
            var text = source.Head;
            foreach (Match m in AnyImportPattern().Matches(text))
            {
                if (m.Groups["from"].Success)
                {
                    var from = m.Groups["from"].Value;
                    if (from.StartsWith('.') || ModulePath(from) is not { } module) continue;
                    foreach (var part in m.Groups["names"].Value.Split(','))
                    {
                        var words = part.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                        if (words.Length == 0) continue;
                        var (name, local) = (words[0], words is [_, "as", var alias] ? alias : words[0]);
                        if (ModulePath(from + "." + name) is { } submodule)
                            foreach (var function in CalledMembers(text, local)) Add(submodule, function);
                        else if (Called(text, local)) Add(module, name);
                    }
                }
                else if (ModulePath(m.Groups["module"].Value) is { } module)
                {
                    var local = m.Groups["alias"].Success ? m.Groups["alias"].Value : m.Groups["module"].Value;
                    foreach (var function in CalledMembers(text, local)) Add(module, function);
                }
            }
        }
        return result;
    }

    private static string Trim(string line) => line.Length > 160 ? string.Concat(line.AsSpan(0, 157), "…") : line.Trim();

    /// <summary>The top directory every member shares (sdists: <c>name-1.0/</c>), or empty.</summary>
    private static string CommonRoot(PackageContents contents)
    {
        var paths = contents.Sources.Select(s => s.Path).Concat(contents.Metadata.Select(m => m.Path)).Concat(contents.Pyproject.Select(p => p.Path)).ToList();
        if (paths.Count == 0) return "";
        var first = paths[0];
        var slash = first.IndexOf('/');
        if (slash <= 0) return "";
        var root = first[..(slash + 1)];
        if (root.EndsWith(".dist-info/", StringComparison.Ordinal) || root.EndsWith(".data/", StringComparison.Ordinal)) return "";
        return paths.All(p => p.StartsWith(root, StringComparison.Ordinal)) && paths.Any(p => p.EndsWith("setup.py", StringComparison.Ordinal) || p.EndsWith("PKG-INFO", StringComparison.Ordinal) || p.EndsWith("pyproject.toml", StringComparison.Ordinal)) ? root : "";
    }

    private static readonly HashSet<string> LowWeightDirectories = new(StringComparer.OrdinalIgnoreCase)
    {
        "test", "tests", "testing", "docs", "doc", "examples", "example", "benchmarks", "bench", "demo", "demos", "samples",
    };

    internal static FileRole RoleOf(string relative, IReadOnlySet<string> backends, bool singleFile = false)
    {
        var name = relative[(relative.LastIndexOf('/') + 1)..];
        if (name.EndsWith(".pth", StringComparison.OrdinalIgnoreCase)) return FileRole.Pth;
        if (name == "setup.py" && (singleFile || !relative.Contains('/', StringComparison.Ordinal))) return FileRole.Setup;
        if (backends.Contains(relative)) return FileRole.BuildBackend;
        if (singleFile) return FileRole.Module;
        var segments = relative.Split('/');
        if (segments[..^1].Any(LowWeightDirectories.Contains) || name.StartsWith("test_", StringComparison.Ordinal)
            || name.EndsWith("_test.py", StringComparison.Ordinal) || name == "conftest.py") return FileRole.Test;
        if (segments.Length > 1 && segments[0] is "bin" or "scripts" || relative.Contains(".data/scripts/", StringComparison.Ordinal)) return FileRole.Script;
        if (name == "setup.py") return FileRole.Setup; // a nested setup.py still runs when pip builds that directory
        if (name == "__main__.py") return FileRole.Script; // runs for `python -m package`, never on import
        return FileRole.Module;
    }

    [GeneratedRegex(@"build-backend\s*=\s*[""']([\w.]+)[""'][\s\S]*?|backend-path\s*=\s*\[([^\]]*)\]")]
    private static partial Regex BackendPattern();

    /// <summary>In-tree build backends (PEP 517 backend-path): their modules run at build time like setup.py.</summary>
    private static HashSet<string> BuildBackendModules(PackageContents contents, string prefix, List<Finding> findings)
    {
        var modules = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (path, text) in contents.Pyproject)
        {
            if (path.Length < prefix.Length || path[prefix.Length..].Contains('/', StringComparison.Ordinal)) continue;
            string? backend = null;
            string? backendPath = null;
            foreach (Match m in BackendPattern().Matches(text))
            {
                if (m.Groups[1].Success) backend = m.Groups[1].Value;
                if (m.Groups[2].Success) backendPath = m.Groups[2].Value;
            }
            if (backend is null || backendPath is null) continue;
            var module = backend.Split(':')[0].Replace('.', '/');
            foreach (var dir in backendPath.Split(',').Select(d => d.Trim().Trim('"', '\'').TrimEnd('/')).Where(d => d.Length > 0))
            {
                var basePath = dir is "." ? "" : dir + "/";
                modules.Add(basePath + module + ".py");
                modules.Add(basePath + module + "/__init__.py");
            }
            findings.Add(Finding.Of(PackageRules.InTreeBackend, Confidence.Medium, $"Build backend '{backend}' is loaded from the package itself", new Location(path)));
        }
        return modules;
    }

    /// <summary>Keeps only the lines of a .pth file that Python executes (those starting with import), blanking the rest.</summary>
    private static string PthExecutableLines(string text, IReadOnlySet<string> ownModules, out int firstImportLine, out bool risky)
    {
        var lines = text.Split('\n');
        firstImportLine = 0;
        risky = false;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.StartsWith("import ", StringComparison.Ordinal) || line.StartsWith("import\t", StringComparison.Ordinal))
            {
                if (firstImportLine == 0) firstImportLine = i + 1;
                if (RiskyPthLine(line, ownModules)) risky = true;
                lines[i] = line;
            }
            else lines[i] = "";
        }
        return string.Join('\n', lines);
    }

    /// <summary>
    /// Risky unless the only dynamic part is an exec of a plain string literal that imports nothing but the package's
    /// own modules (and os/sys): coverage tools start their measurement hook that way at interpreter start.
    /// </summary>
    private static bool RiskyPthLine(string line, IReadOnlySet<string> ownModules)
    {
        var literal = PthExecLiteralPattern().Match(line);
        if (!literal.Success) return RiskyPthText(line);
        if (RiskyPthText(line.Remove(literal.Index, literal.Length))) return true;
        var code = literal.Groups["code"].Value.Replace("\\n", "\n", StringComparison.Ordinal);
        if (RiskyPthText(code) || code.Contains("__import__", StringComparison.Ordinal) || code.Contains("open(", StringComparison.Ordinal)) return true;
        var imported = TopLevelImportPattern().Matches(string.Join('\n', code.Split('\n').Select(l => l.Trim())))
            .SelectMany(m => m.Groups["from"].Success ? [m.Groups["from"].Value] : m.Groups["names"].Value.Split(',').Select(n => n.Trim().Split(' ')[0]))
            .Select(n => n.Split('.')[0]).ToList();
        return imported.Count == 0 || imported.Any(n => n is not ("os" or "sys" or "warnings") && !ownModules.Contains(n));
    }

    [GeneratedRegex(@"\bexec\(\s*(?<q>['""])(?<code>(?:\\.|(?!\k<q>).)*)\k<q>\s*\)")]
    private static partial Regex PthExecLiteralPattern();

    /// <summary>The importable top-level name a path provides (pkg/sub/x.py → pkg, mod.py → mod).</summary>
    private static string TopLevelName(string relative)
    {
        if (relative.StartsWith("src/", StringComparison.Ordinal)) relative = relative[4..];
        var slash = relative.IndexOf('/');
        var top = slash < 0 ? relative : relative[..slash];
        return top.EndsWith(".py", StringComparison.Ordinal) ? top[..^3] : top;
    }

    private static bool RiskyPthText(string line) =>
        line.Contains("exec", StringComparison.Ordinal) || line.Contains("eval", StringComparison.Ordinal) || line.Contains("base64", StringComparison.Ordinal)
        || line.Contains("urllib", StringComparison.Ordinal) || line.Contains("subprocess", StringComparison.Ordinal) || line.Contains("os.system", StringComparison.Ordinal)
        || line.Contains("socket", StringComparison.Ordinal) || line.Contains("requests", StringComparison.Ordinal) || line.Contains("marshal", StringComparison.Ordinal)
        || line.Contains("zlib", StringComparison.Ordinal) || line.Contains("codecs", StringComparison.Ordinal);

    /// <summary>Findings named per issue, per kind, before the rest of that kind is summed up in the last one.</summary>
    private const int IssuesNamedPerKind = 10;

    /// <summary>
    /// The reader's issues as findings. Hostile shapes (traversal, links, special files, unsafe or duplicate names)
    /// are <see cref="PackageRules.ArchiveAnomaly"/>; everything that left part of the archive unread is a
    /// could-not-check finding saying what and where: unreadable data (<see cref="LimitRules.ArchiveUnreadable"/>,
    /// members skipped for an unsafe name included) or a reader bound (<see cref="LimitRules.ArchiveLimit"/>).
    /// </summary>
    private static string FormatName(ArchiveFormat format) => format switch
    {
        ArchiveFormat.Zip => "a zip archive",
        ArchiveFormat.TarGzip => "a gzip-compressed tar",
        ArchiveFormat.TarBzip2 => "a bzip2-compressed tar",
        ArchiveFormat.TarXz => "an xz-compressed tar",
        ArchiveFormat.Tar => "a tar",
        _ => "an unknown format",
    };

    private static void AddArchiveIssues(PackageContents contents, List<Finding> findings)
    {
        if (contents.FormatMismatch is var (named, actual))
            findings.Add(Finding.Of(PackageRules.DisguisedArchive, Confidence.High,
                $"The file is named as {FormatName(named)} but its bytes are {FormatName(actual)}; it was read as {FormatName(actual)}", new Location(Path.GetFileName(contents.Target))));
        // A link whose target stays inside the archive (git-archived trees, zoneinfo hard links) cannot reach the
        // machine that unpacks it: it is noted, not held against the package. Escaping or unknown targets stay hostile.
        var links = contents.Issues.Distinct().Where(i => i.Kind is ArchiveIssueKind.Symlink or ArchiveIssueKind.Hardlink && LinkStaysInside(i)).ToList();
        if (links.Count > 0)
        {
            var first = links[0];
            var more = links.Count > 1 ? $" (and {links.Count - 1} more)" : "";
            findings.Add(new Finding(PackageRules.ArchiveAnomaly.Id, Severity.Info, Confidence.High, $"{first.Kind} inside the archive: {first.Message}{more}", new Location(first.MemberPath)));
        }
        // A member named like an archive but holding no bytes (test data of packaging tools) hides nothing.
        var empty = contents.Issues.Distinct().Where(i => i.IsEmptyNestedArchive).ToList();
        if (empty.Count > 0)
        {
            var more = empty.Count > 1 ? $" (and {empty.Count - 1} more)" : "";
            findings.Add(new Finding(PackageRules.ArchiveAnomaly.Id, Severity.Info, Confidence.High, $"Empty file named like an archive{more}", new Location(empty[0].MemberPath)));
        }
        foreach (var group in contents.Issues.Distinct().Except(links).Except(empty).GroupBy(i => i.Kind))
        {
            var issues = group.ToList();
            var hostile = issues[0].Kind switch
            {
                ArchiveIssueKind.PathTraversal or ArchiveIssueKind.AbsolutePath or ArchiveIssueKind.Symlink or ArchiveIssueKind.Hardlink
                    or ArchiveIssueKind.SpecialFile => (Severity.High, Confidence.High),
                ArchiveIssueKind.DuplicateMember or ArchiveIssueKind.UnsafeName => (Severity.Medium, Confidence.Medium),
                _ => ((Severity, Confidence)?)null,
            };
            if (hostile is var (severity, confidence))
            {
                var first = issues[0];
                var more = issues.Count > 1 ? $" (and {issues.Count - 1} more)" : "";
                findings.Add(new Finding(PackageRules.ArchiveAnomaly.Id, severity, confidence, $"{first.Kind}: {first.Message}{more}", new Location(first.MemberPath)));
            }
            var notRead = issues[0].Kind switch
            {
                ArchiveIssueKind.Corrupt or ArchiveIssueKind.Truncated or ArchiveIssueKind.UnsupportedFormat or ArchiveIssueKind.Encrypted
                    or ArchiveIssueKind.PathTraversal or ArchiveIssueKind.AbsolutePath or ArchiveIssueKind.UnsafeName => LimitRules.ArchiveUnreadable,
                ArchiveIssueKind.TotalSizeExceeded or ArchiveIssueKind.MemberSizeExceeded or ArchiveIssueKind.TooManyMembers
                    or ArchiveIssueKind.CompressionRatioExceeded or ArchiveIssueKind.NestingTooDeep or ArchiveIssueKind.TooManyIssues => LimitRules.ArchiveLimit,
                _ => null,
            };
            if (notRead is null) continue;
            var skippedForName = hostile is not null ? "member not read (unsafe name): " : "";
            for (var i = 0; i < Math.Min(issues.Count, IssuesNamedPerKind); i++)
            {
                var issue = issues[i];
                var more = i == IssuesNamedPerKind - 1 && issues.Count > IssuesNamedPerKind ? $" (and {issues.Count - IssuesNamedPerKind} more)" : "";
                findings.Add(Finding.Of(notRead, Confidence.High, $"{skippedForName}{issue.Kind}: {issue.Message}{more}", new Location(issue.MemberPath)));
            }
        }
    }

    /// <summary>
    /// True when a tar link's target, resolved from where the link is (a symbolic link: its own directory; a hard link:
    /// the archive root, as tar stores them), names a path inside the archive. Absolute targets, drive letters,
    /// backslashes and any climb above the root escape; an unknown target (zip) counts as escaping.
    /// </summary>
    internal static bool LinkStaysInside(ArchiveIssue issue)
    {
        if (issue.MemberPath is null) return false;
        // A link inside an archive nested in the package (test data) is never unpacked by an install.
        if (issue.MemberPath.Contains("!/", StringComparison.Ordinal)) return true;
        if (issue.LinkTarget is not { Length: > 0 } target) return false;
        if (target[0] is '/' or '\\' || target.Contains('\\', StringComparison.Ordinal) || target.Contains(':', StringComparison.Ordinal)
            || target.Any(char.IsControl)) return false;
        var member = issue.MemberPath;
        var nested = member.LastIndexOf("!/", StringComparison.Ordinal);
        if (nested >= 0) member = member[(nested + 2)..];
        var parts = new List<string>();
        if (issue.Kind == ArchiveIssueKind.Symlink)
            parts.AddRange(member.Split('/', StringSplitOptions.RemoveEmptyEntries).SkipLast(1));
        foreach (var part in target.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".") continue;
            if (part == "..")
            {
                if (parts.Count == 0) return false;
                parts.RemoveAt(parts.Count - 1);
            }
            else parts.Add(part);
        }
        return parts.Count > 0;
    }

    [GeneratedRegex(@"^(?<name>[A-Za-z0-9][A-Za-z0-9._]*?)-(?<version>\d[^-]*?)(?:-[^-]+){0,3}\.(?:whl|tar\.gz|tgz|zip|tar\.bz2|tar\.xz|tar|egg)$", RegexOptions.IgnoreCase)]
    private static partial Regex ArchiveNamePattern();

    [GeneratedRegex(@"(?m)^(?<key>Name|Version|Summary):[ \t]*(?<value>.*?)\s*$")]
    private static partial Regex MetadataFieldPattern();

    [GeneratedRegex(@"cmdclass[\s\S]{0,400}?['""](?:install|develop|egg_info|bdist_egg|easy_install)['""]\s*:", RegexOptions.CultureInvariant)]
    private static partial Regex InstallOverridePattern();

    private static void AddPackageSignals(string target, PackageContents contents, string prefix, List<Finding> findings, bool singleFile,
        IReadOnlyDictionary<string, FileRole> roles, IReadOnlyDictionary<string, CodeContext> loadContexts)
    {
        if (singleFile) return;
        // Wheels and installed trees ship compiled code by design; only a source distribution should be all source.
        // One finding per package: ten launchers in one sdist are one fact, not ten.
        var isSource = !contents.IsWheel && (IsArchiveName(target) || contents.Metadata.Any(m => m.Path == prefix + "PKG-INFO")
            || contents.Sources.Any(s => s.Path == prefix + "setup.py") || contents.Pyproject.Any(p => p.Path == prefix + "pyproject.toml"));
        // Members of an archive nested in the sdist (a wheel or zip of test data, a zipped tree) are a binary
        // distribution's contents: compiled modules there are normal.
        var executables = contents.Executables.Where(e => !e.Path.Contains("!/", StringComparison.Ordinal)).ToList();
        if (isSource && executables.Count > 0)
        {
            // A binary that code run at install or import time names (setup.py, an in-tree backend, a .pth, the
            // package's own modules) may be run by it; one nothing there names is vendored data (launchers, test binaries).
            var installTime = contents.Sources.Where(s =>
            {
                var relative = s.Path.Length >= prefix.Length ? s.Path[prefix.Length..] : s.Path;
                return loadContexts.ContainsKey(relative) || roles.GetValueOrDefault(s.Path) is FileRole.Setup or FileRole.Pth or FileRole.BuildBackend or FileRole.Module or FileRole.Script;
            }).Select(s => s.Text).ToList();
            var everything = contents.Sources.Select(s => s.Text).ToList();
            // A prebuilt extension module (.pyd/.so) is named by what imports it, anywhere in the tree.
            var referenced = executables.Take(64).FirstOrDefault(e => installTime.Any(text => Names(text, NameToLookFor(e.Path)))
                || ExtensionModuleName(e.Path) is { } module && everything.Any(text => ImportsModule(text, module)));
            var (path, kind) = referenced.Path is not null ? referenced : executables[0];
            var more = executables.Count > 1 ? $" (and {executables.Count - 1} more)" : "";
            var article = kind.StartsWith("ELF", StringComparison.Ordinal) ? "an" : "a";
            // A prebuilt extension module the package's own code imports is the code that runs, and an sdist holds
            // no source for it: what it does cannot be read here (an honest sdist builds it from source at install).
            var importedModule = referenced.Path is not null && ExtensionModuleName(path) is { } extension && everything.Any(text => ImportsModule(text, extension));
            findings.Add(importedModule
                ? Finding.Of(PackageRules.BundledExecutable, Confidence.High, $"Source distribution contains a prebuilt extension module ({kind}) that the package's own code imports; its source is not in the package{more}", new Location(path))
                : referenced.Path is not null
                ? Finding.Of(PackageRules.BundledExecutable, Confidence.Medium, $"Source distribution contains {article} {kind} executable that install-time code names{more}", new Location(path))
                : Finding.Of(PackageRules.BundledExecutable, Confidence.Medium, $"Source distribution contains {article} {kind} executable{more}; no install-time code names it", new Location(path)) with { Severity = Severity.Low });
        }

        // A .py that is a binary is no module: Python cannot import it, only the package's own code can read it back.
        if (contents.DisguisedExecutables.FirstOrDefault(e => !e.Path.Contains("!/", StringComparison.Ordinal)) is { Path: not null } disguised)
            findings.Add(Finding.Of(PackageRules.DisguisedExecutable, Confidence.High,
                $"A file named as Python source is a {disguised.Kind}", new Location(disguised.Path)));

        // Metadata: the distribution's own, at the top: PKG-INFO of an sdist (its egg-info's, src/ layouts too), the
        // METADATA of a wheel's .dist-info. Metadata deeper down (test fixtures, wheels vendored in the tree) describes
        // other projects.
        // A source tree without a PKG-INFO of its own (a checkout) may hold stale egg-info of a helper distribution.
        var topPkgInfo = contents.Metadata.FirstOrDefault(m => m.Path == prefix + "PKG-INFO");
        var metadata = topPkgInfo.Text is not null ? topPkgInfo
            : contents.Metadata.Where(m => IsOwnMetadata(m.Path, prefix) && !(isSource && m.Path.Contains(".egg-info/", StringComparison.Ordinal)))
                .OrderBy(m => m.Path.Count(c => c == '/')).FirstOrDefault();
        string? name = null, version = null, summary = null;
        if (metadata.Text is not null)
        {
            foreach (Match m in MetadataFieldPattern().Matches(metadata.Text.Length > 65536 ? metadata.Text[..65536] : metadata.Text))
            {
                switch (m.Groups["key"].Value)
                {
                    case "Name": name ??= m.Groups["value"].Value; break;
                    case "Version": version ??= m.Groups["value"].Value; break;
                    case "Summary": summary ??= m.Groups["value"].Value; break;
                }
            }
            var file = ArchiveNamePattern().Match(Path.GetFileName(target));
            if (name is { Length: > 0 } && file.Success && ProjectName.Normalize(file.Groups["name"].Value) != ProjectName.Normalize(name))
                findings.Add(Finding.Of(PackageRules.NameMismatch, Confidence.Medium, $"Metadata names '{name}' but the file is '{Path.GetFileName(target)}'", new Location(metadata.Path)));
            var body = BodyOf(metadata.Text);
            if ((summary is null || summary.Length < 3 || summary.Equals("UNKNOWN", StringComparison.OrdinalIgnoreCase)) && body.Length < 40)
                findings.Add(Finding.Of(PackageRules.PlaceholderMetadata, Confidence.Medium, "No summary and no description", new Location(metadata.Path)));
            if (version is not null)
            {
                var major = version.Split('.', '-', '+')[0];
                if (version is "0.0.0" or "0.0.0.0") findings.Add(Finding.Of(PackageRules.SuspiciousVersion, Confidence.Low, $"Version {version}", new Location(metadata.Path)));
                else if (long.TryParse(major, out var m) && m >= 99 && m < 1900)
                    findings.Add(Finding.Of(PackageRules.SuspiciousVersion, Confidence.Medium, $"Implausibly high version {version} (dependency-confusion style)", new Location(metadata.Path)) with { Severity = Severity.Medium });
            }
        }

        var setup = contents.Sources.FirstOrDefault(s => s.Path == prefix + "setup.py");
        if (setup is not null)
        {
            var setupText = setup.Text;
            var modules = contents.Sources.Count(s => (s.Path != setup.Path || s.Text != setupText) && s.TextLength > 40 && RoleOf(s.Path[Math.Min(prefix.Length, s.Path.Length)..], new HashSet<string>()) == FileRole.Module);
            if (modules == 0) findings.Add(Finding.Of(PackageRules.MinimalPackage, Confidence.Medium, "The package has no modules besides setup.py", new Location(setup.Path)));
            var match = InstallOverridePattern().Match(setup.Head);
            if (match.Success)
            {
                var line = setupText.AsSpan(0, match.Index + match.Length).Count('\n') + 1;
                findings.Add(Finding.Of(PackageRules.InstallHook, Confidence.High, "setup.py replaces an install-time command", new Location(setup.Path, line)));
            }
        }
    }

    private static bool IsOwnMetadata(string path, string prefix)
    {
        if (path.Contains("!/", StringComparison.Ordinal) || !path.StartsWith(prefix, StringComparison.Ordinal)) return false;
        var relative = path[prefix.Length..];
        if (relative.StartsWith("src/", StringComparison.Ordinal)) relative = relative[4..];
        var segments = relative.Split('/');
        return segments.Length switch
        {
            1 => true,
            2 => segments[0].EndsWith(".dist-info", StringComparison.Ordinal) || segments[0].EndsWith(".egg-info", StringComparison.Ordinal) || segments[0] == "EGG-INFO"
                 || prefix.Length == 0 && segments[1] == "PKG-INFO", // an sdist whose members do not all share its top directory
            _ => false,
        };
    }

    /// <summary>
    /// How code would name a bundled file: its file name when it has an extension (libfast.so, t32.exe); a bare name
    /// (run, i386) is an ordinary word, so with its directory (Darwin-64bit/run).
    /// </summary>
    private static string NameToLookFor(string path)
    {
        var slash = path.LastIndexOf('/');
        var name = path[(slash + 1)..];
        if (name.Contains('.', StringComparison.Ordinal) || slash <= 0) return name;
        var parent = path.LastIndexOf('/', slash - 1);
        return path[(parent + 1)..];
    }

    private static string? ExtensionModuleName(string path)
    {
        var name = path[(path.LastIndexOf('/') + 1)..];
        if (!name.EndsWith(".pyd", StringComparison.OrdinalIgnoreCase) && !name.EndsWith(".so", StringComparison.Ordinal)) return null;
        var module = name[..name.IndexOf('.')];
        return module.Length >= 2 && module.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') ? module : null;
    }

    private static bool ImportsModule(string text, string module)
    {
        for (var at = text.IndexOf(module, StringComparison.Ordinal); at >= 0; at = text.IndexOf(module, at + 1, StringComparison.Ordinal))
        {
            var end = at + module.Length;
            if (at > 0 && (char.IsAsciiLetterOrDigit(text[at - 1]) || text[at - 1] == '_') || end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] == '_')) continue;
            var lineStart = text.LastIndexOf('\n', at) + 1;
            var line = text.AsSpan(lineStart, at - lineStart).TrimStart();
            if (line.StartsWith("import ") || line.StartsWith("from ")) return true;
        }
        return false;
    }

    /// <summary>The file name appears in the text as a name (a quoted string or the end of a quoted path).</summary>
    private static bool Names(string text, string fileName)
    {
        if (fileName.Length < 3) return false;
        for (var at = text.IndexOf(fileName, StringComparison.Ordinal); at >= 0; at = text.IndexOf(fileName, at + 1, StringComparison.Ordinal))
        {
            var before = at > 0 ? text[at - 1] : ' ';
            var after = at + fileName.Length < text.Length ? text[at + fileName.Length] : ' ';
            if (before is '\'' or '"' or '/' or '\\' && after is '\'' or '"') return true;
        }
        return false;
    }

    private static string BodyOf(string metadata)
    {
        var split = metadata.IndexOf("\n\n", StringComparison.Ordinal);
        var body = split < 0 ? "" : metadata[(split + 2)..].Trim();
        if (body.Length == 0 && metadata.Contains("Description:", StringComparison.Ordinal))
        {
            var at = metadata.IndexOf("Description:", StringComparison.Ordinal);
            var end = metadata.IndexOf('\n', at);
            body = metadata[(at + 12)..(end < 0 ? metadata.Length : end)].Trim();
            if (body == "UNKNOWN") body = "";
        }
        return body;
    }

    /// <summary>
    /// A Python file, kept as its bytes until it is analysed: holding every file of a package as UTF-16 strings at
    /// once doubled the memory of a package with the full 64 MB of source. <see cref="Text"/> decodes on first use and
    /// keeps the text while the package's <see cref="DecodedTextBudget"/> lasts (the package-level passes read every
    /// file, and setup.py up to ten times: decoding was a sixth of a scan's allocation); past it, on each use.
    /// </summary>
    private sealed class SourceFile(string path, byte[] bytes, DecodedTextBudget budget)
    {
        public const int HeadChars = 1 << 20;

        private string? _text;

        public string Path { get; } = path;

        /// <summary>Lines before these bytes in the file they come from (the tail of a sampled file), else 0.</summary>
        public int LineOffset { get; init; }

        public string Text
        {
            get
            {
                if (_text is not null) return _text;
                var text = ReadText(bytes);
                if (budget.TryTake(text.Length)) _text = text;
                return text;
            }
        }

        private string? _head;

        /// <summary>The first <see cref="HeadChars"/> of <see cref="Text"/>: what the package-level passes search of a huge file.</summary>
        public string Head
        {
            get
            {
                if (_head is not null) return _head;
                // A file whose text the budget will not keep is decoded on every use: then decode only what the head needs.
                if (_text is null && bytes.Length > HeadChars && !budget.CanTake(TextLength)) return ReadTextHead(bytes, HeadChars);
                var text = Text;
                if (text.Length <= HeadChars) return text;
                var head = text[..HeadChars];
                if (_text is not null) _head = head; // cut once, in every pass, while the text itself is kept
                return head;
            }
        }

        /// <summary>The file's size in bytes (UTF-8, as read).</summary>
        public int ByteLength => bytes.Length;

        /// <summary>The length <see cref="Text"/> would have, without decoding it.</summary>
        public int TextLength
        {
            get
            {
                var span = bytes.AsSpan();
                if (span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) span = span[3..];
                return System.Text.Unicode.Utf8.IsValid(span) ? Encoding.UTF8.GetCharCount(span) : span.Length;
            }
        }
    }

    /// <summary>Characters of decoded source a package scan may keep (16 MB of UTF-16): far above a normal package's.</summary>
    private sealed class DecodedTextBudget
    {
        private readonly Lock _taking = new();
        private long _remaining = 8 << 20;

        public bool CanTake(int chars) => chars <= Volatile.Read(ref _remaining);

        /// <summary>Thread-safe: a package's files may be analysed at once.</summary>
        public bool TryTake(int chars)
        {
            lock (_taking)
            {
                if (chars > _remaining) return false;
                _remaining -= chars;
                return true;
            }
        }
    }

    private sealed class PackageContents(string target)
    {
        public string Target { get; } = target;
        public DecodedTextBudget DecodedText { get; } = new();
        public bool IsWheel { get; set; }
        public int MemberCount { get; set; }
        public List<SourceFile> Sources { get; } = [];
        public List<(string Path, string Text)> Metadata { get; } = [];
        public List<(string Path, string Text)> Pyproject { get; } = [];
        public List<(string Path, string Kind)> Executables { get; } = [];
        /// <summary>Files named as Python source whose bytes are an executable, plain or XOR-encoded.</summary>
        public List<(string Path, string Kind)> DisguisedExecutables { get; } = [];
        /// <summary>Python files analysed only in part, or not at all, with what was done.</summary>
        public List<(string Path, string Message)> Skipped { get; } = [];
        public List<ArchiveIssue> Issues { get; } = [];
        /// <summary>The format the file name says and the one its bytes are, when they differ.</summary>
        public (ArchiveFormat Named, ArchiveFormat Actual)? FormatMismatch { get; set; }
    }
}
