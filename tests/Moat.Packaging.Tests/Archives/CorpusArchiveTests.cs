using Moat.Packaging.Archives;
using Moat.Testing;

namespace Moat.Packaging.Tests.Archives;

/// <summary>Every scanner-corpus sample, packed into its real sdist or wheel, reads back whole and issue-free.</summary>
public class CorpusArchiveTests
{
    [Fact]
    public void Every_packed_corpus_sample_reads_back_with_its_exact_files()
    {
        var corpus = TestPaths.Fixtures("code", "corpus");
        var samples = new[] { "malicious", "benign" }
            .SelectMany(kind => Directory.GetDirectories(Path.Combine(corpus, kind)))
            .Where(dir => File.Exists(Path.Combine(dir, FixturePacker.SampleFile)))
            .ToList();
        Assert.True(samples.Count >= 180, $"only {samples.Count} corpus samples found");

        var output = Path.Combine(Path.GetTempPath(), $"moat-corpus-{Guid.NewGuid():N}");
        try
        {
            foreach (var sample in samples)
            {
                var archive = FixturePacker.Pack(sample, output);
                var seen = new Dictionary<string, byte[]>(StringComparer.Ordinal);
                var result = SafeArchive.Read(archive, m =>
                {
                    if (m.Kind == ArchiveMemberKind.File) seen[m.Path] = m.ReadAllBytes();
                });

                Assert.True(result.Completed, archive);
                Assert.Empty(result.Issues);
                var info = FixturePacker.ReadSample(sample);
                var prefix = info.Format == "sdist" ? $"{FixturePacker.DistributionName(info.Name)}-{info.Version}/" : "";
                foreach (var (relative, full) in FixturePacker.ContentFiles(sample))
                {
                    if (info.Format == "wheel" && relative.EndsWith(".dist-info/RECORD", StringComparison.Ordinal)) continue;
                    Assert.True(seen.TryGetValue(prefix + relative, out var bytes), $"{archive}: {prefix + relative} missing");
                    Assert.Equal(File.ReadAllBytes(full), bytes);
                }
            }
        }
        finally
        {
            if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        }
    }
}
