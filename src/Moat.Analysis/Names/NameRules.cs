namespace Moat.Analysis.Names;

/// <summary>The name-confusion rules. <see cref="NameChecker"/> raises them; a finding's severity comes from its score.</summary>
public static class NameRules
{
    private static readonly string[] TyposquatReferences =
    [
        "https://www.nbu.gov.sk/skcsirt-sa-20170909-pypi/",
        "https://github.com/pypi/warehouse/blob/main/warehouse/packaging/typosnyper.py",
    ];

    public static readonly Rule Typosquat = new(
        "MOAT-NAME-001", "typosquat",
        "The name is one or two keystrokes away from a popular project's name.",
        Severity.High,
        "The name differs from a much more popular project by a repeated, omitted, inserted, substituted or swapped " +
        "character, a neighbouring key (QWERTY, QWERTZ or AZERTY), a single bit (`reqeusts`, `pilow`, `urlib3`, `djanga`), " +
        "or two slips, weighed by how natural they are: two cheap ones (a doubled letter, a dropped plural s, a swap: " +
        "`seleenim`, `requst`) from seven letters, any two from nine, and one slip plus a version number or py affix " +
        "(`reqests-2022`, `reqeusts-py`). A name without its version digit or py affix counts as the popular project it " +
        "names (`pytorch` as torch). Brand words squatters target though the brand's own " +
        "project is not popular count too (`etheerium`, `pytgon`). Edits are judged on the word they fall in, so " +
        "`django-fsm` and `django-foo` are different words, not a typo. Two popular projects are never reported as squats " +
        "of each other, and a project's history, where known, weighs in (an established project counts far less).",
        TyposquatReferences);

    public static readonly Rule LookalikeName = new(
        "MOAT-NAME-002", "lookalike-name",
        "The name reads the same as a popular project's name (rn/m, l/1/I, 0/o, Unicode homoglyphs).",
        Severity.Critical,
        "The name is visually the same as a popular project: an ASCII lookalike (`rn` for `m`, `1` or `I` for `l`, `0` " +
        "for `o`), a collision under PyPI's ultranormalization (separators removed, o→0, i/l→1: `jeIlyfish`), or a " +
        "non-ASCII name whose Unicode UTS #39 skeleton is a popular name. Nobody picks such a name by accident.",
        ["https://www.unicode.org/reports/tr39/#Confusable_Detection", "https://github.com/dateutil/dateutil/issues/984"]);

    public static readonly Rule NameVariant = new(
        "MOAT-NAME-003", "name-variant",
        "The name is a popular project's name with separators, word order, plural, version, py/python affixes or British/American spelling changed.",
        Severity.High,
        "Variants that keep every letter of a popular name: separators changed or dropped (`setup-tools`), words " +
        "swapped (`dateutil-python`), plural or singular (`request`), a version suffix (`requests3`), a word spelled the " +
        "British or American way (`termcolour`, `tokeniser`), or a `py`, " +
        "`python`, `py3`, `python3` prefix or suffix added or removed (`python3-dateutil`).",
        TyposquatReferences);

    public static readonly Rule Combosquat = new(
        "MOAT-NAME-004", "combosquat",
        "The name is a popular project's name plus affixes such as -lite, -dev, -sdk, or two popular names joined.",
        Severity.High,
        "Combosquats borrow a popular name whole and add words that make them look official or convenient " +
        "(`requests-darwin-lite`, `colorama-fix`). Affixes that campaigns use (lite, fix, new, pro, plus, platform " +
        "names…) weigh more than common ones (utils, sdk, cli…); names made of two popular names weigh least.",
        TyposquatReferences);

    public static readonly Rule StdlibShadowing = new(
        "MOAT-NAME-005", "stdlib-shadowing",
        "The distribution is named like a Python standard-library module.",
        Severity.High,
        "Standard-library modules need no installation, so a distribution with that name (`crypt`, `python-sqlite`) " +
        "is installed only by someone who mistook it for the module — which is exactly who a squatter wants.",
        ["https://docs.python.org/3/library/sys.html#sys.stdlib_module_names", "https://www.nbu.gov.sk/skcsirt-sa-20170909-pypi/"]);

    public static readonly Rule ImportNameTrap = new(
        "MOAT-NAME-006", "import-name-trap",
        "The distribution is named like the import name of a popular project whose distribution name differs.",
        Severity.High,
        "`import yaml` comes from PyYAML, `import sklearn` from scikit-learn, `import cv2` from opencv-python. " +
        "`pip install <import name>` installs whatever owns that name on the index, so these names are squatted.",
        ["https://packaging.python.org/en/latest/specifications/name-normalization/"]);

    public static readonly Rule InternalNamePublic = new(
        "MOAT-NAME-007", "internal-name-public",
        "An internal package name also exists on the public index (dependency confusion).",
        Severity.High,
        "When an installer can see both a private and a public index (`--extra-index-url`), a public project with an " +
        "internal name wins by version number. Reserve the name publicly, or serve it only from a private index that " +
        "never looks the name up upstream.",
        ["https://medium.com/@alex.birsan/dependency-confusion-4a5d60fec610"]);

    public static readonly Rule InternalNameSquat = new(
        "MOAT-NAME-008", "internal-name-squat",
        "The name imitates an internal package name or uses an internal name prefix.",
        Severity.High,
        "A public name a typo away from an internal package, or carrying the organisation's internal prefix without " +
        "being one of its packages, is the brandjacking half of dependency confusion.",
        ["https://medium.com/@alex.birsan/dependency-confusion-4a5d60fec610"]);
}
