using System.Buffers.Text;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace Moat.Testing;

/// <summary>
/// A wheel whose .pth file runs a base64 payload on its first line and is then padded past a size limit: the shape
/// that hides a payload from a scanner that skips large members. Built streaming to a file (the padding never sits in
/// memory). Defanged: the payload only prints. The padding is comment lines drawn from a few fixed variants: large,
/// yet far below the reader's compression-ratio bound, so the member is judged by its size alone.
/// </summary>
internal static class PaddedWheel
{
    public const string Payload = "print('moat test payload: harmless')\n";

    public static string PthLine => $"import base64;exec(base64.b64decode('{Convert.ToBase64String(Encoding.UTF8.GetBytes(Payload))}'))\n";

    public static string Filename(string name, string version) => TestDistributions.WheelFilename(name, version);

    /// <summary>Writes the wheel into <paramref name="directory"/>; returns its path.</summary>
    public static string Build(string directory, string name, string version, long paddingBytes, string? trailer = null)
    {
        var package = name.Replace('-', '_');
        var distInfo = $"{package}-{version}.dist-info";
        var path = Path.Combine(directory, Filename(name, version));
        var record = new StringBuilder();
        using (var file = File.Create(path))
        using (var zip = new ZipArchive(file, ZipArchiveMode.Create))
        {
            void Add(string member, byte[] data)
            {
                using (var stream = zip.CreateEntry(member, CompressionLevel.Fastest).Open()) stream.Write(data);
                record.Append($"{member},sha256={Hash(SHA256.HashData(data))},{data.Length}\n");
            }
            Add($"{package}/__init__.py", Encoding.UTF8.GetBytes($"VERSION = '{version}'\n"));
            Add($"{distInfo}/METADATA", Encoding.UTF8.GetBytes(TestDistributions.Metadata(name, version)));
            Add($"{distInfo}/WHEEL", "Wheel-Version: 1.0\nGenerator: moat-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"u8.ToArray());

            var pth = $"{package}_boot.pth";
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long length = 0;
            using (var stream = zip.CreateEntry(pth, CompressionLevel.Fastest).Open())
            {
                void Write(ReadOnlySpan<byte> bytes)
                {
                    stream.Write(bytes);
                    hash.AppendData(bytes);
                    length += bytes.Length;
                }
                Write(Encoding.UTF8.GetBytes(PthLine));
                var variants = Enumerable.Range(0, 8).Select(v =>
                {
                    var random = new Random(v);
                    return Encoding.ASCII.GetBytes("# " + new string([.. Enumerable.Range(0, 250).Select(_ => (char)('a' + random.Next(8)))]) + "\n");
                }).ToArray();
                var pick = new Random(7);
                long written = 0;
                while (written < paddingBytes)
                {
                    var line = variants[pick.Next(variants.Length)];
                    Write(line);
                    written += line.Length;
                }
                if (trailer is not null) Write(Encoding.UTF8.GetBytes(trailer));
            }
            record.Append($"{pth},sha256={Hash(hash.GetHashAndReset())},{length}\n");
            record.Append($"{distInfo}/RECORD,,\n");
            using (var stream = zip.CreateEntry($"{distInfo}/RECORD", CompressionLevel.Fastest).Open()) stream.Write(Encoding.UTF8.GetBytes(record.ToString()));
        }
        return path;
    }

    private static string Hash(byte[] digest) => Base64Url.EncodeToString(digest);
}
