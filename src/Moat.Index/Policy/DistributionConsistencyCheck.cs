namespace Moat.Index.Policy;

/// <summary>
/// The file must be what the form says it is: readable, with exactly one core metadata file (wheels), and
/// consistent name and version between form, filename and metadata.
/// </summary>
public sealed class DistributionConsistencyCheck : IUploadCheck
{
    public string Name => "distribution-consistency";

    public ValueTask<CheckOutcome> CheckAsync(UploadCandidate candidate, CancellationToken ct)
    {
        var distribution = candidate.Distribution;
        if (distribution is null) return ValueTask.FromResult(CheckOutcome.Refuse("The uploaded file could not be read."));
        if (!distribution.ArchiveComplete)
        {
            var issue = distribution.ArchiveIssues.FirstOrDefault();
            return ValueTask.FromResult(CheckOutcome.Refuse($"Invalid distribution file {candidate.Filename}: {issue?.Message ?? "the archive could not be read to the end"}."));
        }
        if (candidate.PackageType == "bdist_wheel" && distribution.CoreMetadata is null)
            return ValueTask.FromResult(CheckOutcome.Refuse($"Wheel {candidate.Filename} has no single .dist-info/METADATA file."));
        if (candidate.FormFields.TryGetValue("filetype", out var filetype) && filetype != candidate.PackageType)
            return ValueTask.FromResult(CheckOutcome.Refuse($"filetype '{filetype}' does not match the file {candidate.Filename}."));
        return ValueTask.FromResult(CheckOutcome.Pass);
    }
}
