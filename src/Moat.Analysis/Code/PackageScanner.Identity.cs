using System.Globalization;
using System.Text.RegularExpressions;
using Moat.Analysis.Domains;
using Moat.Analysis.Domains.Checking;
using Moat.Analysis.Names;
using Moat.Packaging;
using Moat.Packaging.Metadata;
using Moat.Packaging.Requirements;
using Moat.Packaging.Versions;

namespace Moat.Analysis.Code;

/// <summary>
/// Who the package says it is (<see cref="IdentityRules"/>): its own name and its dependencies through the
/// name-confusion engine, direct-URL dependencies, a popular project's repository as its home, a dependency-confusion
/// version — each weighed with what the package's install-time code was found doing.
/// </summary>
public static partial class PackageScanner
{
    /// <summary>What a package declares about itself, from its metadata, setup.py literals and pyproject.toml.</summary>
    internal sealed record PackageIdentity(string? Name, string NameSource, string? Version, IReadOnlyList<string> Urls, IReadOnlyList<DeclaredDependency> Dependencies, string Path);

    /// <summary>A declared dependency: its name (null for a bare URL), its direct URL if any, and where it was declared.</summary>
    internal sealed record DeclaredDependency(string? Name, string? Url, string Path);

    /// <summary>Rules whose findings in setup.py mean its code does more than describe the package.</summary>
    private static readonly HashSet<string> InstallBehaviourRules = new(StringComparer.Ordinal)
    {
        "MOAT-CODE-001", "MOAT-CODE-002", "MOAT-CODE-020", "MOAT-CODE-021", "MOAT-CODE-022", "MOAT-CODE-023",
        "MOAT-CODE-025", "MOAT-CODE-026", "MOAT-CODE-034", "MOAT-CODE-035", "MOAT-CODE-036", "MOAT-CODE-037", "MOAT-CODE-041",
        "MOAT-CODE-042", "MOAT-CODE-043", "MOAT-CODE-045", "MOAT-CODE-047", "MOAT-CODE-048", "MOAT-CODE-049", "MOAT-CODE-052",
        "MOAT-CODE-053", "MOAT-CODE-054", "MOAT-CODE-055", "MOAT-CODE-056",
    };

    /// <summary>Install-time behaviour with no honest reason in a package that is nothing but its setup.py.</summary>
    private static readonly HashSet<string> StrongInstallBehaviourRules = new(StringComparer.Ordinal)
    {
        "MOAT-CODE-020", "MOAT-CODE-021", "MOAT-CODE-022", "MOAT-CODE-023", "MOAT-CODE-034", "MOAT-CODE-035", "MOAT-CODE-036", "MOAT-CODE-037",
        "MOAT-CODE-041", "MOAT-CODE-043", "MOAT-CODE-045", "MOAT-CODE-047", "MOAT-CODE-048", "MOAT-CODE-049", "MOAT-CODE-053", "MOAT-CODE-054",
        "MOAT-CODE-055", "MOAT-CODE-056",
    };

    /// <summary>Programs setup.py legitimately starts (compilers, version control): starting them is not install-time behaviour.</summary>
    [GeneratedRegex(@"(?i)\b(?:git|hg|svn|gcc|g\+\+|cc|clang|cl|cmake|make|ninja|nvcc|pkg-config|[\w-]+-config|xcrun|cython|swig|protoc|rustc|cargo|npm|yarn|uname|ldconfig|lsb_release|sw_vers|brew|sysctl|nproc|getconf|which|where|vswhere|msbuild)\b")]
    internal static partial Regex BuildToolPattern();

    private static readonly string[] IndexHosts = ["pypi.org", "files.pythonhosted.org", "pypi.python.org", "test.pypi.org", "test-files.pythonhosted.org"];
    private static readonly string[] ForgeHosts =
    [
        "github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "codeload.github.com", "githubusercontent.com",
        "gitee.com", "sr.ht", "git.sr.ht", "sourceforge.net", "launchpad.net", "salsa.debian.org", "opendev.org", "download.pytorch.org",
    ];

    /// <summary>The package-level identity signals; <paramref name="findings"/> already holds the file findings.</summary>
    private static void AddIdentitySignals(string target, PackageContents contents, string prefix, List<Finding> findings, bool singleFile, PackageNameMatcher names)
    {
        AddSpellingSignals(contents, prefix, findings, singleFile);
        if (singleFile) return;
        var identity = ReadIdentity(target, contents, prefix);
        if (identity is null) return;
        var setupPath = prefix + "setup.py";
        var behaviour = findings.FirstOrDefault(f => f.Location.Path == setupPath && InstallBehaviourRules.Contains(f.RuleId)
            && !(f.RuleId is "MOAT-CODE-002" or "MOAT-CODE-052" && f.Evidence is { } e && BuildToolPattern().IsMatch(e) && !e.Contains("curl", StringComparison.OrdinalIgnoreCase)));
        var hook = findings.FirstOrDefault(f => f.RuleId == PackageRules.InstallHook.Id);
        var location = new Location(identity.Path);

        // 1. The package's own name.
        NameMatch? squat = null;
        if (identity.Name is { Length: > 0 } name)
        {
            var match = names.BestMatch(name);
            if (match is not null && !(match.Technique == NameTechnique.PopularNamesCombined))
            {
                var (grade, _) = NameScorer.Grade(match.Score);
                if (grade >= Severity.Medium)
                {
                    squat = match;
                    // A popular name plus an affix is also how plugins and forks are named (psutil-lite, pytest-foo):
                    // on the package's own name it is context, never strong.
                    var combo = match.Technique == NameTechnique.Combosquat;
                    var strong = grade >= Severity.High && !combo;
                    // A throwaway shape (no description, nothing but a setup.py) is what squats look like and real projects do not.
                    var throwawayShape = findings.Any(f => f.RuleId == PackageRules.PlaceholderMetadata.Id || f.RuleId == PackageRules.MinimalPackage.Id);
                    // A weaker resemblance is context only (honest projects have near names): it weighs nothing alone but
                    // still makes install-time code MOAT-PKG-014.
                    findings.Add(new Finding(IdentityRules.SquattedName.Id, strong || throwawayShape && !combo ? Severity.Medium : Severity.Info, strong ? Confidence.High : Confidence.Medium,
                        $"The package's name '{name}' ({identity.NameSource}) imitates '{match.Target}': {match.Technique.Label()}, {match.Detail}",
                        location, NameEvidence(match), match.Target));
                    if (behaviour is not null)
                        findings.Add(new Finding(IdentityRules.SquatWithInstallCode.Id, strong ? Severity.Critical : Severity.High, strong ? Confidence.High : Confidence.Medium,
                            $"'{name}' imitates '{match.Target}' and its setup.py does more than describe it: {RuleCatalog.Find(behaviour.RuleId)?.Name ?? behaviour.RuleId} (line {behaviour.Location.Line})",
                            new Location(setupPath, behaviour.Location.Line), behaviour.Evidence, match.Target));
                }
            }
        }

        // 2. Declared dependencies: squatted names and direct URLs.
        var ownName = identity.Name is null ? null : ProjectName.Normalize(identity.Name);
        var ownOwners = identity.Urls.Select(ForgeOwner).Where(o => o is not null).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var reportedNames = new HashSet<string>(StringComparer.Ordinal);
        var reportedUrls = 0;
        foreach (var dependency in identity.Dependencies)
        {
            if (dependency.Name is { Length: > 0 } depName && ProjectName.IsValid(depName) && ProjectName.Normalize(depName) != ownName
                && reportedNames.Add(ProjectName.Normalize(depName)) && reportedNames.Count <= 50)
            {
                var match = names.BestMatch(depName);
                if (match is not null && match.Technique != NameTechnique.PopularNamesCombined && ProjectName.Normalize(match.Target) != ownName)
                {
                    var (grade, _) = NameScorer.Grade(match.Score);
                    if (grade >= Severity.Medium)
                        findings.Add(new Finding(IdentityRules.DependencySquat.Id, grade >= Severity.High ? Severity.High : Severity.Low, grade >= Severity.High ? Confidence.Medium : Confidence.Low,
                            $"Dependency '{depName}' imitates '{match.Target}': {match.Technique.Label()}, {match.Detail}",
                            new Location(dependency.Path), NameEvidence(match), match.Target));
                }
            }
            if (dependency.Url is { Length: > 0 } url && reportedUrls < 5 && DirectUrlRisk(url, ownOwners) is var (severity, confidence, why))
            {
                reportedUrls++;
                findings.Add(new Finding(IdentityRules.DirectUrlDependency.Id, severity, confidence,
                    $"Dependency {(dependency.Name is null ? "" : $"'{dependency.Name}' ")}is fetched from {why}", new Location(dependency.Path), Shorten(url)));
            }
        }

        // 3. A popular project's repository as home.
        foreach (var url in identity.Urls)
        {
            if (ForgeRepository(url) is not var (owner, repo)) continue;
            var repoName = ProjectName.Normalize(repo);
            if (ownName is null || repoName == ownName || repoName.Length < 4) continue;
            if (names.Corpus.RankOf(repoName) is not { } rank || rank > 5000) continue;
            if (BuiltOn(ownName, repoName) || BuiltOn(ownName, ProjectName.Normalize(owner))) continue;
            var alsoSquat = squat is not null && ProjectName.Normalize(squat.Target) == repoName;
            findings.Add(new Finding(IdentityRules.BrandjackedMetadata.Id, alsoSquat ? Severity.High : Severity.Medium, alsoSquat ? Confidence.High : Confidence.Low,
                $"'{identity.Name}' gives the repository of '{repoName}' (download rank {rank.ToString("N0", CultureInfo.InvariantCulture)}) as its project URL",
                location, Shorten(url), repoName));
            break;
        }

        // 4. A throwaway package (nothing but a setup.py, or no description and an overridden install command) whose
        // setup.py reaches out, decodes or hides at install time; or whose overridden install command starts a program.
        var minimal = findings.FirstOrDefault(f => f.RuleId == PackageRules.MinimalPackage.Id);
        var placeholder = findings.FirstOrDefault(f => f.RuleId == PackageRules.PlaceholderMetadata.Id);
        var throwaway = minimal is not null ? "nothing but a setup.py" : placeholder is not null && hook is not null ? "without a description, with its own install command" : null;
        var strongBehaviour = findings.FirstOrDefault(f => f.Location.Path == setupPath && StrongInstallBehaviourRules.Contains(f.RuleId) && f.Severity >= Severity.Medium);
        if (throwaway is not null && strongBehaviour is not null)
            findings.Add(new Finding(IdentityRules.SetupOnlyInstallCode.Id, Severity.Critical, Confidence.High,
                $"The package is {throwaway}, and at install time it does: {RuleCatalog.Find(strongBehaviour.RuleId)?.Name ?? strongBehaviour.RuleId} (line {strongBehaviour.Location.Line})",
                new Location(setupPath, strongBehaviour.Location.Line), strongBehaviour.Evidence));
        else if (minimal is not null && hook is not null && behaviour is not null)
            findings.Add(new Finding(IdentityRules.SetupOnlyInstallCode.Id, Severity.High, Confidence.High,
                $"The package is nothing but a setup.py whose own install command runs code: {RuleCatalog.Find(behaviour.RuleId)?.Name ?? behaviour.RuleId} (line {behaviour.Location.Line})",
                new Location(setupPath, behaviour.Location.Line), behaviour.Evidence));

        // 5. An import package named like a popular project's, doing on import what that project does not.
        AddShadowingSignal(contents, prefix, identity, findings, names);

        // 6. A dependency-confusion version with install-time code.
        if (identity.Version is { } version && IsConfusionVersion(version) && (behaviour is not null || hook is not null))
        {
            var what = behaviour is not null ? $"{RuleCatalog.Find(behaviour.RuleId)?.Name ?? behaviour.RuleId} (line {behaviour.Location.Line})" : "an overridden install command";
            findings.Add(new Finding(IdentityRules.ConfusionVersionHook.Id, Severity.High, behaviour is not null ? Confidence.High : Confidence.Medium,
                $"Version {version} with install-time code: {what}", new Location(setupPath, (behaviour ?? hook)!.Location.Line), behaviour?.Evidence ?? hook?.Evidence));
        }
    }

    private static string NameEvidence(NameMatch match) =>
        $"technique={match.Technique.Label()} target={match.Target} score={match.Score.ToString("0.00", CultureInfo.InvariantCulture)}";

    /// <summary>All-zero (0.0.0) or a major of 99 and up that is not a calendar year (2024.1): the versions dependency-confusion uploads use.</summary>
    internal static bool IsConfusionVersion(string version) =>
        PackageVersion.TryParse(version, out var parsed) && (parsed.Release.All(n => n == 0) || parsed.Release[0] is >= 99 and < 1900);

    /// <summary>True when <paramref name="name"/> is built on <paramref name="other"/>: one contains the other as whole words, or they are equal.</summary>
    private static bool BuiltOn(string name, string other)
    {
        if (other.Length < 3) return false;
        if (name == other) return true;
        var a = "-" + name + "-";
        var b = "-" + other + "-";
        return a.Contains(b, StringComparison.Ordinal) || b.Contains(a, StringComparison.Ordinal)
            || name.Replace("-", "", StringComparison.Ordinal).Contains(other.Replace("-", "", StringComparison.Ordinal), StringComparison.Ordinal)
            || other.Replace("-", "", StringComparison.Ordinal).Contains(name.Replace("-", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    /// <summary>(owner, repository) of a github.com / gitlab.com / bitbucket.org / codeberg.org project URL.</summary>
    private static (string Owner, string Repo)? ForgeRepository(string url)
    {
        var m = ForgeUrlPattern().Match(url);
        if (!m.Success) return null;
        var repo = m.Groups["repo"].Value;
        if (repo.EndsWith(".git", StringComparison.OrdinalIgnoreCase)) repo = repo[..^4];
        return repo.Length == 0 ? null : (m.Groups["owner"].Value, repo);
    }

    private static string? ForgeOwner(string url) => ForgeRepository(url)?.Owner;

    [GeneratedRegex(@"^(?:git\+)?(?:https?|ssh|git)://(?:[^@/]+@)?(?:www\.)?(?:github\.com|gitlab\.com|bitbucket\.org|codeberg\.org)[/:](?<owner>[A-Za-z0-9_.-]+)/(?<repo>[A-Za-z0-9_.-]+)", RegexOptions.IgnoreCase)]
    private static partial Regex ForgeUrlPattern();

    /// <summary>How risky a direct-URL dependency is, or null when it comes from an index or a code forge.</summary>
    private static (Severity, Confidence, string)? DirectUrlRisk(string url, HashSet<string?> ownOwners)
    {
        var text = url.Trim();
        if (text.StartsWith("git+", StringComparison.OrdinalIgnoreCase) || text.StartsWith("hg+", StringComparison.OrdinalIgnoreCase) || text.StartsWith("svn+", StringComparison.OrdinalIgnoreCase))
            text = text[(text.IndexOf('+', StringComparison.Ordinal) + 1)..];
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https" or "ftp" or "ssh" or "git")) return null; // file:, relative paths
        var host = uri.IdnHost.ToLowerInvariant().TrimEnd('.');
        if (host is "localhost") return null;
        if (System.Net.IPAddress.TryParse(host.Trim('[', ']'), out var ip))
            return System.Net.IPAddress.IsLoopback(ip) ? null : (Severity.High, Confidence.High, $"the raw IP address {host}");
        if (IndexHosts.Any(h => host == h) || ForgeHosts.Any(h => host == h || host.EndsWith("." + h, StringComparison.Ordinal))) return null;
        if (LookalikeIndex.Default.Check(host) is { } lookalike)
            return (Severity.Critical, Confidence.High, $"{host}, a lookalike of {lookalike.Target}");
        if (IndexLookalike(host) is { } imitated)
            return (Severity.Critical, Confidence.High, $"{host}, a lookalike of {imitated}");
        return (Severity.High, Confidence.Medium, $"{host}, which is not a package index or code forge");
    }

    /// <summary>A host that spells an index's or forge's name but is not it (pypi-mirror.org, files-pythonhosted.org, github.com.evil.example).</summary>
    private static string? IndexLookalike(string host)
    {
        var label = PublicSuffixes.Split(host).Label.Replace("-", "", StringComparison.Ordinal);
        foreach (var (word, known) in new[] { ("pypi", "pypi.org"), ("pythonhosted", "files.pythonhosted.org"), ("github", "github.com"), ("gitlab", "gitlab.com"), ("bitbucket", "bitbucket.org") })
            if (label.Contains(word, StringComparison.Ordinal)) return known;
        return null;
    }

    private static string Shorten(string text) => text.Length > 200 ? string.Concat(text.AsSpan(0, 197), "…") : text;

    // ---------------------------------------------------------------- reading the identity

    [GeneratedRegex(@"\bsetup\s*\(")]
    private static partial Regex SetupCallPattern();

    [GeneratedRegex(@"\b(?<key>name|version|url|download_url|home_page)\s*=\s*(?<q>['""])(?<value>[^'""\r\n]{1,300})\k<q>")]
    private static partial Regex SetupKeywordPattern();

    [GeneratedRegex(@"\b(?<key>install_requires|setup_requires|dependency_links)\s*=\s*[\[(](?<body>[^\])]{0,20000})[\])]")]
    private static partial Regex SetupListPattern();

    [GeneratedRegex(@"(?<q>['""])(?<value>[^'""\r\n]{1,500})\k<q>")]
    private static partial Regex StringLiteralPattern();

    [GeneratedRegex(@"https?://[^\s'"",)\]]+")]
    private static partial Regex UrlInTextPattern();

    private static PackageIdentity? ReadIdentity(string target, PackageContents contents, string prefix)
    {
        string? name = null, version = null, nameSource = "file name", path = target;
        var urls = new List<string>();
        var dependencies = new List<DeclaredDependency>();

        // The package's own metadata only: PKG-INFO at the root, or a .dist-info/.egg-info directory there; a test
        // fixture's PKG-INFO deeper in the tree describes some other project.
        var metadata = contents.Metadata.Where(m => IsOwnMetadata(m.Path, prefix)).OrderBy(m => m.Path.Count(c => c == '/')).FirstOrDefault();
        if (metadata.Text is not null)
        {
            var core = CoreMetadata.Parse(metadata.Text.Length > 1 << 20 ? metadata.Text[..(1 << 20)] : metadata.Text);
            if (core.Name is { Length: > 0 }) (name, nameSource, path) = (core.Name, metadata.Path[(metadata.Path.LastIndexOf('/') + 1)..], metadata.Path);
            version = core.VersionText;
            if (core.HomePage is { } home) urls.Add(home);
            if (core.DownloadUrl is { } download) urls.Add(download);
            urls.AddRange(core.ProjectUrls.Select(u => u.Url));
            foreach (var requirement in core.RequiresDist) dependencies.Add(new DeclaredDependency(requirement.Name, requirement.Url, metadata.Path));
        }

        var setup = contents.Sources.FirstOrDefault(s => s.Path == prefix + "setup.py");
        if (setup is not null)
        {
            var text = setup.Head;
            var call = SetupCallPattern().Match(text);
            // From the setup( call on, without copying the rest of the file.
            foreach (Match m in SetupKeywordPattern().Matches(text, call.Success ? call.Index : 0))
            {
                var value = m.Groups["value"].Value.Trim();
                switch (m.Groups["key"].Value)
                {
                    case "name" when name is null && ProjectName.IsValid(value): (name, nameSource, path) = (value, "setup.py", setup.Path); break;
                    case "version": version ??= value; break;
                    case "url" or "download_url" or "home_page": urls.Add(value); break;
                }
            }
            foreach (Match m in SetupListPattern().Matches(text))
            {
                foreach (Match literal in StringLiteralPattern().Matches(m.Groups["body"].Value))
                {
                    var value = literal.Groups["value"].Value.Trim();
                    if (m.Groups["key"].Value == "dependency_links") { dependencies.Add(new DeclaredDependency(null, value, setup.Path)); continue; }
                    if (Requirement.TryParse(value, out var requirement, out _)) dependencies.Add(new DeclaredDependency(requirement.Name, requirement.Url, setup.Path));
                    else if (UrlInTextPattern().Match(value) is { Success: true } url) dependencies.Add(new DeclaredDependency(null, url.Value, setup.Path));
                }
            }
        }

        var pyproject = contents.Pyproject.FirstOrDefault(p => p.Path == prefix + "pyproject.toml");
        if (pyproject.Text is not null && PyProject.TryParse(pyproject.Text, out var project, out _) && project.Project is { } table)
        {
            if (name is null && table.Name is { Length: > 0 }) (name, nameSource, path) = (table.Name, "pyproject.toml", pyproject.Path);
            version ??= table.VersionText;
            urls.AddRange(table.Urls.Values);
            foreach (var requirement in table.Dependencies) dependencies.Add(new DeclaredDependency(requirement.Name, requirement.Url, pyproject.Path));
        }

        if (name is null && IsArchiveName(target) && ArchiveNamePattern().Match(System.IO.Path.GetFileName(target)) is { Success: true } file)
        {
            name = file.Groups["name"].Value;
            version ??= file.Groups["version"].Value;
        }
        if (name is null && dependencies.Count == 0 && urls.Count == 0) return null;
        return new PackageIdentity(name, nameSource, version, urls, dependencies, path);
    }
}
