namespace Moat.Analysis.Code;

/// <summary>
/// Package-level rules about who a package says it is: its own name, the names and URLs it depends on, the project it
/// claims as home, and its version, each weighed with what its install-time code does.
/// </summary>
public static class IdentityRules
{
    private static readonly string[] SquatReferences =
    [
        "https://www.nbu.gov.sk/skcsirt-sa-20170909-pypi/",
        "https://blog.phylum.io/",
    ];

    public static readonly Rule SquattedName = new("MOAT-PKG-013", "squatted-package-name",
        "The package's own name imitates a popular project's name.", Severity.Medium,
        "The name from the package's metadata (PKG-INFO/METADATA, else setup.py or pyproject.toml, else the file name) is " +
        "run through the name-confusion engine (MOAT-NAME-001…006): a typo, lookalike, variant or combosquat of a popular " +
        "project (`python-bniance`, `requests-toolblt`). Alone this makes a package suspicious, not malicious: honest " +
        "projects sometimes have names close to popular ones. A strong resemblance is medium; a weaker one is medium only " +
        "in a throwaway package (no description, or nothing but a setup.py: MOAT-PKG-004/006), else info. A combosquat " +
        "(popular name plus an affix: how plugins and forks are named too) is never strong here. Together with " +
        "install-time code it is MOAT-PKG-014.",
        SquatReferences);

    public static readonly Rule SquatWithInstallCode = new("MOAT-PKG-014", "squat-with-install-code",
        "A package named like a popular project runs network, process, obfuscated or dynamic code when it is installed.", Severity.Critical,
        "Typosquats exist to run code on the machines of people who mistyped a name, and they do it at install time: the " +
        "setup.py of a package whose name imitates a popular project (MOAT-PKG-013) reaches the network, starts programs, " +
        "decodes or hides code, or overrides the install command to do so. Either fact alone has honest explanations; " +
        "together they are the shape of nearly every typosquatting campaign on PyPI.",
        SquatReferences);

    public static readonly Rule DependencySquat = new("MOAT-PKG-015", "dependency-squat",
        "A declared dependency's name imitates a popular project's name.", Severity.High,
        "Requires-Dist, setup.py install_requires and pyproject dependencies are checked with the name-confusion engine. " +
        "A clean-looking package that depends on a typosquat (`reqeusts`, `colourama`) installs the squat for its user: " +
        "campaigns split the payload into a dependency so that the package people look at has none.",
        SquatReferences);

    public static readonly Rule DirectUrlDependency = new("MOAT-PKG-016", "direct-url-dependency",
        "A dependency is fetched from a URL on a host that is not a package index or code forge, or from a lookalike of one.", Severity.High,
        "A `name @ https://…` requirement or a dependency_links entry makes pip download and build whatever that host serves, " +
        "past the index and its malware checks. Package indexes (pypi.org, files.pythonhosted.org) and code forges " +
        "(github.com, gitlab.com, bitbucket.org, codeberg.org) are not reported; a raw IP address, a paste or file-sharing " +
        "host, any other host, and above all a lookalike of an index or a forge (`pypi-mirror.org`, `files-pythonhosted.org`) are.",
        ["https://peps.python.org/pep-0440/#direct-references", "https://pip.pypa.io/en/stable/reference/requirement-specifiers/"]);

    public static readonly Rule BrandjackedMetadata = new("MOAT-PKG-017", "brandjacked-metadata",
        "The package's home page or repository is a popular project's repository, under a different name.", Severity.Medium,
        "A project URL of the form `github.com/<owner>/<repo>` (or gitlab.com, bitbucket.org) whose repository name is a " +
        "popular PyPI project's name, in a package whose own name is neither that project's nor built on it (`tensorflow-cpu` " +
        "pointing at tensorflow/tensorflow is fine) and does not share the URL's owner. Brandjacked packages copy the " +
        "metadata of what they imitate so that the index page looks right. When the package's name also imitates that " +
        "project (MOAT-PKG-013) the finding is high.",
        ["https://blog.phylum.io/", "https://packaging.python.org/en/latest/specifications/core-metadata/#project-url-multiple-use"]);

    public static readonly Rule ConfusionVersionHook = new("MOAT-PKG-018", "confusion-version-install-hook",
        "A 0.0.0 or 99+ version whose setup.py does more than call setup().", Severity.High,
        "Dependency-confusion uploads take an internal package's name with a version that wins every resolver (99.0.0, " +
        "1000.0) or a throwaway 0.0.0, and run their probe from setup.py: a network request, a program, decoded code. " +
        "MOAT-PKG-005 reports the version alone; this rule reports the version with install-time code.",
        ["https://medium.com/@alex.birsan/dependency-confusion-4a5d60fec610"]);

    public static readonly Rule SetupOnlyInstallCode = new("MOAT-PKG-019", "throwaway-package-install-code",
        "A throwaway package (nothing but a setup.py, or no description and its own install command) runs network, decoding or hidden code at install time.", Severity.Critical,
        "When the archive holds no module besides setup.py (MOAT-PKG-006), running setup.py is all the package does; a " +
        "package with no description (MOAT-PKG-004) that overrides its install command (MOAT-PKG-007) is built the same way. " +
        "If that setup.py makes a network request, sends host data, decodes or hides code, or starts a download or a detached " +
        "program when pip installs it (MOAT-CODE-020…056 in setup.py, at medium or above), nothing else explains it: this is " +
        "the shape of dependency-confusion probes and single-file droppers (critical). A setup.py-only package whose overridden " +
        "install command starts any other program than a compiler or version control is high. Meta-packages that only declare dependencies, " +
        "and setup.py files that only read their own files, are not reported.",
        ["https://medium.com/@alex.birsan/dependency-confusion-4a5d60fec610", "https://blog.phylum.io/"]);

    public static readonly Rule ShadowedImportName = new("MOAT-PKG-023", "shadowed-import-name",
        "The package ships its own copy of a popular project's import package, and the copy's __init__ starts programs or reaches the network.", Severity.Medium,
        "A top-level import package (or one under src/) named like a project among the 1,000 most downloaded (requests, urllib3), " +
        "in a package of another name: installed, it replaces what every import of that name on the machine loads. Forks and " +
        "vendored copies do this too, so it is reported only when the copy's __init__.py starts a program or makes a network " +
        "request on import, which the original does not. Research probes and trojanised forks use it to run on the victim's " +
        "next import of a library everyone uses.",
        ["https://attack.mitre.org/techniques/T1574/", "https://docs.python.org/3/reference/import.html#the-module-search-path"]);
}
