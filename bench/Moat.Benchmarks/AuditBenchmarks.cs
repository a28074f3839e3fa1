using BenchmarkDotNet.Attributes;
using Moat.Analysis.Dependencies;
using Moat.Analysis.Dependencies.Advisories;
using Moat.Analysis.Dependencies.Manifests;

namespace Moat.Benchmarks;

/// <summary>
/// <c>moat audit</c>'s two costs: loading the OSV snapshot (2,661 YAML advisories in a .tar.gz), and auditing a
/// 500-entry requirements file with hashes against it.
/// </summary>
[MemoryDiagnoser]
public class AuditBenchmarks
{
    private string _snapshot = "";
    private OsvDatabase _database = null!;
    private string _requirements = "";

    [GlobalSetup]
    public void Setup()
    {
        _snapshot = Path.Combine(BenchData.SharedData, "osv", "pypa-advisory-database.tar.gz");
        _database = OsvDatabase.Load(_snapshot);
        // 500 real names with real (old, often vulnerable) versions taken from the advisories themselves, and hashes.
        var lines = _database.Advisories
            .SelectMany(a => a.Affected.SelectMany(x => x.Versions.Take(1).Select(v => (x.Package, Version: v))))
            .DistinctBy(p => p.Package)
            .Take(500)
            .Select((p, i) => $"{p.Package}=={p.Version} \\\n    --hash=sha256:{i:x64}");
        _requirements = string.Join('\n', lines) + "\n";
    }

    [Benchmark]
    public int LoadOsvSnapshot() => OsvDatabase.Load(_snapshot).Advisories.Count;

    [Benchmark]
    public int Audit500Requirements()
    {
        var manifest = RequirementsFile.Parse("requirements.txt", _ => _requirements);
        return DependencyAudit.Run([manifest], new AuditOptions { Advisories = _database }).Sum(r => r.Findings.Count);
    }
}
