namespace Moat.Index.Policy;

/// <summary>
/// The malicious-package scanner on every uploaded file: its findings join the gate's verdict. The scan reads the
/// staged file through the safe archive reader (in the candidate's one read, see <see cref="DistributionRead"/>) and never runs it.
/// </summary>
public sealed class CodeScanCheck : IUploadCheck
{
    public string Name => "code-scan";

    public async ValueTask<CheckOutcome> CheckAsync(UploadCandidate candidate, CancellationToken ct) =>
        new((await candidate.Contents.ScanAsync(ct)).Findings);
}
