using Moat.Packaging;
using Moat.Packaging.Distributions;
using Moat.Packaging.Versions;

namespace Moat.Index.Policy;

/// <summary>
/// The file must be what the form says it is: a readable archive with exactly one core metadata file, whose name
/// and version agree with the filename and with the form (names compared PEP 503-normalized, versions as PEP 440
/// versions). A wheel whose METADATA names another project is how a file smuggles itself into the wrong project.
/// </summary>
public sealed class DistributionConsistencyCheck : IUploadCheck
{
    public string Name => "distribution-consistency";

    public async ValueTask<CheckOutcome> CheckAsync(UploadCandidate candidate, CancellationToken ct) =>
        Check(candidate, await candidate.Contents.InspectAsync(ct));

    private static CheckOutcome Check(UploadCandidate candidate, InspectedDistribution file)
    {
        if (!file.ArchiveComplete)
        {
            var issue = file.ArchiveIssues.FirstOrDefault();
            return CheckOutcome.Refuse($"Invalid distribution file {candidate.Filename}: {issue?.Message ?? "the archive could not be read to the end"}.");
        }
        var where = file.PackageType == PackageType.Wheel ? ".dist-info/METADATA" : "PKG-INFO";
        if (file.MetadataFiles != 1 || file.Metadata is not { } metadata)
            return CheckOutcome.Refuse($"{candidate.Filename} must contain exactly one {where} file (found {file.MetadataFiles}).");
        if (candidate.FormFields.TryGetValue("filetype", out var filetype) && (!PackageTypeNames.TryParse(filetype, out var formType) || formType != file.PackageType))
            return CheckOutcome.Refuse($"filetype '{filetype}' does not match the file {candidate.Filename}.");

        if (ProjectName.Normalize(file.FilenameName) != candidate.Project)
            return CheckOutcome.Refuse($"Start filename for '{candidate.Project}' with '{file.FilenameName}'? The filename names project '{ProjectName.Normalize(file.FilenameName)}', the form '{candidate.Project}'.");
        if (metadata.NormalizedName != candidate.Project)
            return CheckOutcome.Refuse($"The {where} of {candidate.Filename} names project '{metadata.Name}', not '{candidate.Project}'.");

        if (!PackageVersion.TryParse(candidate.Version, out var formVersion))
            return CheckOutcome.Refuse($"'{candidate.Version}' is an invalid value for Version: see PEP 440.");
        if (!formVersion.Equals(file.FilenameVersion))
            return CheckOutcome.Refuse($"The filename says version {file.FilenameVersion}, the form {candidate.Version}.");
        if (metadata.Version is not { } metadataVersion || !metadataVersion.Equals(formVersion))
            return CheckOutcome.Refuse($"The {where} of {candidate.Filename} says version '{metadata.VersionText}', the form '{candidate.Version}'.");
        return CheckOutcome.Pass;
    }
}
