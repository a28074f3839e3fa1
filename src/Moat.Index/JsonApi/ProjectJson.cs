using Moat.Packaging.Distributions;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Moat.Index.Projects;
using Moat.Index.Simple;
using Moat.Index.Storage;
using Moat.Packaging.Metadata;

namespace Moat.Index.JsonApi;

/// <summary>
/// The JSON API's documents in Warehouse's shape (<c>/pypi/&lt;project&gt;/json</c> and
/// <c>/pypi/&lt;project&gt;/&lt;version&gt;/json</c>), which many tools read (pip-audit, dependabot-like updaters,
/// license checkers). Fields PyPI keeps only for compatibility carry its fixed values (<c>downloads</c> -1,
/// <c>has_sig</c> false); <c>vulnerabilities</c> is empty: advisories are the firewall's business here.
/// </summary>
public static class ProjectJson
{
    /// <summary>Null fields are written as null, as PyPI does (tools test for them).</summary>
    public static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>
    /// The document for <paramref name="release"/> of <paramref name="project"/>; with <paramref name="allReleases"/>
    /// (the project endpoint) it also lists every release's files, as Warehouse does only there.
    /// </summary>
    public static ProjectDocument Build(ProjectRecord project, HostedRelease release, CoreMetadata? metadata,
        IReadOnlyList<HostedRelease>? allReleases, string origin)
    {
        var projectUrl = $"{origin}/projects/{project.Name}";
        return new ProjectDocument(
            Info(project, release, metadata, projectUrl),
            project.LastSerial,
            allReleases?.ToDictionary(r => r.Version, r => Files(r, origin)),
            Files(release, origin),
            []);
    }

    private static ProjectInfo Info(ProjectRecord project, HostedRelease release, CoreMetadata? m, string projectUrl) => new(
        Name: project.DisplayName,
        Version: release.Version,
        Summary: m?.Summary,
        Description: m?.Description,
        DescriptionContentType: m?.DescriptionContentType,
        Keywords: m?.Single("Keywords"),
        License: m?.License,
        LicenseExpression: m?.LicenseExpression,
        LicenseFiles: NullIfEmpty(m?.LicenseFiles),
        Classifiers: m?.Classifiers ?? [],
        Author: m?.Author,
        AuthorEmail: m?.AuthorEmail,
        Maintainer: m?.Maintainer,
        MaintainerEmail: m?.MaintainerEmail,
        RequiresPython: m?.Single("Requires-Python") ?? release.Files.Select(f => f.RequiresPython).FirstOrDefault(r => r is not null),
        RequiresDist: NullIfEmpty(m?.All("Requires-Dist")),
        ProvidesExtra: NullIfEmpty(m?.ProvidesExtra),
        Dynamic: NullIfEmpty(m?.Dynamic),
        Platform: m?.Single("Platform"),
        HomePage: m?.HomePage,
        DownloadUrl: m?.DownloadUrl,
        ProjectUrls: m is null ? null : ProjectLinks.Of(m) is { Count: > 0 } links ? links.ToDictionary(l => l.Label, l => l.Url) : null,
        PackageUrl: projectUrl,
        ProjectUrl: projectUrl,
        ReleaseUrl: $"{projectUrl}/{Uri.EscapeDataString(release.Version)}",
        DocsUrl: null,
        BugtrackUrl: null,
        Downloads: new Downloads(-1, -1, -1),
        Yanked: release.Yanked,
        YankedReason: release.YankedReason);

    private static IReadOnlyList<FileJson> Files(HostedRelease release, string origin) =>
        [.. release.Files.Select(f => new FileJson(
            Filename: f.Filename,
            Packagetype: PackageTypeNames.Of(f.PackageType),
            PythonVersion: f.PythonVersion ?? (f.PackageType == PackageType.Sdist ? "source" : null),
            RequiresPython: f.RequiresPython,
            Size: f.Size,
            UploadTime: f.UploadTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture),
            UploadTimeIso8601: f.UploadTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
            Url: origin + SimplePages.FileUrl(f),
            Digests: new Digests(f.Blake2b256, f.Md5, f.Sha256),
            Md5Digest: f.Md5,
            Yanked: f.Yanked,
            YankedReason: f.Yanked && !string.IsNullOrEmpty(f.YankedReason) ? f.YankedReason : null,
            HasSig: false,
            CommentText: "",
            Downloads: -1))];

    private static IReadOnlyList<string>? NullIfEmpty(IReadOnlyList<string>? values) => values is { Count: > 0 } ? values : null;
}

/// <summary>Warehouse's top level: <c>releases</c> only on the project endpoint, <c>vulnerabilities</c> always.</summary>
public sealed record ProjectDocument(ProjectInfo Info, long LastSerial,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, IReadOnlyList<FileJson>>? Releases,
    IReadOnlyList<FileJson> Urls, IReadOnlyList<object> Vulnerabilities);

/// <summary><c>info</c>: the release's core metadata as Warehouse names it, and the project's links.</summary>
public sealed record ProjectInfo(
    string Name,
    string Version,
    string? Summary,
    string? Description,
    string? DescriptionContentType,
    string? Keywords,
    string? License,
    string? LicenseExpression,
    IReadOnlyList<string>? LicenseFiles,
    IReadOnlyList<string> Classifiers,
    string? Author,
    string? AuthorEmail,
    string? Maintainer,
    string? MaintainerEmail,
    string? RequiresPython,
    IReadOnlyList<string>? RequiresDist,
    IReadOnlyList<string>? ProvidesExtra,
    IReadOnlyList<string>? Dynamic,
    string? Platform,
    string? HomePage,
    string? DownloadUrl,
    IReadOnlyDictionary<string, string>? ProjectUrls,
    string PackageUrl,
    string ProjectUrl,
    string ReleaseUrl,
    string? DocsUrl,
    string? BugtrackUrl,
    Downloads Downloads,
    bool Yanked,
    string? YankedReason);

public sealed record Downloads(int LastDay, int LastWeek, int LastMonth);

/// <summary>One file in <c>urls</c> and <c>releases</c>.</summary>
public sealed record FileJson(
    string Filename,
    string Packagetype,
    string? PythonVersion,
    string? RequiresPython,
    long Size,
    string UploadTime,
    [property: JsonPropertyName("upload_time_iso_8601")] string UploadTimeIso8601,
    string Url,
    Digests Digests,
    string Md5Digest,
    bool Yanked,
    string? YankedReason,
    bool HasSig,
    string CommentText,
    int Downloads);

public sealed record Digests([property: JsonPropertyName("blake2b_256")] string? Blake2b256, string Md5, string Sha256);
