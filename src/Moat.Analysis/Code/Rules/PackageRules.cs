namespace Moat.Analysis.Code;

/// <summary>Package-level signals from the archive, its metadata and its shape.</summary>
public static class PackageRules
{
    public static readonly Rule ArchiveAnomaly = new("MOAT-PKG-001", "hostile-archive", "The archive has hostile members (traversal, absolute paths, links, special files, unsafe names).", Severity.High,
        "Path traversal, absolute paths, symbolic or hard links that point outside the archive, devices and FIFOs, duplicate or " +
        "unsafe member names. Build tools never produce these; a package that contains them is attacking the machine that " +
        "unpacks it. Links whose target stays inside the archive (git-archived trees, zoneinfo hard links) and links inside " +
        "archives nested in the package are noted at info. (What the " +
        "reader could not read, bombs included, is reported as MOAT-PKG-010 and MOAT-PKG-011.)",
        ["https://cwe.mitre.org/data/definitions/22.html", "https://cwe.mitre.org/data/definitions/59.html"]);

    public static readonly Rule BundledExecutable = new("MOAT-PKG-002", "bundled-executable", "A source distribution ships a compiled executable.", Severity.Medium,
        "sdists are source: a Windows PE, Linux ELF or macOS Mach-O binary inside one cannot be reviewed and is a common " +
        "way to smuggle a payload. Medium when code that runs at install or import time names the file; low when nothing " +
        "there does (vendored launchers, test binaries). Wheels, and archives nested in the sdist, legitimately contain " +
        "compiled extensions and are not flagged.",
        ["https://packaging.python.org/en/latest/specifications/source-distribution-format/"]);

    public static readonly Rule DisguisedExecutable = new("MOAT-PKG-022", "executable-disguised-as-source",
        "A file named as Python source is a compiled executable, stored as is or XOR-encoded with one byte.", Severity.High,
        "A .py member whose bytes are a Windows PE or an ELF binary, plainly or after XOR with a single byte (the PE header " +
        "found where the DOS header points). Python cannot import such a file; it is there for the package's own code to " +
        "read back, decode and start, hidden from checks that look for binaries by name or magic number. Build tools never " +
        "produce it, in wheels or sdists.",
        ["https://attack.mitre.org/techniques/T1027/", "https://attack.mitre.org/techniques/T1036/008/"]);

    public static readonly Rule NameMismatch = new("MOAT-PKG-003", "metadata-name-mismatch", "The metadata's project name differs from the archive's file name.", Severity.Medium,
        "A package whose PKG-INFO/METADATA names another project was repackaged or copied from it — typical of typosquats " +
        "and brandjacking that reuse a popular project's files. Only the distribution's own metadata counts (the top-level " +
        "PKG-INFO, a wheel's .dist-info): metadata of test fixtures or of wheels kept inside the tree describes other projects.", ["https://packaging.python.org/en/latest/specifications/core-metadata/"]);

    public static readonly Rule PlaceholderMetadata = new("MOAT-PKG-004", "placeholder-metadata", "The package has no real description.", Severity.Low,
        "An empty, UNKNOWN or one-word summary and no long description. Throwaway malicious uploads rarely bother.",
        ["https://packaging.python.org/en/latest/specifications/core-metadata/#summary"]);

    public static readonly Rule SuspiciousVersion = new("MOAT-PKG-005", "suspicious-version", "The version is 0.0.0 or implausibly high (99+).", Severity.Low,
        "Dependency-confusion uploads use versions like 99.0.0 or 1337.0 so that resolvers prefer them over internal " +
        "packages; throwaway uploads use 0.0.0.", ["https://medium.com/@alex.birsan/dependency-confusion-4a5d60fec610"]);

    public static readonly Rule MinimalPackage = new("MOAT-PKG-006", "setup-only-package", "The package is little more than a setup.py.", Severity.Low,
        "A distribution with a setup.py and no real modules exists only to run its setup.py.", ["https://blog.phylum.io/"]);

    public static readonly Rule InstallHook = new("MOAT-PKG-007", "install-command-override", "setup.py overrides the install, develop or egg_info command.", Severity.Low,
        "Custom install commands run arbitrary code during pip install. Some packages need them; most malware uses them.",
        ["https://setuptools.pypa.io/en/latest/userguide/extension.html"]);

    public static readonly Rule InTreeBackend = new("MOAT-PKG-008", "in-tree-build-backend", "pyproject.toml uses a build backend shipped inside the package.", Severity.Low,
        "backend-path points at the package's own code, which then runs during the build like setup.py does. Moat analyses " +
        "that module as install-time code.", ["https://peps.python.org/pep-0517/#in-tree-build-backends"]);

    public static readonly Rule DisguisedArchive = new("MOAT-PKG-020", "archive-format-mismatch", "The archive's bytes are another format than its file name says (a zip named .tar.gz).", Severity.Medium,
        "A file named like a gzip-compressed tarball that is really a zip (often a wheel), or the reverse. Build tools and " +
        "package indexes never produce one, and installers pick how to unpack by the bytes while other tools go by the " +
        "name, so the mismatch is how a payload is kept from a reviewer or a scanner that trusts the name. Moat reads the " +
        "archive by its bytes and analyses what is inside; the mismatch itself makes the package suspicious.",
        ["https://packaging.python.org/en/latest/specifications/source-distribution-format/",
         "https://packaging.python.org/en/latest/specifications/binary-distribution-format/"]);
}
