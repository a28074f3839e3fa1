using System.Collections.Frozen;
using System.Runtime.InteropServices;

namespace Moat.Packaging.Requirements;

/// <summary>
/// The values PEP 508 markers are evaluated against (<c>python_version</c>, <c>sys_platform</c>, …), plus the
/// current <c>extra</c> and, for PEP 751 lock files, the sets of selected <c>extras</c> and <c>dependency_groups</c>.
/// Immutable: the <c>With…</c> methods return changed copies.
/// </summary>
public sealed class MarkerEnvironment
{
    /// <summary>Every variable PEP 508 defines, by canonical name.</summary>
    public static readonly IReadOnlyList<string> VariableNames =
    [
        "python_version", "python_full_version", "os_name", "sys_platform", "platform_release", "platform_system",
        "platform_version", "platform_machine", "platform_python_implementation", "implementation_name",
        "implementation_version", "extra",
    ];

    private static readonly FrozenDictionary<string, string> Aliases = new Dictionary<string, string>
    {
        // Spellings from PEP 345 and setuptools that packaging still accepts.
        ["os.name"] = "os_name",
        ["sys.platform"] = "sys_platform",
        ["platform.version"] = "platform_version",
        ["platform.machine"] = "platform_machine",
        ["platform.python_implementation"] = "platform_python_implementation",
        ["python_implementation"] = "platform_python_implementation",
        ["extras"] = "extras",
        ["dependency_groups"] = "dependency_groups",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private readonly FrozenDictionary<string, string> _values;

    public MarkerEnvironment(IReadOnlyDictionary<string, string> values, IEnumerable<string>? extras = null, IEnumerable<string>? dependencyGroups = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        _values = values.ToFrozenDictionary(StringComparer.Ordinal);
        Extras = (extras ?? []).Select(ProjectName.Normalize).ToFrozenSet(StringComparer.Ordinal);
        DependencyGroups = (dependencyGroups ?? []).Select(ProjectName.Normalize).ToFrozenSet(StringComparer.Ordinal);
    }

    public IReadOnlyDictionary<string, string> Values => _values;
    public IReadOnlySet<string> Extras { get; }
    public IReadOnlySet<string> DependencyGroups { get; }

    /// <summary>A variable's value; <c>extra</c> is "" unless set, as in packaging's metadata context.</summary>
    public string? Get(string variable)
    {
        if (_values.TryGetValue(variable, out var value))
        {
            // CPython built from a development tree reports "3.13.0+"; packaging makes it a valid local version.
            return variable == "python_full_version" && value.EndsWith('+') ? value + "local" : value;
        }
        return variable == "extra" ? "" : null;
    }

    public MarkerEnvironment With(string variable, string value)
    {
        var values = new Dictionary<string, string>(_values, StringComparer.Ordinal) { [CanonicalVariable(variable) ?? variable] = value };
        return new MarkerEnvironment(values, Extras, DependencyGroups);
    }

    public MarkerEnvironment WithExtra(string extra) => With("extra", extra);

    public MarkerEnvironment WithExtras(IEnumerable<string> extras) => new(_values, extras, DependencyGroups);

    public MarkerEnvironment WithDependencyGroups(IEnumerable<string> groups) => new(_values, Extras, groups);

    /// <summary>The canonical variable name for a spelling used in markers, or null when it is not a variable.</summary>
    public static string? CanonicalVariable(string name) =>
        Aliases.TryGetValue(name, out var canonical) ? canonical : VariableNames.Contains(name) ? name : null;

    public enum Platform
    {
        Linux,
        Windows,
        MacOS,
    }

    /// <summary>
    /// The environment of a CPython interpreter of <paramref name="pythonFullVersion"/> (e.g. "3.12.4") on the given
    /// platform and machine (defaults: this process's OS and architecture). Moat never runs Python, so this is what
    /// such an interpreter would report, not a measurement.
    /// </summary>
    public static MarkerEnvironment ForCPython(string pythonFullVersion = "3.12.0", Platform? platform = null, Architecture? architecture = null)
    {
        ArgumentNullException.ThrowIfNull(pythonFullVersion);
        var os = platform ?? (OperatingSystem.IsWindows() ? Platform.Windows : OperatingSystem.IsMacOS() ? Platform.MacOS : Platform.Linux);
        var arch = architecture ?? RuntimeInformation.OSArchitecture;
        var parts = pythonFullVersion.Split('.');
        var pythonVersion = parts.Length >= 2 ? parts[0] + "." + parts[1] : pythonFullVersion;
        var machine = (os, arch) switch
        {
            (Platform.Windows, Architecture.X64) => "AMD64",
            (Platform.Windows, Architecture.Arm64) => "ARM64",
            (Platform.Windows, _) => "x86",
            (Platform.MacOS, Architecture.Arm64) => "arm64",
            (_, Architecture.Arm64) => "aarch64",
            (_, Architecture.X86) => "i686",
            _ => "x86_64",
        };
        var values = new Dictionary<string, string>
        {
            ["python_version"] = pythonVersion,
            ["python_full_version"] = pythonFullVersion,
            ["implementation_name"] = "cpython",
            ["implementation_version"] = pythonFullVersion,
            ["platform_python_implementation"] = "CPython",
            ["os_name"] = os == Platform.Windows ? "nt" : "posix",
            ["sys_platform"] = os switch { Platform.Windows => "win32", Platform.MacOS => "darwin", _ => "linux" },
            ["platform_system"] = os switch { Platform.Windows => "Windows", Platform.MacOS => "Darwin", _ => "Linux" },
            ["platform_machine"] = machine,
            ["platform_release"] = platform is null || platform == CurrentPlatform() ? CurrentRelease() : "",
            ["platform_version"] = platform is null || platform == CurrentPlatform() ? CurrentKernelVersion() : "",
        };
        return new MarkerEnvironment(values);
    }

    private static Platform CurrentPlatform() =>
        OperatingSystem.IsWindows() ? Platform.Windows : OperatingSystem.IsMacOS() ? Platform.MacOS : Platform.Linux;

    private static string CurrentRelease() =>
        ReadProc("/proc/sys/kernel/osrelease") ?? Environment.OSVersion.Version.ToString();

    private static string CurrentKernelVersion() => ReadProc("/proc/sys/kernel/version") ?? Environment.OSVersion.VersionString;

    private static string? ReadProc(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
