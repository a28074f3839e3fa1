using Moat.Packaging;

namespace Moat.Index.Storage;

/// <summary>
/// The index's metadata: projects, files, verdicts, tokens (<see cref="SqlMetadataStore"/>, on SQLite or PostgreSQL
/// through <see cref="Database"/>). Every write bumps
/// the global serial and the project's <see cref="ProjectRecord.LastSerial"/> in the same transaction, so cached pages
/// can revalidate with one cheap read.
/// </summary>
public interface IMetadataStore
{
    Task<ProjectRecord?> GetProjectAsync(NormalizedName normalizedName, CancellationToken ct = default);

    /// <summary>The project's serial only (cheap: the page cache revalidates with it); null when there is no such project.</summary>
    Task<long?> GetProjectSerialAsync(NormalizedName normalizedName, CancellationToken ct = default);

    /// <summary>The global serial: changes whenever any project changes (the root page's cache key).</summary>
    Task<long> GetGlobalSerialAsync(CancellationToken ct = default);

    Task<IReadOnlyList<ProjectRecord>> ListProjectsAsync(CancellationToken ct = default);

    /// <summary>
    /// One page of the projects whose normalized name contains <paramref name="normalizedQuery"/> (all projects when
    /// empty): exact match first, then prefix matches, then the rest, each by name; with the total match count.
    /// </summary>
    Task<(IReadOnlyList<ProjectRecord> Projects, int Total)> SearchProjectsAsync(string normalizedQuery, int offset, int limit, CancellationToken ct = default);

    /// <summary>The gate's decisions made since <paramref name="since"/>, newest first, at most <paramref name="limit"/> (the firewall dashboard).</summary>
    Task<IReadOnlyList<StoredVerdict>> RecentVerdictsAsync(DateTimeOffset since, int limit, CancellationToken ct = default);

    /// <summary>The project and its files as clients may know them: staged files (awaiting release approval) are left out here, at the query.</summary>
    Task<ProjectListing?> GetListingAsync(NormalizedName normalizedName, CancellationToken ct = default);

    /// <summary>The project's staged files (releases awaiting approval), by version then filename.</summary>
    Task<IReadOnlyList<FileRecord>> GetStagedFilesAsync(NormalizedName project, CancellationToken ct = default);

    /// <summary>Makes a staged release's files available (an approval); returns how many files changed.</summary>
    Task<int> PublishStagedAsync(NormalizedName project, string version, CancellationToken ct = default);

    /// <summary>Deletes a staged release's files (a rejection), remembering their filenames forever like any deleted file; returns the filenames.</summary>
    Task<IReadOnlyList<string>> DiscardStagedAsync(NormalizedName project, string version, CancellationToken ct = default);

    Task<FileRecord?> GetFileAsync(string filename, CancellationToken ct = default);

    /// <summary>
    /// The stored file <paramref name="filename"/> names in PyPI's canonical comparison (<see cref="Moat.Packaging.Filenames.CanonicalFilename"/>):
    /// <c>Hostile-3.0.0.tar.gz</c> finds <c>hostile-3.0.tar.gz</c>. The exact spelling first when both exist.
    /// </summary>
    Task<FileRecord?> GetSameFileAsync(string filename, CancellationToken ct = default);

    /// <summary>
    /// Hosted files held from clients for an admin: quarantined by the gate or blocked by an admin (any state other
    /// than available or staged, so a state this build does not know is listed too), newest upload first.
    /// </summary>
    Task<IReadOnlyList<FileRecord>> GetHeldFilesAsync(CancellationToken ct = default);

    /// <summary>
    /// Moves one file from state <paramref name="from"/> to <paramref name="to"/> with <paramref name="reason"/> as its
    /// state reason, bumping the project's serial (cached pages revalidate). Conditional on the current state, so two
    /// admins deciding at once cannot release a file the other just blocked; returns whether the file changed.
    /// </summary>
    Task<bool> ChangeFileStateAsync(string filename, FileState from, FileState to, string? reason, CancellationToken ct = default);

    /// <summary>
    /// Adds a file in one transaction (creating the project when new): refuses a taken or deleted filename — compared
    /// in canonical form, under a unique index, so of two spellings uploaded at once exactly one is stored — and a
    /// project whose status forbids uploads. A file of a release already stored joins it (its version spelling and its
    /// yank). The blob must already be committed — a row never points at nothing.
    /// </summary>
    Task<(AddFileOutcome Outcome, FileRecord? Existing)> AddFileAsync(FileRecord file, string projectDisplayName, CancellationToken ct = default);

    /// <summary>Deletes a file row and remembers its filename forever (PyPI never lets a filename be reused).</summary>
    Task<bool> DeleteFileAsync(string filename, CancellationToken ct = default);

    /// <summary>
    /// Yanks (reason non-null or empty) or unyanks (yank false) every file of a release — every version equal to
    /// <paramref name="version"/> under PEP 440, so 3.0 covers files uploaded as 3.0.0; returns how many files changed.
    /// </summary>
    Task<int> SetYankedAsync(NormalizedName project, string version, bool yanked, string? reason, CancellationToken ct = default);

    Task<bool> SetProjectStatusAsync(NormalizedName project, ProjectStatus status, string? reason, CancellationToken ct = default);

    /// <summary>Records the gate's decision about a content hash (the latest decision wins).</summary>
    Task SaveVerdictAsync(StoredVerdict verdict, CancellationToken ct = default);

    Task<StoredVerdict?> GetVerdictAsync(string sha256, CancellationToken ct = default);

    Task CreateTokenAsync(TokenRecord token, string secretHash, CancellationToken ct = default);

    /// <summary>Finds a live (unrevoked) token by the hash of its secret and records its use.</summary>
    Task<TokenRecord?> FindTokenAsync(string secretHash, CancellationToken ct = default);

    Task<bool> RevokeTokenAsync(string id, CancellationToken ct = default);

    /// <summary>Every content hash a row refers to (files and metadata): what blob garbage collection must keep.</summary>
    Task<IReadOnlySet<string>> ReferencedBlobsAsync(CancellationToken ct = default);
}
