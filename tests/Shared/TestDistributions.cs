using System.Formats.Tar;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace Moat.Testing;

/// <summary>Real wheels and sdists assembled in memory (zip and tar.gz with METADATA / PKG-INFO), and twine's upload form.</summary>
internal static class TestDistributions
{
    public static string Metadata(string name, string version, string? requiresPython = null, params string[] requiresDist)
    {
        var text = new StringBuilder($"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: test package {name}\n");
        if (requiresPython is not null) text.Append($"Requires-Python: {requiresPython}\n");
        foreach (var requirement in requiresDist) text.Append($"Requires-Dist: {requirement}\n");
        return text.ToString();
    }

    public static string WheelFilename(string name, string version) => $"{name.Replace('-', '_')}-{version}-py3-none-any.whl";

    /// <summary>A pure-Python wheel with one module; <paramref name="metadata"/> overrides the METADATA text.</summary>
    public static byte[] Wheel(string name, string version, string? requiresPython = null, string[]? requiresDist = null, string? metadata = null, string? module = null)
    {
        var distInfo = $"{name.Replace('-', '_')}-{version}.dist-info";
        var package = name.Replace('-', '_');
        var files = new Dictionary<string, byte[]>
        {
            [$"{package}/__init__.py"] = Encoding.UTF8.GetBytes(module ?? $"VERSION = '{version}'\n"),
            [$"{distInfo}/METADATA"] = Encoding.UTF8.GetBytes(metadata ?? Metadata(name, version, requiresPython, requiresDist ?? [])),
            [$"{distInfo}/WHEEL"] = "Wheel-Version: 1.0\nGenerator: moat-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"u8.ToArray(),
        };
        var record = new StringBuilder();
        foreach (var (path, data) in files)
            record.Append($"{path},{FixturePacker.RecordHash(data)},{data.Length}\n");
        record.Append($"{distInfo}/RECORD,,\n");
        files[$"{distInfo}/RECORD"] = Encoding.UTF8.GetBytes(record.ToString());

        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (path, data) in files)
            {
                var entry = zip.CreateEntry(path, CompressionLevel.Fastest);
                entry.LastWriteTime = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
                using var stream = entry.Open();
                stream.Write(data);
            }
        }
        return buffer.ToArray();
    }

    public static string SdistFilename(string name, string version) => $"{name.Replace('-', '_')}-{version}.tar.gz";

    /// <summary>An sdist with PKG-INFO and setup.py; <paramref name="module"/> adds <c>module.py</c> (other bytes, same release).</summary>
    public static byte[] Sdist(string name, string version, string? requiresPython = null, string? module = null)
    {
        var root = $"{name.Replace('-', '_')}-{version}";
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            void Add(string path, string text)
            {
                var entry = new PaxTarEntry(TarEntryType.RegularFile, $"{root}/{path}") { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)) };
                tar.WriteEntry(entry);
            }
            Add("PKG-INFO", Metadata(name, version, requiresPython));
            Add("setup.py", "from setuptools import setup\nsetup()\n");
            if (module is not null) Add($"{module}.py", $"# {module}\n");
        }
        return buffer.ToArray();
    }

    /// <summary>A .tar.gz holding exactly <paramref name="members"/> (regular files, paths as given).</summary>
    public static byte[] TarGz(params (string Path, byte[] Data)[] members)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
            foreach (var (path, data) in members)
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, path) { DataStream = new MemoryStream(data) });
        return buffer.ToArray();
    }

    /// <summary>The multipart form twine sends for one file.</summary>
    public static MultipartFormDataContent UploadForm(string name, string version, string filename, byte[] content, bool wheel = true,
        string? sha256 = null, bool includeMd5 = true, IDictionary<string, string>? extra = null)
    {
        var form = new MultipartFormDataContent();
        void Field(string key, string value) => form.Add(new StringContent(value), key);
        Field(":action", "file_upload");
        Field("protocol_version", "1");
        Field("name", name);
        Field("version", version);
        Field("filetype", wheel ? "bdist_wheel" : "sdist");
        Field("pyversion", wheel ? "py3" : "source");
        Field("metadata_version", "2.1");
        Field("sha256_digest", sha256 ?? Convert.ToHexStringLower(SHA256.HashData(content)));
        if (includeMd5) Field("md5_digest", Convert.ToHexStringLower(MD5.HashData(content)));
        foreach (var (key, value) in extra ?? new Dictionary<string, string>()) Field(key, value);
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "content", filename);
        return form;
    }
}
