using System.CommandLine;
using Moat.Analysis;
using Moat.Analysis.Domains;
using Moat.Analysis.Domains.Checking;
using Moat.Analysis.Domains.Links;

namespace Moat.Cli.Commands;

/// <summary><c>moat links FILE|URL|DOMAIN|-</c>: flags links and domains that imitate protected domains.</summary>
public static class LinksCommand
{
    private const long MaxInputBytes = MimeMessage.MaxBytes;

    public static Command Create()
    {
        var inputs = new Argument<string[]>("input")
        {
            Description = "Files (text, HTML, .eml), URLs or domains to check; '-' reads standard input.",
            Arity = ArgumentArity.OneOrMore,
        };
        var protect = new Option<string[]>("--protect") { Description = "Also protect this domain (repeatable).", AllowMultipleArgumentsPerToken = true };
        var protectFile = new Option<FileInfo?>("--protect-file") { Description = "Also protect the domains in this file (one a line, # comments)." };
        var onlyMine = new Option<bool>("--no-default-protect") { Description = "Protect only the --protect domains, not pypi.org, python.org, github.com, …" };
        var keepDefanged = new Option<bool>("--keep-defanged") { Description = "Do not read hxxp:// and [.] as live links." };
        var common = new CommonOptions();
        var command = new Command("links", "Check links and domains in text, HTML pages and e-mails for lookalikes of protected domains.")
        {
            inputs, protect, protectFile, onlyMine, keepDefanged,
        };
        common.AddTo(command);

        command.SetAction(parse =>
        {
            var index = BuildIndex(parse.GetValue(protect) ?? [], parse.GetValue(protectFile), parse.GetValue(onlyMine));
            var options = new LinkScanOptions(index, Refang: !parse.GetValue(keepDefanged));
            var results = new List<ScanResult>();
            foreach (var input in parse.GetValue(inputs)!)
            {
                if (input == "-")
                {
                    using var stdin = Console.OpenStandardInput();
                    results.AddRange(LinkScanner.ScanDocument(ReadBounded(stdin, "standard input"), "-", options));
                }
                else if (File.Exists(input))
                {
                    using var file = OpenFile(input);
                    results.AddRange(LinkScanner.ScanDocument(ReadBounded(file, input), input, options));
                }
                else if (Directory.Exists(input))
                {
                    throw new CliInputException($"{input} is a directory: pass the files to check");
                }
                else
                {
                    try
                    {
                        results.Add(LinkScanner.ScanTarget(input, options));
                    }
                    catch (ArgumentException)
                    {
                        throw new CliInputException($"{input}: no such file, and not a URL or domain name");
                    }
                }
            }
            return common.Report(parse, results);
        });
        return command;
    }

    private static LookalikeIndex BuildIndex(string[] protect, FileInfo? protectFile, bool onlyMine)
    {
        var domains = new List<string>(onlyMine ? [] : ProtectedDomains.Defaults);
        foreach (var domain in protect)
        {
            if (!HostName.TryNormalize(domain, out var host)) throw new CliInputException($"--protect {domain}: not a domain name");
            domains.Add(host.Ascii);
        }
        if (protectFile is not null)
        {
            if (!protectFile.Exists) throw new CliInputException($"--protect-file {protectFile.FullName}: no such file");
            var parsed = ProtectedDomains.Parse(File.ReadLines(protectFile.FullName), out var errors);
            if (errors.Count > 0) throw new CliInputException($"--protect-file {protectFile.Name}: {errors[0]}");
            domains.AddRange(parsed);
        }
        if (domains.Count == 0) throw new CliInputException("no protected domains: give --protect or drop --no-default-protect");
        return domains.SequenceEqual(ProtectedDomains.Defaults) ? LookalikeIndex.Default : new LookalikeIndex(domains);
    }

    private static FileStream OpenFile(string path)
    {
        try
        {
            return File.OpenRead(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliInputException($"cannot read {path}: {ex.Message}", ex);
        }
    }

    /// <summary>Reads at most <see cref="MaxInputBytes"/>; a larger input is an input error, not a slow scan.</summary>
    private static byte[] ReadBounded(Stream stream, string name)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk)) > 0)
        {
            if (buffer.Length + read > MaxInputBytes) throw new CliInputException($"{name} is larger than {MaxInputBytes / (1024 * 1024)} MiB");
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
