using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Extensions.Caching.Memory;

namespace Moat.Analysis.Code;

/// <summary>
/// The SHA-256 of a text: identifies content where a crafted collision would let one text pass for another. An ASCII text
/// (almost every source file) is hashed as its bytes after a 0 tag, any other as its UTF-16 code units after a 1 tag: one
/// byte per character halves the hashing of what a scan reads, and the tags keep the two encodings apart.
/// </summary>
internal readonly record struct ContentHash(UInt128 High, UInt128 Low)
{
    public static ContentHash Of(ReadOnlySpan<char> text)
    {
        using var hasher = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> chunk = stackalloc byte[ChunkChars];
        var ascii = System.Text.Ascii.IsValid(text);
        chunk[0] = ascii ? (byte)0 : (byte)1;
        hasher.AppendData(chunk[..1]);
        if (ascii)
        {
            // Narrowed a chunk at a time: a buffer the size of a megabyte payload would be kept by the pool afterwards.
            for (var at = 0; at < text.Length; at += ChunkChars)
            {
                var part = text.Slice(at, Math.Min(ChunkChars, text.Length - at));
                System.Text.Ascii.FromUtf16(part, chunk, out _);
                hasher.AppendData(chunk[..part.Length]);
            }
        }
        else hasher.AppendData(MemoryMarshal.AsBytes(text));
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        hasher.GetHashAndReset(hash);
        var words = MemoryMarshal.Cast<byte, UInt128>(hash);
        return new ContentHash(words[0], words[1]);
    }

    private const int ChunkChars = 8192;
}

/// <summary>
/// What a file's analysis (its decoded layers included) read beyond its own text, role and load context: decides whether
/// its findings may be reused for the same text in another package, and on what condition. Three package-wide reads are
/// kept as conditions, because almost every file makes them: names imported from the package's own modules (while none
/// resolves to a literal, the same names must resolve to nothing in the package at hand), whether the package ships
/// programs (checked when load-time code starts one), and the package's decoded layers (counted and de-duplicated per
/// package: reusable when no file before it decoded any, and replayed). Anything else — a limit (reported once per
/// package and file), the file's own path — makes the analysis unrepeatable.
/// </summary>
internal sealed class OutsideReads
{
    private const int MaxImportedNames = 256;
    private readonly List<(string Module, string Name)> _importedNames = [];

    public bool Unrepeatable { get; private set; }

    /// <summary>Names imported from modules (<c>from .conf import KEY</c>) that the package did not define as literals.</summary>
    public IReadOnlyList<(string Module, string Name)> ImportedNames => _importedNames;

    /// <summary>Load-time code started a program, which is a dropper if the package ships it.</summary>
    public bool ReadBundledExecutables { get; private set; }

    /// <summary>Decoded layers were looked up in, or added to, the package's layer state.</summary>
    public bool UsedPackageLayers { get; private set; }

    public void MarkUnrepeatable() => Unrepeatable = true;

    public void ImportedName(string module, string name, bool resolved)
    {
        if (resolved || _importedNames.Count >= MaxImportedNames) Unrepeatable = true;
        else _importedNames.Add((module, name));
    }

    public void BundledExecutables(int shipped)
    {
        if (shipped > 0) Unrepeatable = true;
        ReadBundledExecutables = true;
    }

    public void PackageLayers() => UsedPackageLayers = true;
}

/// <summary>
/// Findings of analysed Python files, remembered by what decides them: the text (its SHA-256, so that no crafted file
/// can pass for a remembered one), its role and load context, the functions setup.py runs from it, and the engine's
/// bounds. A typosquat ships the library it imitates file for file (28% of the malicious corpus's Python bytes repeat
/// a file of another archive), and an index sees each release of a project repeat most files of the last one. Only
/// files whose analysis read nothing outside those, or only what can be checked again (<see cref="OutsideReads"/>), are
/// remembered. Bounded by an estimate of the memory held; least recently used entries go first. Thread-safe.
/// </summary>
public sealed class FileAnalysisCache
{
    /// <summary>One per process: the command line's scans and the index's gate share it.</summary>
    public static FileAnalysisCache Shared { get; } = new();

    private readonly MemoryCache _entries;
    private long _hits, _misses;

    /// <param name="capacityBytes">About how much memory the remembered analyses may take.</param>
    public FileAnalysisCache(long capacityBytes = 64 << 20) =>
        _entries = new MemoryCache(new MemoryCacheOptions { SizeLimit = capacityBytes, CompactionPercentage = 0.25 });

    public long Hits => Interlocked.Read(ref _hits);
    public long Misses => Interlocked.Read(ref _misses);

    private readonly record struct Key(ContentHash Text, FileRole Role, CodeContext? Context, string InstallEntries,
                                       int MaxLayerDepth, int MaxLayers, int MaxFunctionWalks, long EvaluatorStepBudget);

    /// <param name="PayloadsScanned">The decoded payloads the file added to the package's layer state (null: it used none).</param>
    private sealed record Entry(Finding[] Findings, (string Module, string Name)[] ImportedNames, bool ReadBundledExecutables,
                                ContentHash[]? PayloadsScanned, int LayersCounted);

    /// <summary>The key of one top-level file's analysis.</summary>
    internal static object KeyOf(string text, FileRole role, CodeContext? baseContext, IReadOnlySet<string>? installEntries, CodeScanOptions options)
    {
        var entries = installEntries is { Count: > 0 } ? string.Join('\n', installEntries.Order(StringComparer.Ordinal)) : "";
        return new Key(ContentHash.Of(text), role, baseContext, entries, options.MaxLayerDepth, options.MaxLayers, options.MaxFunctionWalks, options.EvaluatorStepBudget);
    }

    /// <summary>
    /// The remembered findings for <paramref name="key"/>, placed at <paramref name="path"/>, when the package being
    /// scanned (<paramref name="shared"/>) meets the entry's conditions; its decoded layers are then recorded as scanned.
    /// Null when nothing is remembered or a condition fails.
    /// </summary>
    internal IReadOnlyList<Finding>? Find(object key, string path, ScanShared shared)
    {
        if (!_entries.TryGetValue(key, out var found) || found is not Entry entry
            || entry.ReadBundledExecutables && shared.BundledExecutables.Count > 0
            || entry.PayloadsScanned is not null && !shared.NoLayersYet
            || entry.ImportedNames.Any(n => shared.Constants?.Resolve(path, n.Module, n.Name) is not null))
        {
            Interlocked.Increment(ref _misses);
            return null;
        }
        if (entry.PayloadsScanned is { } payloads) shared.RecordLayers(payloads, entry.LayersCounted);
        Interlocked.Increment(ref _hits);
        return Array.ConvertAll(entry.Findings, f => f with { Location = f.Location with { Path = path } });
    }

    /// <summary>
    /// Remembers one file's findings, all located in <paramref name="path"/>, unless its analysis read outside the key
    /// what cannot be checked again: <paramref name="layerStateWasEmpty"/> says whether the package's layer state was
    /// empty before it, so that its layers were its own.
    /// </summary>
    internal void Remember(object key, string path, IReadOnlyList<Finding> findings, OutsideReads reads, ScanShared shared, bool layerStateWasEmpty)
    {
        if (reads.Unrepeatable || reads.UsedPackageLayers && !layerStateWasEmpty || findings.Any(f => f.Location.Path != path)) return;
        var payloads = reads.UsedPackageLayers ? shared.ScannedPayloads.ToArray() : null;
        var names = new (string Module, string Name)[reads.ImportedNames.Count];
        for (var i = 0; i < names.Length; i++) names[i] = (OneCopy(reads.ImportedNames[i].Module), OneCopy(reads.ImportedNames[i].Name));
        var kept = new Finding[findings.Count];
        for (var i = 0; i < kept.Length; i++)
            kept[i] = findings[i] with { Message = OneCopy(findings[i].Message), Evidence = findings[i].Evidence is { } evidence ? OneCopy(evidence) : null };
        var entry = new Entry(kept, names, reads.ReadBundledExecutables, payloads, shared.Layers);
        // Measured on the malicious corpus: ~3 findings and ~4 imported names an entry; their texts count against MaxSharedChars.
        var size = 512 + 16 * names.Length + 160 * kept.Length + 48 * (payloads?.Length ?? 0);
        _entries.Set(key, entry, new MemoryCacheEntryOptions { Size = size });
    }

    // Each analysis makes its own strings, and remembered analyses repeat one another's: the names most files import
    // (typing, os), the messages and evidence of a typosquat family's copies. One copy of each is kept for all entries,
    // up to a bound in characters; past it a text is kept as it comes.
    private const long MaxSharedChars = 8 << 20;
    private readonly ConcurrentDictionary<string, string> _texts = new(StringComparer.Ordinal);
    private long _sharedChars;

    private string OneCopy(string text)
    {
        if (_texts.TryGetValue(text, out var known)) return known;
        if (Interlocked.Read(ref _sharedChars) + text.Length > MaxSharedChars || !_texts.TryAdd(text, text)) return _texts.GetValueOrDefault(text, text);
        Interlocked.Add(ref _sharedChars, text.Length);
        return text;
    }
}
