using Moat.Analysis.Code;
using Moat.Analysis;
using Moat.Packaging.Distributions;
using Moat.Packaging.Versions;

namespace Moat.Index.Policy;

/// <summary>
/// The one read of a distribution file the gate judges. The first check that needs the file's contents starts it,
/// and both what the file says of itself (<see cref="CoreMetadataTap"/>) and the code scan come out of that same pass
/// over the archive; later checks, and the upload that stores the file, reuse them. The scan is CPU work, so it
/// leaves the request thread.
/// </summary>
public sealed class DistributionRead
{
    private readonly Lazy<Task<(InspectedDistribution Inspected, ScanResult Scan)>> _read;

    /// <param name="path">The file on local disk (staged, not yet visible).</param>
    /// <param name="filename">Its name, already parsed into <paramref name="parsed"/>.</param>
    public DistributionRead(string path, string filename, (PackageType PackageType, string Name, PackageVersion Version) parsed)
    {
        _read = new(() => Task.Run(() =>
        {
            var tap = new CoreMetadataTap(parsed.PackageType, parsed.Name, parsed.Version);
            // A small buffer: the decompressor reads in its own chunks.
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096);
            var scan = PackageScanner.Scan(stream, filename, tap);
            return (tap.Result(), scan);
        }));
    }

    public async Task<InspectedDistribution> InspectAsync(CancellationToken ct) => (await _read.Value.WaitAsync(ct)).Inspected;

    public async Task<ScanResult> ScanAsync(CancellationToken ct) => (await _read.Value.WaitAsync(ct)).Scan;
}
