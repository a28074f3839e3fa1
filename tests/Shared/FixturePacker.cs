using System.Buffers.Text;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Moat.Testing;

/// <summary>
/// Packs a corpus fixture directory (a package source tree plus its <c>sample.toml</c>) into a real sdist
/// (<c>name-version.tar.gz</c>) or wheel (<c>name-version-py3-none-any.whl</c>), byte-for-byte reproducible.
/// </summary>
/// <remarks>
/// Compiled into every test project (tests/Directory.Build.props), so it depends on the base library only:
/// <c>sample.toml</c> is read by <see cref="ReadSampleToml"/>, a reader for the flat <c>key = "string"</c> subset the
/// corpus uses, rather than Tomlyn, which would otherwise have to be referenced by every test project.
/// CorpusShapeTests parses every sample.toml with Tomlyn as well, so the files stay real TOML.
/// </remarks>
internal static partial class FixturePacker
{
    /// <summary>Every archive entry gets this time, so packing the same tree twice gives identical bytes.</summary>
    public static readonly DateTimeOffset EntryTime = new(2024, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public const string SampleFile = "sample.toml";

    /// <summary>Packs <paramref name="fixtureDir"/> into <paramref name="outputDir"/> and returns the archive's path.</summary>
    public static string Pack(string fixtureDir, string outputDir)
    {
        var sample = ReadSample(fixtureDir);
        Directory.CreateDirectory(outputDir);
        var files = ContentFiles(fixtureDir);
        return sample.Format switch
        {
            "sdist" => PackSdist(sample, files, outputDir),
            "wheel" => PackWheel(sample, files, outputDir),
            _ => throw new InvalidDataException($"{fixtureDir}: format must be \"sdist\" or \"wheel\", not \"{sample.Format}\""),
        };
    }

    public sealed record Sample(string Name, string Version, string Format, string Category, IReadOnlyDictionary<string, string> Fields);

    /// <summary>A corpus sample packed into an archive: its normalized project name, version, file name and bytes.</summary>
    public sealed record PackedSample(string Project, string Version, string Filename, byte[] Content);

    /// <summary>Packs <c>tests/fixtures/code/corpus/{kind}/{id}</c> into <paramref name="outputDir"/> (what upload and proxy tests serve).</summary>
    public static PackedSample PackCorpusSample(string kind, string id, string outputDir)
    {
        var directory = TestPaths.Fixtures("code", "corpus", kind, id);
        var sample = ReadSample(directory);
        var archive = Pack(directory, outputDir);
        return new PackedSample(Moat.Packaging.ProjectName.Normalize(sample.Name), sample.Version, Path.GetFileName(archive), File.ReadAllBytes(archive));
    }

    public static Sample ReadSample(string fixtureDir)
    {
        var fields = ReadSampleToml(Path.Combine(fixtureDir, SampleFile));
        string Required(string key) => fields.TryGetValue(key, out var v) && v.Length > 0
            ? v
            : throw new InvalidDataException($"{fixtureDir}: {SampleFile} lacks \"{key}\"");
        return new Sample(Required("name"), Required("version"), Required("format"), Required("category"), fields);
    }

    /// <summary>Reads <c>key = "value"</c> lines (basic strings with <c>\"</c> and <c>\\</c> escapes), blank lines and comments.</summary>
    public static IReadOnlyDictionary<string, string> ReadSampleToml(string path)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var m = FlatTomlLine().Match(line);
            if (!m.Success) throw new InvalidDataException($"{path}:{lineNumber}: expected key = \"string\"");
            var value = m.Groups["value"].Value.Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
            if (!fields.TryAdd(m.Groups["key"].Value, value))
                throw new InvalidDataException($"{path}:{lineNumber}: duplicate key {m.Groups["key"].Value}");
        }
        return fields;
    }

    /// <summary>The distribution part of sdist (PEP 625) and wheel (PEP 427/491) file names.</summary>
    public static string DistributionName(string name) => SeparatorRun().Replace(name, "_").ToLowerInvariant();

    public static string SdistFileName(string name, string version) => $"{DistributionName(name)}-{version}.tar.gz";

    public static string WheelFileName(string name, string version) => $"{DistributionName(name)}-{version}-py3-none-any.whl";

    public static string DistInfoDirectory(string name, string version) => $"{DistributionName(name)}-{version}.dist-info";

    /// <summary>A RECORD hash: <c>sha256=</c> and the urlsafe base64 digest without padding.</summary>
    public static string RecordHash(ReadOnlySpan<byte> data) =>
        "sha256=" + Base64Url.EncodeToString(SHA256.HashData(data));

    /// <summary>The tree's files other than sample.toml, as repository-style relative paths in ordinal order.</summary>
    public static IReadOnlyList<(string RelativePath, string FullPath)> ContentFiles(string fixtureDir) =>
        Directory.EnumerateFiles(fixtureDir, "*", SearchOption.AllDirectories)
            .Select(full => (Rel: Path.GetRelativePath(fixtureDir, full).Replace('\\', '/'), full))
            .Where(f => f.Rel != SampleFile)
            .OrderBy(f => f.Rel, StringComparer.Ordinal)
            .ToList();

    private static string PackSdist(Sample sample, IReadOnlyList<(string RelativePath, string FullPath)> files, string outputDir)
    {
        if (!files.Any(f => f.RelativePath == "PKG-INFO"))
            throw new InvalidDataException($"sdist sample {sample.Name} has no PKG-INFO at its root");
        var top = $"{DistributionName(sample.Name)}-{sample.Version}";
        var path = Path.Combine(outputDir, SdistFileName(sample.Name, sample.Version));
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Optimal);
        using var tar = new TarWriter(gzip, TarEntryFormat.Ustar, leaveOpen: false);
        foreach (var directory in DirectoriesOf(files.Select(f => f.RelativePath)))
        {
            tar.WriteEntry(new UstarTarEntry(TarEntryType.Directory, $"{top}/{directory}/") { ModificationTime = EntryTime, Mode = DirMode });
        }
        foreach (var (rel, full) in files)
        {
            using var data = new MemoryStream(File.ReadAllBytes(full));
            tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, $"{top}/{rel}")
            {
                ModificationTime = EntryTime,
                Mode = FileMode644,
                DataStream = data,
            });
        }
        return path;
    }

    private static string PackWheel(Sample sample, IReadOnlyList<(string RelativePath, string FullPath)> files, string outputDir)
    {
        var distInfo = DistInfoDirectory(sample.Name, sample.Version);
        var recordPath = $"{distInfo}/RECORD";
        foreach (var required in new[] { "METADATA", "WHEEL" })
        {
            if (!files.Any(f => f.RelativePath == $"{distInfo}/{required}"))
                throw new InvalidDataException($"wheel sample {sample.Name} has no {distInfo}/{required}");
        }
        var path = Path.Combine(outputDir, WheelFileName(sample.Name, sample.Version));
        var record = new StringBuilder();
        using (var file = File.Create(path))
        using (var zip = new ZipArchive(file, ZipArchiveMode.Create))
        {
            // A RECORD in the fixture tree is ignored: the packer always writes one that matches what it packed.
            foreach (var (rel, full) in files.Where(f => f.RelativePath != recordPath))
            {
                var bytes = File.ReadAllBytes(full);
                WriteZipEntry(zip, rel, bytes);
                record.Append(CultureInvariant($"{CsvField(rel)},{RecordHash(bytes)},{bytes.Length}\n"));
            }
            record.Append(CultureInvariant($"{recordPath},,\n"));
            WriteZipEntry(zip, recordPath, Encoding.UTF8.GetBytes(record.ToString()));
        }
        return path;
    }

    private static void WriteZipEntry(ZipArchive zip, string name, byte[] bytes)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
        entry.LastWriteTime = EntryTime;
        using var stream = entry.Open();
        stream.Write(bytes);
    }

    /// <summary>Every parent directory of the given files, parents first, each once.</summary>
    private static IEnumerable<string> DirectoriesOf(IEnumerable<string> relativePaths)
    {
        var seen = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var rel in relativePaths)
        {
            for (var slash = rel.IndexOf('/', StringComparison.Ordinal); slash > 0; slash = rel.IndexOf('/', slash + 1))
                seen.Add(rel[..slash]);
        }
        return seen;
    }

    private static string CsvField(string value) =>
        value.AsSpan().IndexOfAny(",\"\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    private static string CultureInvariant(FormattableString s) => FormattableString.Invariant(s);

    private const UnixFileMode FileMode644 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private const UnixFileMode DirMode = FileMode644 | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    [GeneratedRegex("""^(?<key>[A-Za-z0-9_-]+)\s*=\s*"(?<value>(?:[^"\\]|\\["\\])*)"\s*(?:#.*)?$""")]
    private static partial Regex FlatTomlLine();

    [GeneratedRegex("[-_.]+")]
    private static partial Regex SeparatorRun();
}
