using Moat.Analysis.Dependencies.Manifests;
using Moat.Testing;

namespace Moat.Analysis.Tests.Dependencies;

public class ManifestTests
{
    private static string Fixture(params string[] parts) => TestPaths.Fixtures(["audit", .. parts]);

    [Fact]
    public void Requirements_file_reads_includes_hashes_markers_extras_and_urls()
    {
        var manifest = ManifestReader.Read(Fixture("app", "requirements.txt"));
        Assert.Equal(ManifestFormat.Requirements, manifest.Format);
        var byName = manifest.Dependencies.ToDictionary(d => d.Name, StringComparer.OrdinalIgnoreCase);

        // -r base.txt and -c constraints.txt are followed, with their own file and line.
        Assert.Equal("base.txt", Path.GetFileName(byName["jinja2"].File));
        Assert.Equal(1, byName["jinja2"].Line);
        Assert.Equal("sys_platform != \"win32\"", byName["werkzeug"].Marker);
        Assert.Equal("constraints", byName["certifi"].Group);

        // A continued line keeps its first line number and collects both hashes.
        var requests = byName["requests"];
        Assert.Equal(8, requests.Line);
        Assert.Equal("2.19.1", requests.PinnedVersion);
        Assert.Equal(2, requests.HashList.Count);
        Assert.StartsWith("sha256:63b52e3c", requests.HashList[0]);

        Assert.Equal("<4.0,>=3.2", byName["django"].Specifier); // canonical order, as packaging prints it
        Assert.Null(byName["django"].PinnedVersion);
        Assert.Equal(["socks"], byName["urllib3"].Extras);

        var editable = byName["internal-tools"];
        Assert.True(editable.Editable);
        Assert.Null(editable.VcsCommit);
        Assert.Equal("0123456789abcdef0123456789abcdef01234567", byName["pinned-tool"].VcsCommit);
        Assert.StartsWith("http://", byName["plain-http"].Url);
        Assert.Null(byName["flask"].Specifier);

        // Indexes in order, and the broken line reported (not thrown) with its number.
        Assert.Collection(manifest.Indexes,
            i => { Assert.False(i.IsExtra); Assert.Contains("internal.example.com", i.Url); },
            i => { Assert.True(i.IsExtra); Assert.Equal("https://pypi.org/simple/", i.Url); });
        var problem = Assert.Single(manifest.Problems);
        Assert.Equal(19, problem.Line);
    }

    [Fact]
    public void Include_cycles_and_missing_includes_are_problems()
    {
        var files = new Dictionary<string, string>
        {
            ["/r/a.txt"] = "-r b.txt\nsix==1.16.0\n",
            ["/r/b.txt"] = "-r a.txt\n-r missing.txt\nidna==3.7\n",
        };
        var manifest = RequirementsFile.Parse("/r/a.txt", path => files.TryGetValue(path, out var text) ? text : throw new FileNotFoundException("no such file", path));
        Assert.Equal(["idna", "six"], manifest.Dependencies.Select(d => d.Name).Order());
        Assert.Contains(manifest.Problems, p => p.Message.Contains("cycle", StringComparison.Ordinal));
        Assert.Contains(manifest.Problems, p => p.Message.Contains("cannot read", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("six==1.16.0  # comment", "six")]
    [InlineData("https://example.com/pkgs/Six-1.16.0-py2.py3-none-any.whl", "Six")]
    [InlineData("git+https://github.com/example/x.git@v1#egg=xtool", "xtool")]
    [InlineData("./vendor/left_pad-1.0.tar.gz", "left_pad")]
    [InlineData("name[extra] @ https://example.com/name-1.0.tar.gz ; python_version > '3'", "name")]
    public void Requirement_forms_pip_accepts(string line, string name)
    {
        var manifest = RequirementsFile.Parse("/r.txt", _ => line);
        Assert.Equal(name, Assert.Single(manifest.Dependencies).Name);
        Assert.Empty(manifest.Problems);
    }

    [Fact]
    public void Pyproject_reads_pep_621_optional_and_dependency_groups()
    {
        var manifest = ManifestReader.Read(Fixture("app", "pyproject.toml"));
        var names = manifest.Dependencies.Select(d => (d.Name, d.Group)).ToList();
        Assert.Contains(("requests", null), names);
        Assert.Contains(("psycopg2-binary", "postgres"), names);
        Assert.Contains(("pytest", "test"), names);
        Assert.Contains(("ruff", "dev"), names);
        Assert.Equal("5.3.1", manifest.Dependencies.Single(d => d.Name == "pyyaml").PinnedVersion);
        Assert.Equal(11, manifest.Dependencies.Single(d => d.Name == "pyyaml").Line);
    }

    [Fact]
    public void Poetry_tables_and_sources()
    {
        var manifest = ManifestReader.Read(Fixture("poetry", "pyproject.toml"));
        var byName = manifest.Dependencies.ToDictionary(d => d.Name);
        Assert.DoesNotContain("python", byName.Keys);
        Assert.Equal("1.26.4", byName["numpy"].PinnedVersion);
        Assert.Null(byName["pandas"].PinnedVersion);
        Assert.Equal("8.0.0", byName["pytest"].PinnedVersion);
        Assert.Equal("dev", byName["pytest"].Group);
        Assert.Equal("acme", byName["acme-metrics"].Index);
        Assert.StartsWith("git+https://", byName["jobrunner"].Url);
        Assert.Null(byName["jobrunner"].VcsCommit);
        var source = Assert.Single(manifest.Indexes);
        Assert.True(source.IsExtra);
    }

    [Fact]
    public void Poetry_lock_entries_are_pinned_with_hashes_and_sources()
    {
        var manifest = ManifestReader.Read(Fixture("poetry", "poetry.lock"));
        var byName = manifest.Dependencies.ToDictionary(d => d.Name);
        Assert.All(manifest.Dependencies, d => Assert.True(d.Locked));
        Assert.Equal(2, byName["numpy"].HashList.Count);
        Assert.Equal("https://pypi.acme.example.com/simple", byName["acme-metrics"].Index);
        Assert.Equal("89abcdef0123456789abcdef0123456789abcdef", byName["jobrunner"].VcsCommit);
        Assert.Equal(4, byName["acme-metrics"].Line);
    }

    [Fact]
    public void Uv_lock_skips_the_project_itself()
    {
        var manifest = ManifestReader.Read(Fixture("uv", "uv.lock"));
        Assert.Equal(["certifi", "acme-auth"], manifest.Dependencies.Select(d => d.Name));
        Assert.Equal(2, manifest.Dependencies[0].HashList.Count);
        Assert.Equal("https://pypi.org/simple", manifest.Dependencies[1].Index);
    }

    [Fact]
    public void Pylock_reads_wheels_sdists_and_markers()
    {
        var manifest = ManifestReader.Read(Fixture("pylock", "pylock.toml"));
        Assert.Empty(manifest.Problems);
        var jinja = manifest.Dependencies[0];
        Assert.Equal(("jinja2", "2.7.1", 7), (jinja.Name, jinja.PinnedVersion, jinja.Line));
        Assert.Equal(["sha256:6666666666666666666666666666666666666666666666666666666666666666"], jinja.HashList);
        Assert.Equal("python_version >= '3.7'", manifest.Dependencies[1].Marker);
    }

    [Fact]
    public void Pipfile_lock_reads_both_sections_and_resolves_index_names()
    {
        var manifest = ManifestReader.Read(Fixture("pipenv", "Pipfile.lock"));
        var byName = manifest.Dependencies.ToDictionary(d => d.Name);
        Assert.Equal("1.24.1", byName["urllib3"].PinnedVersion);
        Assert.Equal("develop", byName["pytest"].Group);
        Assert.Equal("https://pypi.acme.example.com/simple", byName["acme-ledger"].Index);
        Assert.Equal(2, manifest.Indexes.Count);
    }

    [Theory]
    [InlineData("setup.py")]
    [InlineData("Gemfile.lock")]
    [InlineData("package.json")]
    public void Unknown_formats_get_a_clear_error(string name)
    {
        var error = Assert.Throws<FormatException>(() => ManifestReader.Read(Path.Combine(Path.GetTempPath(), name)));
        Assert.Contains("unknown dependency file format", error.Message);
    }

    [Fact]
    public void Malformed_toml_names_the_file()
    {
        var error = Assert.Throws<FormatException>(() => LockFiles.ParseUvLock("version = = 1", "uv.lock"));
        Assert.StartsWith("uv.lock: invalid TOML", error.Message);
    }
}
