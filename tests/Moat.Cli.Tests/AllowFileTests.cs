using Moat.Analysis.Names;

namespace Moat.Cli.Tests;

/// <summary>Reviewed names: an allow TOML accepted by <c>moat check</c> and <c>moat audit</c>, which say who allowed what and why.</summary>
public sealed class AllowFileTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("moat-allow");

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    private const string Reviewed = """
        [[allow]]
        name = "Reqeusts"
        by = "alice@example.com"
        reason = "reviewed: our vendored fork"
        date = 2026-12-06
        """;

    [Fact]
    public void Check_skips_a_reviewed_name_and_says_who_allowed_it_and_why()
    {
        var allow = Write("allow.toml", Reviewed);
        var (exit, output, error) = CliTests.Run("check", "reqeusts", "pilow", "--allow-file", allow);
        Assert.Equal(1, exit); // pilow is still a squat
        Assert.DoesNotContain("SUSPICIOUS  reqeusts", output);
        Assert.Contains("pilow", output);
        Assert.Contains("note: 'Reqeusts' allowed by alice@example.com on 2026-12-06: reviewed: our vendored fork", error);

        var (unreviewedExit, unreviewed, _) = CliTests.Run("check", "reqeusts");
        Assert.Equal(1, unreviewedExit);
        Assert.Contains("SUSPICIOUS  reqeusts", unreviewed);
    }

    [Fact]
    public void Audit_accepts_a_reviewed_dependency_name()
    {
        var requirements = Write("requirements.txt", "reqeusts==2.31.0\n");
        var (before, output, _) = CliTests.Run("audit", requirements, "--no-osv");
        Assert.Equal(1, before);
        Assert.Contains("reqeusts", output);

        var allow = Write("allow.toml", Reviewed);
        var (after, _, error) = CliTests.Run("audit", requirements, "--no-osv", "--allow-file", allow);
        Assert.Equal(0, after);
        Assert.Contains("allowed by alice@example.com", error);
    }

    [Theory]
    [InlineData("[[allow]]\nname = \"reqeusts\"\nby = \"alice\"\n", "needs 'reason'")]
    [InlineData("[[allow]]\nname = \"reqeusts\"\nreason = \"ok\"\n", "needs 'by'")]
    [InlineData("[[allow]]\nname = \"-bad-\"\nby = \"a\"\nreason = \"b\"\n", "not a valid project name")]
    [InlineData("allow = \"reqeusts\"\n", "array of tables")]
    [InlineData("[[allow]\n", "not valid TOML")]
    public void A_bad_allow_file_is_an_input_error_that_says_what_is_wrong(string text, string expected)
    {
        Assert.Contains(expected, Assert.Throws<InvalidDataException>(() => AllowFile.Parse(text, "allow.toml")).Message);
        var (exit, _, error) = CliTests.Run("check", "reqeusts", "--allow-file", Write("bad.toml", text));
        Assert.Equal(2, exit);
        Assert.Contains(expected, error);
    }

    public void Dispose() => _dir.Delete(recursive: true);
}
