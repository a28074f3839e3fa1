using Moat.Analysis;
using Moat.Analysis.Reporting;
using Moat.Cli;
using Moat.Testing;

namespace Moat.Cli.Tests;

public class CliTests
{
    internal static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = MoatApp.Run(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public void Version_prints_the_product_version()
    {
        var (exit, output, _) = Run("--version");
        Assert.Equal(0, exit);
        Assert.Equal(MoatVersion.Current, output.Trim());
    }

    [Fact]
    public void Help_lists_the_verbs()
    {
        var (exit, output, _) = Run("--help");
        Assert.Equal(0, exit);
        Assert.Contains("rules", output);
    }

    [Fact]
    public void A_command_line_naming_a_verb_builds_that_verb_alone_and_the_names_are_the_commands_own()
    {
        // Start-up builds only the verb named on the command line, looked up by name before building: a verb whose
        // table name differs from its command's name would be unreachable.
        Assert.Equal(MoatApp.Verbs.Select(v => v.Name), MoatApp.Build().Subcommands.Select(c => c.Name));
        Assert.Equal(["check"], MoatApp.Build("check").Subcommands.Select(c => c.Name));
        var (exit, _, error) = Run("chek", "requests");
        Assert.Equal(ExitCodes.InputError, exit);
        Assert.Contains("chek", error);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("scan", "--bogus")]
    [InlineData("scan")]
    [InlineData("check", "--format", "yaml", "requests")]
    [InlineData("check", "")]
    [InlineData("check", "not a name!")]
    public void Usage_errors_exit_2_with_a_short_message_and_no_stack_trace(params string[] args)
    {
        var (exit, output, error) = Run(args);
        Assert.Equal(2, exit);
        Assert.StartsWith("moat: ", error);
        Assert.DoesNotContain("   at ", error);
        Assert.DoesNotContain("no such file", error);
        Assert.Empty(output);
    }

    [Theory]
    [InlineData("sacn", "moat: unknown command 'sacn'; did you mean 'scan'?")]
    [InlineData("frobnicate", "moat: unknown command 'frobnicate'")]
    public void An_unknown_verb_is_one_line_naming_it_and_the_verb_it_resembles(string verb, string expected)
    {
        var (exit, _, error) = Run(verb, "requests");
        Assert.Equal(2, exit);
        Assert.Equal([expected, "moat: see 'moat --help'"], error.TrimEnd().Split(Environment.NewLine));
    }

    [Fact]
    public void Docs_rules_md_is_the_generated_reference()
    {
        var (exit, output, _) = Run("rules", "--format", "markdown");
        Assert.Equal(0, exit);
        var committed = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "docs", "rules.md"));
        Assert.True(committed == output,
            "docs/rules.md is out of date: regenerate it with `dotnet run --project src/Moat.Cli -- rules --format markdown > docs/rules.md`.");
        Assert.Equal(RuleCatalog.All.Count, output.Split('\n').Count(l => l.StartsWith("### MOAT-", StringComparison.Ordinal)));
    }
}
