using System.IO.Compression;
using BenchmarkDotNet.Attributes;
using Moat.Analysis.Domains.Checking;
using Moat.Analysis.Domains.Generation;

namespace Moat.Benchmarks;

/// <summary>
/// Lookalike generation for pypi.org and pythonhosted.org, and checking one million hosts against the default
/// protected set. The million is a realistic mix (see <see cref="DomainMix"/>): mostly ordinary domains built from
/// real PyPI project names, real subdomains of the protected domains, popular sites, and 5% lookalikes.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class DomainBenchmarks
{
    private string[] _hosts = [];
    private readonly LookalikeIndex _index = LookalikeIndex.Default;

    [GlobalSetup]
    public void Setup()
    {
        _hosts = DomainMix.Build(1_000_000, seed: 42);
        DomainMix.Describe(_hosts, _index, Console.Out);
    }

    [Benchmark]
    public int GeneratePypi() => LookalikeGenerator.Generate("pypi.org").Count;

    [Benchmark]
    public int GeneratePythonhosted() => LookalikeGenerator.Generate("pythonhosted.org").Count;

    /// <summary>One million hosts on one thread.</summary>
    [Benchmark]
    public int CheckMillionHostsOneThread()
    {
        var flagged = 0;
        foreach (var host in _hosts)
        {
            if (_index.Check(host) is not null) flagged++;
        }
        return flagged;
    }

    /// <summary>One million hosts on every core (the index is read-only and shared).</summary>
    [Benchmark]
    public int CheckMillionHostsAllCores()
    {
        var flagged = 0;
        Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(0, _hosts.Length, 16_384), range =>
        {
            var local = 0;
            for (var i = range.Item1; i < range.Item2; i++)
            {
                if (_index.Check(_hosts[i]) is not null) local++;
            }
            Interlocked.Add(ref flagged, local);
        });
        return flagged;
    }
}

/// <summary>A reproducible mix of hosts as a mail gateway or proxy log would see them.</summary>
public static class DomainMix
{
    private static readonly string[] Suffixes = ["com", "org", "io", "net", "dev", "co.uk", "de", "app", "ai", "readthedocs.io", "github.io"];
    private static readonly string[] Subdomains = ["www", "docs", "api", "mail", "cdn", "blog", "static", "files"];
    private static readonly string[] LegitimateHosts =
    [
        "pypi.org", "test.pypi.org", "upload.pypi.org", "files.pythonhosted.org", "www.python.org", "docs.python.org",
        "github.com", "api.github.com", "raw.githubusercontent.com", "objects.githubusercontent.com", "gitlab.com",
        "registry.npmjs.com", "www.npmjs.com", "gist.github.com", "codeload.github.com", "pypy.org", "pip.pypa.io",
    ];
    private static readonly string[] PopularSites =
    [
        "google.com", "www.google.com", "mail.google.com", "youtube.com", "microsoft.com", "login.microsoftonline.com",
        "stackoverflow.com", "wikipedia.org", "en.wikipedia.org", "amazon.com", "aws.amazon.com", "cloudflare.com",
        "slack.com", "zoom.us", "linkedin.com", "twitter.com", "x.com", "reddit.com", "apple.com", "bbc.co.uk",
    ];

    public static string[] Build(int count, int seed)
    {
        var random = new Random(seed);
        var names = ProjectNames();
        var lookalikes = new[] { "pypi.org", "pythonhosted.org", "github.com", "python.org" }
            .SelectMany(d => LookalikeGenerator.Generate(d)).Select(p => p.Host).ToArray();
        var hosts = new string[count];
        for (var i = 0; i < count; i++)
        {
            var roll = random.Next(100);
            hosts[i] = roll switch
            {
                < 65 => Ordinary(names[random.Next(names.Length)], random),
                < 80 => LegitimateHosts[random.Next(LegitimateHosts.Length)],
                < 95 => PopularSites[random.Next(PopularSites.Length)],
                _ => lookalikes[random.Next(lookalikes.Length)],
            };
        }
        return hosts;
    }

    /// <summary>Prints how many hosts of each kind the index flags: the mix's false-positive and detection rates.</summary>
    public static void Describe(string[] hosts, LookalikeIndex index, TextWriter output)
    {
        var flagged = hosts.AsParallel().Count(h => index.Check(h) is not null);
        output.WriteLine($"// {hosts.Length:N0} hosts, {hosts.Distinct().Count():N0} distinct, {flagged:N0} flagged");
    }

    /// <summary>A project name as a domain: <c>requests.readthedocs.io</c>, <c>www.fastapi.dev</c>, <c>numpy.org</c>.</summary>
    private static string Ordinary(string name, Random random)
    {
        var label = name.Replace('_', '-').Replace('.', '-').Trim('-');
        if (label.Length is 0 or > 63) label = "example";
        var host = $"{label}.{Suffixes[random.Next(Suffixes.Length)]}";
        return random.Next(3) == 0 ? $"{Subdomains[random.Next(Subdomains.Length)]}.{host}" : host;
    }

    private static string[] ProjectNames()
    {
        var path = Path.Combine(BenchData.SharedData, "pypi", "all-names.txt.gz");
        using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        var names = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0 && line.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')) names.Add(line.ToLowerInvariant());
        }
        return [.. names];
    }
}
