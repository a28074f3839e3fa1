using System.CommandLine;
using Moat.Analysis;
using Moat.Analysis.Reporting;

namespace Moat.Cli.Commands;

/// <summary><c>moat rules</c>: lists every rule; <c>--format markdown</c> prints docs/rules.md.</summary>
public static class RulesCommand
{
    public static Command Create()
    {
        var format = new Option<string>("--format", "-f") { Description = "text or markdown.", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "markdown");
        var command = new Command("rules", "List the detection rules (markdown: the rules reference in docs/rules.md).") { format };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var rules = RuleCatalog.All;
            if (parse.GetValue(format) == "markdown")
            {
                output.Write(RulesDocument.Markdown(rules));
                return ExitCodes.Clean;
            }
            foreach (var rule in rules) output.WriteLine($"{rule.Id,-16} {ReportNames.Of(rule.Severity),-8} {rule.Name,-36} {rule.Summary}");
            output.WriteLine($"{rules.Count} rules");
            return ExitCodes.Clean;
        });
        return command;
    }
}
