using System.CommandLine;
using Moat.Analysis;
using Moat.Analysis.Workflows;

namespace Moat.Cli.Commands;

/// <summary><c>moat ci PATH</c>: audits a repository's GitHub Actions workflows, composite actions and GitLab CI.</summary>
public static class CiCommand
{
    public static Command Create()
    {
        var path = new Argument<string>("path") { Description = "A repository, a workflows directory, or one CI file.", DefaultValueFactory = _ => "." };
        var common = new CommonOptions();
        var command = new Command("ci", "Audit CI workflows: secret exfiltration, long-lived publishing tokens, pwn requests, template injection, unpinned and typosquatted actions, permissions, cache poisoning.") { path };
        common.AddTo(command);
        command.SetAction(parse =>
        {
            var target = parse.GetValue(path)!;
            IReadOnlyList<ScanResult> results;
            try
            {
                results = WorkflowAuditor.AuditPath(target);
            }
            catch (FileNotFoundException)
            {
                throw new CliInputException($"no such file or directory: {target}");
            }
            catch (InvalidDataException ex)
            {
                throw new CliInputException(ex.Message, ex);
            }
            if (results.Count == 0) throw new CliInputException($"no CI files found under {target} (looked for .github/workflows/*.yml, action.yml, .gitlab-ci.yml)");
            // One file the user named that is no CI file at all (a typo, /etc/passwd) is a usage error, not a clean
            // result. In a directory, such a file is reported unverified among the others.
            if (File.Exists(target) && WorkflowAuditor.NotAudited(results[0]) is { } why)
                throw new CliInputException($"cannot audit {target} as a CI file: {why} (expected a GitHub Actions workflow, an action.yml or a .gitlab-ci.yml)");
            return common.Report(parse, results);
        });
        return command;
    }
}
