using Moat.Packaging.Distributions;

namespace Moat.Index.Storage;

/// <summary>PEP 792 project status. Stored and printed as the lower-case name.</summary>
public enum ProjectStatus { Active, Archived, Quarantined, Deprecated }

public static class ProjectStatusNames
{
    public static string Of(ProjectStatus status) => status switch
    {
        ProjectStatus.Archived => "archived",
        ProjectStatus.Quarantined => "quarantined",
        ProjectStatus.Deprecated => "deprecated",
        _ => "active",
    };

    public static bool TryParse(string? text, out ProjectStatus status)
    {
        status = text switch
        {
            "active" => ProjectStatus.Active,
            "archived" => ProjectStatus.Archived,
            "quarantined" => ProjectStatus.Quarantined,
            "deprecated" => ProjectStatus.Deprecated,
            _ => (ProjectStatus)(-1),
        };
        return (int)status >= 0;
    }

    /// <summary>PEP 792: archived and quarantined projects take no new distributions.</summary>
    public static bool AcceptsUploads(ProjectStatus status) => status is ProjectStatus.Active or ProjectStatus.Deprecated;
}

/// <summary>
/// Whether clients may see a file: available; quarantined by the gate (hidden pending an admin's review); staged —
/// uploaded to a project that requires release approval and hidden until a second maintainer approves the release;
/// or blocked — an admin reviewed it and refused it for good (hidden forever, its filename stays used).
/// </summary>
public enum FileState { Available, Quarantined, Staged, Blocked }

public static class FileStateNames
{
    public static string Of(FileState state) => state switch
    {
        FileState.Quarantined => "quarantined",
        FileState.Staged => "staged",
        FileState.Blocked => "blocked",
        _ => "available",
    };

    /// <summary>Unknown text reads as quarantined: a state this build does not know must never make a file visible.</summary>
    public static FileState Parse(string text) => text switch
    {
        "available" => FileState.Available,
        "staged" => FileState.Staged,
        "blocked" => FileState.Blocked,
        _ => FileState.Quarantined,
    };
}

/// <summary>A hosted project. <see cref="LastSerial"/> changes with every write to the project (pages, ETags).</summary>
public sealed record ProjectRecord(string Name, string DisplayName, ProjectStatus Status, string? StatusReason, long LastSerial, DateTimeOffset CreatedAt);

/// <summary>
/// One distribution file. Its blob is content-addressed by <see cref="Sha256"/>; its core metadata (PEP 658), when
/// extracted, by <see cref="MetadataSha256"/>. <see cref="UploadedBy"/> is the token id (release approval resolves
/// the uploading user through it); <see cref="Uploader"/> is who that was as people know them, written at upload.
/// </summary>
public sealed record FileRecord(
    string Filename,
    string Project,
    string Version,
    PackageType PackageType,
    string? PythonVersion,
    string? RequiresPython,
    string Sha256,
    string? Blake2b256,
    string Md5,
    long Size,
    DateTimeOffset UploadTime,
    string? MetadataSha256,
    bool Yanked,
    string? YankedReason,
    FileState State,
    string? StateReason,
    string? Attestations,
    string? UploadedBy)
{
    /// <summary>Who uploaded (see <see cref="Upload.Uploaders"/>); null for files stored before it was recorded, and for proxied files.</summary>
    public string? Uploader { get; init; }

    /// <summary>A proxied file's upstream provenance URL (PEP 740); Moat serves it on through its own Integrity API.</summary>
    public string? UpstreamProvenanceUrl { get; init; }

    /// <summary>Whether the Integrity API has a provenance object for this file: a hosted file's stored one, or a proxied file's upstream one.</summary>
    public bool HasProvenance => Attestations is not null || UpstreamProvenanceUrl is not null;
}

/// <summary>A project and its files, as the simple API shows them.</summary>
public sealed record ProjectListing(ProjectRecord Project, IReadOnlyList<FileRecord> Files);

/// <summary>The policy gate's stored decision about one file content (by sha256).</summary>
public sealed record StoredVerdict(string Sha256, string Filename, string Action, string Verdict, double Score, string FindingsJson, string? Message, DateTimeOffset DecidedAt);

/// <summary>An API token as stored: only the SHA-256 of the secret, never the secret itself.</summary>
public sealed record TokenRecord(string Id, string? Project, bool IsAdmin, string? Description, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

/// <summary>What adding a file did.</summary>
public enum AddFileOutcome { Added, IdenticalExists, FilenameTaken, FilenameDeleted, ProjectNotAcceptingUploads }
