using System.Text.RegularExpressions;

namespace Moat.Analysis.Code;

/// <summary>One kind of finding a correlation needs: any of <see cref="RuleIds"/> at or above the given severity and confidence.</summary>
public sealed record Signal(string Label, IReadOnlyList<string> RuleIds, Severity AtLeast = Severity.Low, Confidence ConfidenceAtLeast = Confidence.Low)
{
    /// <summary>Evidence that disqualifies a finding: a build tool (git, a compiler) started by setup.py is how packages are built.</summary>
    public IReadOnlyList<Regex> ExceptEvidence { get; init; } = [];

    /// <summary>
    /// Whether findings in tests and docs are left out. Their context lowers them two grades, so a signal that asks for
    /// a medium finding would otherwise take a softened critical one (an installer test that downloads and runs).
    /// </summary>
    public bool OutsideTests { get; init; }

    /// <param name="roles">What each analysed file is, as the scan decided it (tests, repository tooling…), by path.</param>
    public bool Matches(Finding finding, IReadOnlyDictionary<string, FileRole> roles) =>
        finding.Severity >= AtLeast && finding.Confidence >= ConfidenceAtLeast && RuleIds.Contains(finding.RuleId, StringComparer.Ordinal)
        && !(finding.Evidence is { } evidence && ExceptEvidence.Any(except => except.IsMatch(evidence)))
        && !(OutsideTests && finding.Location.Path is { } path && roles.TryGetValue(path, out var role) && role is FileRole.Test or FileRole.Tooling);
}

/// <summary>
/// Findings that are stronger evidence together than their independent weights say: when every signal in
/// <see cref="AllOf"/> is present (in one file, when <see cref="SameFile"/>), the package gets a finding of
/// <see cref="Correlations.Rule"/> at <see cref="Severity"/> and <see cref="Confidence"/>.
/// </summary>
public sealed record Correlation(string Name, Severity Severity, Confidence Confidence, bool SameFile, IReadOnlyList<Signal> AllOf, string Meaning);

/// <summary>
/// The correlation table: each row names signals that honest packages show one at a time, but malware shows together.
/// Rows are data, read in one place, so adding a combination is one line and a pair of fixtures; the verdict
/// arithmetic (<see cref="Verdicts"/>) stays the same for every finding. Findings softened by their context (tests and
/// docs are lowered two grades and to low confidence) fall below the thresholds and never correlate.
/// </summary>
public static partial class Correlations
{
    public static readonly Rule Rule = new("MOAT-PKG-021", "correlated-signals",
        "Findings that honest packages show one at a time appear together (a table of combinations).", Severity.Critical,
        "Some signals are weak alone and damning together: a strong typosquat name on a package that ships nothing but a " +
        "setup.py and no description (a name trap); a dependency-confusion version (99+) carrying a request collector or " +
        "drop box; collected secrets sent from a file that already talks to the network when it is imported; a squatted " +
        "name whose modules reach the network on import; a drop box the author owns in a file that captures the clipboard, " +
        "screen or keys or names credential stores or autostart locations; an encoded Python program written out as an " +
        "executable file; obfuscated code beside the author's own drop box; install-time network or an executable written, " +
        "with a program started hidden; an overridden install command beside a command line that downloads. A package " +
        "that is nothing but a setup.py and starts a program other than a build tool or the interpreter at install time, or has no " +
        "description, replaces the install command and starts a program, is suspicious (medium); so is one that claims a " +
        "popular project's repository or identity under another name and starts a program at install time, one with nothing but " +
        "a setup.py and no description, which nobody installs for what it contains, and one with no description whose code " +
        "downloads a file and starts it. Each row of the table names its signals (rule, least severity and confidence) and whether they " +
        "must share a file; the finding lists the findings it combines.",
        ["https://github.com/DataDog/guarddog"]);

    private static readonly Signal StrongSquat = new("a name imitating a popular project", ["MOAT-PKG-013"], Severity.Medium, Confidence.High);
    private static readonly Signal SetupOnly = new("nothing but a setup.py", ["MOAT-PKG-006"]);
    private static readonly Signal NoDescription = new("no description", ["MOAT-PKG-004"]);
    private static readonly Signal ConfusionVersion = new("an implausibly high version", ["MOAT-PKG-005"], Severity.Medium);
    private static readonly Signal OwnDropBox = new("a complete drop box or collector URL", ["MOAT-CODE-034"], Severity.Medium, Confidence.High);
    private static readonly Signal ImportNetwork = new("network requests on import", ["MOAT-CODE-051"], Severity.Medium);
    private static readonly Signal SecretsWithNetwork = new("secrets collected beside network code", ["MOAT-CODE-022"], Severity.High, Confidence.Medium);
    private static readonly Signal Capture = new("capture of the clipboard, screen, keys, credential stores or autostart",
        ["MOAT-CODE-006", "MOAT-CODE-007", "MOAT-CODE-008", "MOAT-CODE-030", "MOAT-CODE-031", "MOAT-CODE-032", "MOAT-CODE-033", "MOAT-CODE-040"]);
    private static readonly Signal EncodedProgram = new("an encoded literal holding Python code, at load time", ["MOAT-CODE-048"], Severity.High);
    private static readonly Signal ExecutableWrite = new("an executable file written", ["MOAT-CODE-010"]);
    private static readonly Signal Obfuscation = new("code hidden by obfuscation",
        ["MOAT-CODE-043", "MOAT-CODE-045", "MOAT-CODE-055", "MOAT-CODE-056"], Severity.High, Confidence.Medium);
    private static readonly Signal InstallNetwork = new("network requests at install time", ["MOAT-CODE-023"], Severity.High, Confidence.Medium);
    private static readonly Signal HiddenLaunch = new("a program started hidden or detached at load time", ["MOAT-CODE-042"], Severity.High);
    private static readonly Signal ShellDownloadAtInstall = new("a command line that downloads, at load time", ["MOAT-CODE-053"], Severity.High, Confidence.High);
    private static readonly Signal InstallOverride = new("its own install command", ["MOAT-PKG-007"]);
    /// <summary>
    /// What setup.py starts to build the package: build tools and version control, and the interpreter itself asked for
    /// a value (<c>sys.executable -c "import numpy; print(numpy.get_include())"</c>, the way extension builds probe).
    /// </summary>
    private static readonly Signal InstallProcess = new("a program other than a build tool or the interpreter started at install time", ["MOAT-CODE-052"])
    {
        ExceptEvidence = [PackageScanner.BuildToolPattern(), InterpreterPattern(), PublishPattern()],
    };
    /// <summary>A file downloaded and started by package code (in a function, where installers do it too; not in tests).</summary>
    private static readonly Signal DownloadedProgramStarted = new("a downloaded file started", ["MOAT-CODE-021"], Severity.Medium) { OutsideTests = true };
    private static readonly Signal Brandjack = new("metadata claiming a popular project's identity", ["MOAT-PKG-017"], Severity.Medium);

    public static readonly IReadOnlyList<Correlation> Table =
    [
        new("typosquat-placeholder", Severity.Critical, Confidence.High, SameFile: false, [StrongSquat, SetupOnly, NoDescription],
            "A typosquat of a popular project that ships nothing but an undescribed setup.py: a trap for mistyped installs"),
        new("dependency-confusion-probe", Severity.Critical, Confidence.High, SameFile: false, [ConfusionVersion, OwnDropBox],
            "A version built to win over an internal package, carrying a collector or drop box"),
        new("import-time-stealer", Severity.Critical, Confidence.High, SameFile: true, [SecretsWithNetwork, ImportNetwork],
            "Secrets collected in a module that talks to the network as soon as it is imported"),
        new("squat-with-import-network", Severity.Critical, Confidence.Medium, SameFile: false, [StrongSquat, ImportNetwork],
            "A package named like a popular project whose modules reach the network on import"),
        new("drop-box-with-capture", Severity.Critical, Confidence.High, SameFile: true, [OwnDropBox, Capture],
            "A drop box the author owns, in a file that captures or locates data worth stealing"),
        new("encoded-program-written-executable", Severity.Critical, Confidence.Medium, SameFile: true, [EncodedProgram, ExecutableWrite],
            "An encoded Python program in load-time code that also writes an executable file"),
        // Package-wide: the obfuscated loader and the module holding the webhook are often two files of one stealer.
        new("obfuscated-drop-box", Severity.Critical, Confidence.High, SameFile: false, [Obfuscation, OwnDropBox],
            "Obfuscated code in a package that holds a drop box the author owns"),
        new("install-network-with-hidden-launch", Severity.Critical, Confidence.Medium, SameFile: true, [InstallNetwork, HiddenLaunch],
            "Code that reaches the network at install time and starts a program hidden or detached"),
        new("executable-written-and-hidden-launch", Severity.Critical, Confidence.Medium, SameFile: true, [ExecutableWrite, HiddenLaunch],
            "Load-time code that writes an executable file and starts a program hidden or detached"),
        new("install-hook-shell-download", Severity.Critical, Confidence.Medium, SameFile: false, [InstallOverride, ShellDownloadAtInstall],
            "An overridden install command beside a command line that downloads at load time"),
        // A package with nothing in it but a setup.py exists for what its setup.py does: starting a program at install
        // time is then its whole content. Suspicious, not malicious: what it does is weighed by its own findings
        // (MOAT-PKG-019). Replacing the install command alone is not enough: build hooks (git hooks for develop, a
        // generated manifest) do it in packages whose code is generated or vendored at build time.
        new("setup-only-install-process", Severity.Medium, Confidence.Medium, SameFile: false, [SetupOnly, InstallProcess],
            "A package with nothing but a setup.py that starts a program at install time"),
        // A renamed copy of a popular project is a fork or a brandjack; one whose setup.py starts a program (a script
        // in /tmp, pip installing something else) while it installs is using the borrowed identity to be installed.
        new("brandjack-install-process", Severity.Medium, Confidence.Medium, SameFile: false, [Brandjack, InstallProcess],
            "A package that claims a popular project's repository or identity under another name and starts a program at install time"),
        new("empty-undescribed-package", Severity.Medium, Confidence.Medium, SameFile: false, [SetupOnly, NoDescription],
            "A package with no description and nothing but a setup.py: a placeholder, a name reservation or a stand-in for another package"),
        new("undescribed-install-hook-process", Severity.Medium, Confidence.Medium, SameFile: false, [NoDescription, InstallOverride, InstallProcess],
            "A package with no description whose setup.py replaces the install command and starts a program at install time"),
        // Installers and browser-driver managers download and start programs in functions their users call, and they
        // describe themselves: a package that says nothing about what it is and whose code fetches and runs a program
        // is a downloader with its purpose left out.
        new("undescribed-download-run", Severity.Medium, Confidence.Medium, SameFile: false, [NoDescription, DownloadedProgramStarted],
            "A package with no description whose code downloads a file and starts it"),
    ];

    [GeneratedRegex(@"\bsys\.executable\b|\bpython[0-9.]*(?:\.exe)?\b", RegexOptions.IgnoreCase)]
    private static partial Regex InterpreterPattern();

    /// <summary>The upload step of a <c>python setup.py publish</c> helper, which many projects keep in setup.py.</summary>
    [GeneratedRegex(@"\btwine\s+(?:upload|check)\b", RegexOptions.IgnoreCase)]
    private static partial Regex PublishPattern();

    /// <summary>The correlation findings for <paramref name="findings"/> (one per matching row), to add to them.</summary>
    /// <param name="roles">The role the scan gave each analysed file, by path.</param>
    public static IReadOnlyList<Finding> Find(IReadOnlyList<Finding> findings, IReadOnlyDictionary<string, FileRole> roles)
    {
        List<Finding>? found = null;
        foreach (var row in Table)
        {
            if (Match(row, findings, roles) is not { } parts) continue;
            var anchor = parts.FirstOrDefault(p => p.RuleId.StartsWith("MOAT-CODE-", StringComparison.Ordinal)) ?? parts[0];
            var detail = string.Join("; ", row.AllOf.Zip(parts, (signal, part) =>
                $"{signal.Label} ({part.RuleId}{(part.Location is { Path: { } path } ? $" {path}{(part.Location.Line > 0 ? $":{part.Location.Line}" : "")}" : "")})"));
            (found ??= []).Add(new Finding(Rule.Id, row.Severity, row.Confidence, $"{row.Meaning} [{row.Name}]: {detail}", anchor.Location, anchor.Evidence));
        }
        return found ?? [];
    }

    /// <summary>One finding per signal, in the row's order, or null when a signal is missing.</summary>
    private static Finding[]? Match(Correlation row, IReadOnlyList<Finding> findings, IReadOnlyDictionary<string, FileRole> roles)
    {
        if (!row.SameFile)
        {
            var parts = new Finding[row.AllOf.Count];
            for (var i = 0; i < parts.Length; i++)
                if ((parts[i] = findings.FirstOrDefault(f => row.AllOf[i].Matches(f, roles))!) is null) return null;
            return parts;
        }
        foreach (var path in findings.Where(f => row.AllOf[0].Matches(f, roles)).Select(f => f.Location.Path).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            var parts = new Finding[row.AllOf.Count];
            var complete = true;
            for (var i = 0; i < parts.Length && complete; i++)
                complete = (parts[i] = findings.FirstOrDefault(f => f.Location.Path == path && row.AllOf[i].Matches(f, roles))!) is not null;
            if (complete) return parts;
        }
        return null;
    }
}
