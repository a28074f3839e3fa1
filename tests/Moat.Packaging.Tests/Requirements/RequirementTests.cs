using Moat.Packaging.Requirements;
using Moat.Packaging.Versions;

namespace Moat.Packaging.Tests.Requirements;

public class RequirementTests
{
    [Theory]
    [InlineData("name", "name", "", "", null, null)]
    [InlineData("  Name_With.Dots-1  ", "Name_With.Dots-1", "", "", null, null)]
    [InlineData("name[bar]", "name", "bar", "", null, null)]
    [InlineData("name[ bar , baz ]", "name", "bar,baz", "", null, null)]
    [InlineData("name[]", "name", "", "", null, null)]
    [InlineData("name>=3", "name", "", ">=3", null, null)]
    [InlineData("name (>=3)", "name", "", ">=3", null, null)]
    [InlineData("name(>=3,<4)", "name", "", "<4,>=3", null, null)]
    [InlineData("name >=3 , <4", "name", "", "<4,>=3", null, null)]
    [InlineData("name[a,b]>=1.0,!=1.3.*;python_version<'3.11'", "name", "a,b", "!=1.3.*,>=1.0", null, "python_version < \"3.11\"")]
    [InlineData("name==1.0 ; os_name == \"nt\"", "name", "", "==1.0", null, "os_name == \"nt\"")]
    [InlineData("name===lolwat", "name", "", "===lolwat", null, null)]
    [InlineData("name @ https://example.com/name-1.0.whl", "name", "", "", "https://example.com/name-1.0.whl", null)]
    [InlineData("name[x] @ https://example.com/n.whl ; extra == 'x'", "name", "x", "", "https://example.com/n.whl", "extra == \"x\"")]
    [InlineData("name @ file:///tmp/name.tar.gz", "name", "", "", "file:///tmp/name.tar.gz", null)]
    [InlineData("name@git+https://example.com/repo.git@v1.0#egg=name", "name", "", "", "git+https://example.com/repo.git@v1.0#egg=name", null)]
    [InlineData("name; (os_name=='a' or os_name=='b') and python_version >= '3'", "name", "", "", null, "(os_name == \"a\" or os_name == \"b\") and python_version >= \"3\"")]
    public void Parses_every_requirement_form(string text, string name, string extras, string specifier, string? url, string? marker)
    {
        var requirement = Requirement.Parse(text);
        Assert.Equal(name, requirement.Name);
        Assert.Equal(extras, string.Join(',', requirement.Extras));
        Assert.Equal(specifier, requirement.Specifier.ToString());
        Assert.Equal(url, requirement.Url);
        Assert.Equal(marker, requirement.Marker?.ToString());
        // The canonical text parses back to the same thing.
        var again = Requirement.Parse(requirement.ToString());
        Assert.Equal(requirement.ToString(), again.ToString());
    }

    [Theory]
    [InlineData("", "Expected a package name at position 0, found the end")]
    [InlineData("(name)", "Expected a package name at position 0, found '('")]
    [InlineData("name[bar", "Expected ',' or ']' after an extra name at position 8")]
    [InlineData("name[bar,]", "Expected an extra name after '[' or ',' at position 9")]
    [InlineData("name 1.0", "Expected a version specifier, '[', '@', ';' or the end after the name at position 5")]
    [InlineData("name >= ", "Invalid version specifier '>=' at position 5")]
    [InlineData("name >=1.0 foo", "Expected ',', ';' or the end after a version specifier at position 11")]
    [InlineData("name (>=1.0", "Expected ',' or ')' after a version specifier at position 11")]
    [InlineData("name >=1.0+local", "local versions")]
    [InlineData("name @ ", "Expected a URL after '@' at position 7")]
    [InlineData("name @ https://example.com/x.whl;os_name=='a'", "")]
    [InlineData("name @ https://example.com/x.whl foo", "Expected ';' or the end after the URL and whitespace at position 33")]
    [InlineData("name; os_name", "Expected a marker operator")]
    [InlineData("name; os_name == 'a", "Expected a closing ' for the string")]
    [InlineData("name; unknown_var == 'a'", "Expected a marker variable or a quoted string at position 6")]
    [InlineData("name; os_name == 'a' and", "Expected a marker variable or a quoted string at position 24")]
    [InlineData("name; (os_name == 'a'", "Expected ')' or a boolean operator")]
    [InlineData("name; os_name not 'a'", "Expected 'in' after 'not'")]
    [InlineData("name;", "Expected a marker after ';'")]
    public void Errors_give_position_and_expectation(string text, string expected)
    {
        if (expected.Length == 0)
        {
            // Without whitespace the ';' belongs to the URL (PEP 508), so this parses, with no marker.
            var requirement = Requirement.Parse(text);
            Assert.Null(requirement.Marker);
            Assert.EndsWith(";os_name=='a'", requirement.Url);
            return;
        }
        Assert.False(Requirement.TryParse(text, out _, out var error));
        Assert.Contains(expected, error);
        var exception = Assert.Throws<RequirementFormatException>(() => Requirement.Parse(text));
        Assert.Contains("^", exception.Message);
    }

    [Fact]
    public void Deep_nesting_is_refused_not_overflowed()
    {
        var text = "name; " + new string('(', 10_000) + "os_name == 'a'" + new string(')', 10_000);
        Assert.False(Requirement.TryParse(text, out _, out var error));
        Assert.Contains("nested parentheses", error);
    }

    [Fact]
    public void Exposes_normalized_name_and_evaluates_its_marker()
    {
        var requirement = Requirement.Parse("Foo_Bar[Security]>=2; python_version >= '3.8'");
        Assert.Equal("foo-bar", requirement.NormalizedName);
        Assert.True(requirement.AppliesTo(MarkerEnvironment.ForCPython("3.12.1")));
        Assert.False(requirement.AppliesTo(MarkerEnvironment.ForCPython("3.7.9")));
        Assert.True(requirement.Specifier.Contains(PackageVersion.Parse("2.1")));
        Assert.True(Requirement.Parse("x").AppliesTo(MarkerEnvironment.ForCPython()));
    }
}

public class MarkerTests
{
    private static readonly MarkerEnvironment Linux312 = MarkerEnvironment.ForCPython("3.12.4", MarkerEnvironment.Platform.Linux, System.Runtime.InteropServices.Architecture.X64)
        .With("platform_release", "5.15.0-91-generic");

    private static readonly MarkerEnvironment Windows39 = MarkerEnvironment.ForCPython("3.9.13", MarkerEnvironment.Platform.Windows, System.Runtime.InteropServices.Architecture.X64);

    [Theory]
    [InlineData("python_version < \"3.10\"", false, true)]
    [InlineData("python_version >= '3.8'", true, true)]
    [InlineData("python_version > '3.9'", true, false)] // 3.12 > 3.9 as versions, though "3.12" < "3.9" as strings
    [InlineData("python_version == '3.12'", true, false)]
    [InlineData("python_version == '3.12.*'", true, false)]
    [InlineData("python_version ~= '3.9'", true, true)]
    [InlineData("python_full_version >= '3.12.4'", true, false)]
    [InlineData("python_full_version < '3.9.13'", false, false)]
    [InlineData("os_name == 'posix'", true, false)]
    [InlineData("os.name == 'nt'", false, true)]
    [InlineData("sys_platform == 'win32'", false, true)]
    [InlineData("sys.platform == 'linux'", true, false)]
    [InlineData("'linux' in sys_platform", true, false)]
    [InlineData("'win' not in sys_platform", true, false)]
    [InlineData("platform_system == 'Windows'", false, true)]
    [InlineData("platform_machine == 'x86_64'", true, false)]
    [InlineData("platform_machine == 'AMD64'", false, true)]
    [InlineData("platform_python_implementation == 'CPython'", true, true)]
    [InlineData("python_implementation == 'PyPy'", false, false)]
    [InlineData("implementation_name == 'cpython' and implementation_version >= '3.10'", true, false)]
    [InlineData("platform_release >= '5.0'", true, false)] // not a version: string comparison
    [InlineData("'3.12' == python_version", true, false)] // variable on the right
    [InlineData("sys_platform == 'linux' or sys_platform == 'win32'", true, true)]
    [InlineData("os_name == 'posix' and (python_version < '3' or platform_machine == 'x86_64')", true, false)]
    [InlineData("os_name == 'nt' or os_name == 'posix' and python_version < '3'", false, true)] // and binds tighter
    [InlineData("python_version === '3.12'", true, false)]
    [InlineData("extra == 'test'", false, false)]
    public void Evaluates_against_environments(string marker, bool onLinux312, bool onWindows39)
    {
        var parsed = Marker.Parse(marker);
        Assert.Equal(onLinux312, parsed.Evaluate(Linux312));
        Assert.Equal(onWindows39, parsed.Evaluate(Windows39));
        Assert.Equal(parsed.ToString(), Marker.Parse(parsed.ToString()).ToString());
    }

    [Fact]
    public void Extras_compare_by_normalized_name()
    {
        var marker = Marker.Parse("extra == 'Test_Extra'");
        Assert.True(marker.Evaluate(Linux312.WithExtra("test-extra")));
        Assert.True(marker.Evaluate(Linux312.WithExtra("TEST.extra")));
        Assert.False(marker.Evaluate(Linux312.WithExtra("other")));
        Assert.False(marker.Evaluate(Linux312));
    }

    [Fact]
    public void Lock_file_extras_and_dependency_groups_are_sets()
    {
        var env = Linux312.WithExtras(["Security"]).WithDependencyGroups(["dev_tools"]);
        Assert.True(Marker.Parse("'security' in extras").Evaluate(env));
        Assert.False(Marker.Parse("'socks' in extras").Evaluate(env));
        Assert.True(Marker.Parse("'socks' not in extras").Evaluate(env));
        Assert.True(Marker.Parse("'dev-tools' in dependency_groups").Evaluate(env));
        Assert.False(Marker.Parse("extras == 'x'").TryEvaluate(env, out _, out var error));
        Assert.Contains("can only be used", error);
    }

    [Fact]
    public void Undefined_comparisons_and_variables_are_clear_errors()
    {
        Assert.False(Marker.Parse("os_name ~= 'posix'").TryEvaluate(Linux312, out _, out var error));
        Assert.Contains("Undefined comparison ~=", error);
        var empty = new MarkerEnvironment(new Dictionary<string, string>());
        Assert.False(Marker.Parse("os_name == 'posix'").TryEvaluate(empty, out _, out error));
        Assert.Contains("does not define the marker variable 'os_name'", error);
        Assert.Throws<MarkerEvaluationException>(() => Marker.Parse("os_name == 'posix'").Evaluate(empty));
    }

    [Fact]
    public void Development_builds_with_a_plus_are_valid_versions()
    {
        var env = Linux312.With("python_full_version", "3.13.0+");
        Assert.True(Marker.Parse("python_full_version >= '3.13'").Evaluate(env));
    }

    [Fact]
    public void Canonical_text_normalizes_aliases_quotes_and_spacing()
    {
        Assert.Equal("os_name == \"nt\" and (sys_platform != \"linux\" or platform_python_implementation not in \"PyPy\")",
            Marker.Parse("os.name=='nt' and(sys.platform!='linux'or python_implementation  not   in 'PyPy')").ToString());
    }

    [Fact]
    public void Default_environment_describes_this_machine()
    {
        var env = MarkerEnvironment.ForCPython("3.11.2");
        Assert.Equal("3.11", env.Get("python_version"));
        Assert.Equal("3.11.2", env.Get("python_full_version"));
        Assert.Equal("cpython", env.Get("implementation_name"));
        Assert.Equal("", env.Get("extra"));
        foreach (var name in MarkerEnvironment.VariableNames) Assert.NotNull(env.Get(name));
        if (OperatingSystem.IsLinux())
        {
            Assert.Equal("linux", env.Get("sys_platform"));
            Assert.Equal(File.ReadAllText("/proc/sys/kernel/osrelease").Trim(), env.Get("platform_release"));
        }
    }
}
