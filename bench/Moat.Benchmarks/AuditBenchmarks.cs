using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using Moat.Analysis.Dependencies;
using Moat.Analysis.Dependencies.Advisories;
using Moat.Analysis.Dependencies.Manifests;
using Moat.Analysis.Names;

namespace Moat.Benchmarks;

/// <summary>
/// <c>moat audit</c>'s costs: loading the OSV snapshot (2,661 YAML advisories in a .tar.gz), and auditing 500 pinned
/// packages against it — as a requirements file with hashes, and as a uv.lock (parse included), with and without
/// the name-confusion engine.
/// </summary>
[MemoryDiagnoser]
public class AuditBenchmarks
{
    private string _snapshot = "";
    private OsvDatabase _database = null!;
    private string _requirements = "";
    private string _uvLock = "";

    [GlobalSetup]
    public void Setup()
    {
        _snapshot = Path.Combine(BenchData.SharedData, "osv", "pypa-advisory-database.tar.gz");
        _database = OsvDatabase.Load(_snapshot);
        var pins = AuditLockGenerator.Pins(_database, 500);
        _requirements = string.Join('\n', pins.Select((p, i) => $"{p.Name}=={p.Version} \\\n    --hash=sha256:{i:x64}")) + "\n";
        _uvLock = AuditLockGenerator.UvLock(pins);
        _ = NameChecker.Default; // built once per process in moat too; measured by NameBenchmarks
    }

    [Benchmark]
    public int LoadOsvSnapshot() => OsvDatabase.Load(_snapshot).Advisories.Count;

    [Benchmark]
    public int Audit500Requirements()
    {
        var manifest = RequirementsFile.Parse("requirements.txt", _ => _requirements);
        return DependencyAudit.Run([manifest], new AuditOptions { Advisories = _database }).Sum(r => r.Findings.Count);
    }

    [Benchmark]
    public int Audit500PackageUvLock()
    {
        var manifest = LockFiles.ParseUvLock(_uvLock, "uv.lock");
        return DependencyAudit.Run([manifest], new AuditOptions { Advisories = _database }).Sum(r => r.Findings.Count);
    }

    [Benchmark]
    public int Audit500PackageUvLockWithNames()
    {
        var manifest = LockFiles.ParseUvLock(_uvLock, "uv.lock");
        return DependencyAudit.Run([manifest], new AuditOptions { Advisories = _database, CheckName = NameChecker.Default.Check }).Sum(r => r.Findings.Count);
    }
}

/// <summary>Realistic dependency sets for the audit benchmarks and bench/audit.sh (<c>make-uv-lock PATH [COUNT]</c>).</summary>
public static class AuditLockGenerator
{
    /// <summary>Real names with real (old, often vulnerable) versions taken from the advisories themselves.</summary>
    public static IReadOnlyList<(string Name, string Version)> Pins(OsvDatabase database, int count) =>
        [.. database.Advisories
            .SelectMany(a => a.Affected.SelectMany(x => x.Versions.Take(1).Select(v => (Name: x.Package, Version: v))))
            .DistinctBy(p => p.Name, StringComparer.OrdinalIgnoreCase)
            .Take(count)];

    /// <summary>A uv.lock as uv writes it: a registry source, an sdist and a wheel with hashes and sizes per package.</summary>
    public static string UvLock(IReadOnlyList<(string Name, string Version)> pins)
    {
        var text = new StringBuilder("version = 1\nrequires-python = \">=3.9\"\n");
        foreach (var (name, version) in pins)
        {
            var file = name.Replace('-', '_');
            string Hash(string what) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(what)));
            text.Append(CultureInfo.InvariantCulture, $"""

                [[package]]
                name = "{name}"
                version = "{version}"
                source = {"{"} registry = "https://pypi.org/simple" {"}"}
                sdist = {"{"} url = "https://files.pythonhosted.org/packages/source/{file[0]}/{name}/{file}-{version}.tar.gz", hash = "sha256:{Hash(name + version)}", size = {1000 + name.Length * 37} {"}"}
                wheels = [
                    {"{"} url = "https://files.pythonhosted.org/packages/py3/{file[0]}/{name}/{file}-{version}-py3-none-any.whl", hash = "sha256:{Hash(version + name)}", size = {900 + name.Length * 41} {"}"},
                ]

                """);
        }
        return text.ToString();
    }

    public static void Write(string path, int count)
    {
        var database = EmbeddedAdvisories.Load();
        File.WriteAllText(path, UvLock(Pins(database, count)));
    }
}
