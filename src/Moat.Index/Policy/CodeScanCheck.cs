using Moat.Analysis.Code;

namespace Moat.Index.Policy;

/// <summary>
/// The malicious-package scanner on every uploaded file: its findings join the gate's verdict. The scan reads the
/// staged file through the safe archive reader and never runs it; it is CPU work, so it leaves the request thread.
/// </summary>
public sealed class CodeScanCheck : IUploadCheck
{
    public string Name => "code-scan";

    public async ValueTask<CheckOutcome> CheckAsync(UploadCandidate candidate, CancellationToken ct)
    {
        var result = await Task.Run(() =>
        {
            using var stream = File.OpenRead(candidate.StagedPath);
            return PackageScanner.Scan(stream, candidate.Filename);
        }, ct);
        return new CheckOutcome(result.Findings);
    }
}
