using System.CommandLine;
using Moat.Analysis.Reporting;
using Moat.Cli.Commands;

namespace Moat.Cli;

/// <summary>The <c>moat</c> command tree. Each verb lives in Commands/ and only parses, calls the engine and prints.</summary>
public static class MoatApp
{
    /// <summary>The verbs, by name, each built only when needed.</summary>
    internal static readonly (string Name, Func<Command> Create)[] Verbs =
    [
        ("rules", () => RulesCommand.Create()), ("check", () => CheckCommand.Create()), ("domains", () => DomainsCommand.Create()),
        ("links", () => LinksCommand.Create()), ("serve", () => ServeCommand.Create()), ("admin", () => AdminCommand.Create()),
        ("token", () => TokenCommand.Create()), ("scan", () => ScanCommand.Create()), ("audit", () => AuditCommand.Create()),
        ("ci", () => CiCommand.Create()), ("secrets", () => SecretsCommand.Create()),
    ];

    /// <summary>The whole command tree.</summary>
    public static RootCommand Build() => Build(null);

    /// <summary>
    /// The command tree with only <paramref name="verb"/> under the root when it is given: building every verb's
    /// options costs more start-up than a <c>moat check NAME</c> spends checking, and a command line naming a verb
    /// never reaches the others. Without a verb (root help, --version, an unknown word) every verb is built.
    /// </summary>
    internal static RootCommand Build(string? verb)
    {
        var root = new RootCommand(
            "Moat: a supply-chain firewall for Python packages. Scans packages, names, requirements, CI workflows, " +
            "secrets and links before you trust them.");
        // The default --version reads the entry assembly, which is the test host under tests: print Moat's own.
        foreach (var option in root.Options.OfType<VersionOption>()) option.Action = new PrintVersionAction();
        foreach (var (name, create) in Verbs)
        {
            if (verb is null || verb == name) root.Subcommands.Add(create());
        }
        return root;
    }

    /// <summary>Runs the command line with the given output streams (tests pass their own writers).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = Build(args is [var first, ..] && IsVerb(first) ? first : null);
        var parse = root.Parse(args);
        // Our own handler below turns input errors into exit code 2; the library's default would print a stack trace and return 1.
        var configuration = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        // A usage error (unknown verb or option, missing argument) is exit 2 with one line per problem, like any input error.
        var problems = parse.Errors.Select(e => e.Message)
            .Concat(parse.Tokens.Where(t => t.Type == System.CommandLine.Parsing.TokenType.Argument && t.Value.StartsWith('-') && t.Value.Length > 1
                                            && !File.Exists(t.Value) && !Directory.Exists(t.Value))
                .Select(t => $"unknown option '{t.Value}'"))
            .ToList();
        // An unknown verb is one problem, not also "required command was not provided"; a misspelt one gets the verb.
        if (parse.CommandResult.Command == root && parse.UnmatchedTokens is [var verb, ..] && !verb.StartsWith('-'))
            problems = [$"unknown command '{verb}'" + (NearestVerb(verb) is { } nearest ? $"; did you mean '{nearest}'?" : "")];
        if (problems.Count > 0)
        {
            foreach (var problem in problems) error.WriteLine($"moat: {problem}");
            // The root command is named after the process (testhost under a test runner): the user's command is moat.
            error.WriteLine(parse.CommandResult.Command == root ? "moat: see 'moat --help'" : $"moat: see 'moat {parse.CommandResult.Command.Name} --help'");
            return ExitCodes.InputError;
        }
        try
        {
            return parse.Invoke(configuration);
        }
        catch (CliInputException ex)
        {
            error.WriteLine($"moat: {ex.Message}");
            return ExitCodes.InputError;
        }
    }

    // A loop rather than Array.Exists over the tuples, whose generic code would be compiled on every start.
    private static bool IsVerb(string name)
    {
        foreach (var (verb, _) in Verbs)
        {
            if (verb == name) return true;
        }
        return false;
    }

    /// <summary>The verb within a typo's reach of <paramref name="typed"/> (a third of its length, at least one edit), or null.</summary>
    private static string? NearestVerb(string typed)
    {
        var reach = Math.Max(1, typed.Length / 3);
        return Verbs.Select(c => (c.Name, Distance: Moat.Analysis.Text.EditDistance.Bounded(typed, c.Name, reach)))
            .Where(c => c.Distance <= reach).OrderBy(c => c.Distance).Select(c => c.Name).FirstOrDefault();
    }

    public static string Version => MoatVersion.Current;
}

internal sealed class PrintVersionAction : System.CommandLine.Invocation.SynchronousCommandLineAction
{
    public override int Invoke(ParseResult parseResult)
    {
        parseResult.InvocationConfiguration.Output.WriteLine(MoatVersion.Current);
        return ExitCodes.Clean;
    }
}

/// <summary>DESIGN.md's exit codes.</summary>
public static class ExitCodes
{
    public const int Clean = 0;
    public const int Findings = 1;
    public const int InputError = 2;
}

/// <summary>Bad input from the user (a missing file, an unreadable corpus): exit code 2 with one clear line, no stack trace.</summary>
public sealed class CliInputException(string message, Exception? inner = null) : Exception(message, inner);
