using Moat.Packaging.Metadata;
using Moat.Packaging.Requirements;

namespace Moat.Packaging.Tests.Metadata;

public class PyProjectTests
{
    private const string Full = """
        [build-system]
        requires = ["hatchling>=1.18", "hatch-vcs"]
        build-backend = "hatchling.build"

        [project]
        name = "friendly-bard"
        dynamic = ["version"]
        description = "A friendly bard"
        requires-python = ">=3.9"
        license = "MIT"
        license-files = ["LICENSE*"]
        keywords = ["bard"]
        authors = [{ name = "Bard", email = "bard@example.com" }, { email = "second@example.com" }]
        dependencies = ["requests>=2.31", "tomli; python_version < '3.11'"]

        [project.optional-dependencies]
        test = ["pytest>=8", "coverage[toml]"]

        [project.scripts]
        bard = "friendly_bard.cli:main"

        [project.entry-points."bard.plugins"]
        lute = "friendly_bard.lute:Lute"

        [project.urls]
        Homepage = "https://example.com/bard"
        """;

    [Fact]
    public void Reads_project_and_build_system()
    {
        var p = PyProject.Parse(Full);
        Assert.Empty(p.Problems);
        Assert.Equal("hatchling.build", p.BuildSystem!.BuildBackend);
        Assert.Equal(["hatchling", "hatch-vcs"], p.BuildSystem.ParsedRequires.Select(r => r.Name));
        var project = p.Project!;
        Assert.Equal("friendly-bard", project.Name);
        Assert.Null(project.Version);
        Assert.Equal(["version"], project.Dynamic);
        Assert.Equal(["requests", "tomli"], project.Dependencies.Select(d => d.Name));
        Assert.False(project.Dependencies[1].AppliesTo(MarkerEnvironment.ForCPython("3.12.0")));
        Assert.Equal(["pytest", "coverage"], project.OptionalDependencies["test"].Select(d => d.Name));
        Assert.True(project.RequiresPython!.Contains("3.9.1"));
        Assert.Equal("friendly_bard.cli:main", project.Scripts["bard"]);
        Assert.Equal("friendly_bard.lute:Lute", project.EntryPoints["bard.plugins"]["lute"]);
        Assert.Equal([new Person("Bard", "bard@example.com"), new Person(null, "second@example.com")], project.Authors);
        Assert.Equal(new ProjectLicense("MIT", null, null), project.License);
        Assert.Equal("https://example.com/bard", project.Urls["Homepage"]);
    }

    [Fact]
    public void Legacy_license_table_and_static_version()
    {
        var p = PyProject.Parse("[project]\nname = \"x\"\nversion = \"1.0-1\"\nlicense = { file = \"LICENSE\" }\n");
        Assert.Empty(p.Problems);
        Assert.Equal("1.0.post1", p.Project!.Version!.ToString());
        Assert.Equal(new ProjectLicense(null, null, "LICENSE"), p.Project.License);
        Assert.Null(p.BuildSystem);
    }

    [Fact]
    public void Wrong_types_and_invalid_values_become_problems()
    {
        var p = PyProject.Parse("""
            [project]
            name = "-bad"
            dependencies = "requests"
            requires-python = ">>3"
            authors = ["me"]
            license = { text = "x", file = "y" }
            scripts = { a = 1 }
            [project.optional-dependencies]
            test = ["pytest >= "]
            """);
        Assert.Contains("project.name '-bad' is not a valid project name", p.Problems);
        Assert.Contains("project.version is missing and not listed in project.dynamic", p.Problems);
        Assert.Contains("project.dependencies must be an array of strings", p.Problems);
        Assert.Contains(p.Problems, m => m.StartsWith("project.requires-python '>>3' is invalid", StringComparison.Ordinal));
        Assert.Contains("project.authors entries must be tables with 'name' and/or 'email'", p.Problems);
        Assert.Contains(p.Problems, m => m.StartsWith("project.license must be", StringComparison.Ordinal));
        Assert.Contains("project.scripts.a must be a string", p.Problems);
        Assert.Contains(p.Problems, m => m.StartsWith("project.optional-dependencies.test: 'pytest >= ' is invalid", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("[project\nname = \"x\"", 1)]
    [InlineData("[project]\nname = \"x\"\nname = \"y\"\n", 3)]
    [InlineData("[project]\nname = 'unterminated\n", 2)]
    public void Malformed_toml_is_a_clear_error_with_its_line(string text, int line)
    {
        Assert.False(PyProject.TryParse(text, out _, out var error));
        Assert.StartsWith("pyproject.toml is not valid TOML (line ", error);
        var exception = Assert.Throws<PyProjectFormatException>(() => PyProject.Parse(text));
        Assert.Equal(line, exception.Line);
    }
}
