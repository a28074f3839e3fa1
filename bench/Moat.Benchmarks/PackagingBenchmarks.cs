using System.IO.Compression;
using BenchmarkDotNet.Attributes;
using Moat.Packaging;
using Moat.Packaging.Versions;

namespace Moat.Benchmarks;

/// <summary>
/// Name normalization over every PyPI project name, and parsing + sorting a million realistic versions.
/// dotnet run -c Release --project bench/Moat.Benchmarks -- --filter '*Packaging*' --job short
/// </summary>
[MemoryDiagnoser]
public class PackagingBenchmarks
{
    private string[] _names = [];
    private string[] _versions = [];

    [GlobalSetup]
    public void Setup()
    {
        using var file = File.OpenRead(Path.Combine(BenchData.SharedData, "pypi", "all-names.txt.gz"));
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        var names = new List<string>(900_000);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0) names.Add(line);
        }
        _names = [.. names];
        _versions = GenerateVersions(1_000_000, seed: 440);
    }

    /// <summary>
    /// A deterministic mix shaped like PyPI: mostly X.Y.Z finals, some pre-releases, post and dev releases,
    /// CalVer, a few epochs, locals, and un-normalized spellings (v prefix, "-alpha", "-1").
    /// </summary>
    internal static string[] GenerateVersions(int count, int seed)
    {
        var random = new Random(seed);
        var result = new string[count];
        for (var i = 0; i < count; i++)
        {
            var kind = random.Next(100);
            var major = random.Next(0, 30);
            var minor = random.Next(0, 40);
            var patch = random.Next(0, 25);
            result[i] = kind switch
            {
                < 55 => $"{major}.{minor}.{patch}",
                < 65 => $"{major}.{minor}",
                < 72 => $"{major}.{minor}.{patch}{(random.Next(3) switch { 0 => "a", 1 => "b", _ => "rc" })}{random.Next(1, 5)}",
                < 76 => $"{major}.{minor}.{patch}.dev{random.Next(0, 20)}",
                < 79 => $"{major}.{minor}.{patch}.post{random.Next(1, 4)}",
                < 85 => $"{2015 + random.Next(11)}.{random.Next(1, 13)}.{random.Next(1, 29)}",
                < 88 => $"v{major}.{minor}.{patch}",
                < 91 => $"{major}.{minor}.{patch}-alpha.{random.Next(1, 4)}",
                < 93 => $"{major}.{minor}-{random.Next(1, 4)}",
                < 95 => $"{major}.{minor}.{patch}+cu{random.Next(110, 125)}",
                < 96 => $"1!{major}.{minor}",
                _ => $"{major}.{minor}.{patch}.{random.Next(0, 10)}",
            };
        }
        return result;
    }

    [Benchmark]
    public int NormalizeAllPyPINames()
    {
        var changed = 0;
        foreach (var name in _names)
        {
            if (!ReferenceEquals(ProjectName.Normalize(name), name)) changed++;
        }
        return changed;
    }

    [Benchmark]
    public PackageVersion ParseAndSortOneMillionVersions()
    {
        var parsed = new PackageVersion[_versions.Length];
        for (var i = 0; i < _versions.Length; i++) parsed[i] = PackageVersion.Parse(_versions[i]);
        Array.Sort(parsed);
        return parsed[^1];
    }

    [Benchmark]
    public int ParseOneMillionVersions()
    {
        var prereleases = 0;
        foreach (var text in _versions)
        {
            if (PackageVersion.Parse(text).IsPrerelease) prereleases++;
        }
        return prereleases;
    }
}
