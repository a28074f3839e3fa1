using System.CommandLine;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Moat.Analysis.Domains.Generation;
using Moat.Analysis.Reporting;

namespace Moat.Cli.Commands;

/// <summary><c>moat domains generate DOMAIN…</c>: the lookalikes a phisher could register, optionally resolved.</summary>
public static class DomainsCommand
{
    public static Command Create(IDomainResolver? resolver = null)
    {
        var domains = new Argument<string[]>("domain") { Description = "Domains to permute, e.g. pypi.org.", Arity = ArgumentArity.OneOrMore };
        var format = new Option<string>("--format", "-f") { Description = "list (one host a line), json or csv.", DefaultValueFactory = _ => "list" };
        format.AcceptOnlyFromAmong("list", "json", "csv");
        var resolve = new Option<bool>("--resolve") { Description = "Look up A/AAAA and MX records and keep only names that resolve (uses the network)." };
        var concurrency = new Option<int>("--concurrency") { Description = "DNS look-ups in flight with --resolve.", DefaultValueFactory = _ => 32 };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write to this file instead of standard output." };

        var generate = new Command("generate", "Generate lookalike domains: typos, homoglyphs (IDN), brand + keyword, TLD swaps, brand subdomains.")
        {
            domains, format, resolve, concurrency, output,
        };
        generate.SetAction(parse =>
        {
            var sets = new List<(string Domain, IReadOnlyList<DomainPermutation> Permutations, IReadOnlyList<ResolvedPermutation>? Resolved)>();
            foreach (var domain in parse.GetValue(domains)!)
            {
                IReadOnlyList<DomainPermutation> permutations;
                try
                {
                    permutations = LookalikeGenerator.Generate(domain);
                }
                catch (ArgumentException ex)
                {
                    throw new CliInputException(ex.Message, ex);
                }
                IReadOnlyList<ResolvedPermutation>? resolved = null;
                if (parse.GetValue(resolve))
                {
                    var all = DomainResolution.ResolveAllAsync(permutations, resolver ?? new SystemDnsResolver(),
                        Math.Clamp(parse.GetValue(concurrency), 1, 256), TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
                    resolved = [.. all.Where(r => r.Records.Resolves)];
                }
                sets.Add((domain, permutations, resolved));
            }

            var text = parse.GetValue(format) switch
            {
                "json" => Json(sets),
                "csv" => Csv(sets),
                _ => List(sets),
            };
            if (parse.GetValue(output) is { } file) AtomicFile.WriteAllText(file.FullName, w => w.Write(text));
            else parse.InvocationConfiguration.Output.Write(text);

            // Counts go to standard error, so the list itself pipes cleanly into other tools.
            var error = parse.InvocationConfiguration.Error;
            foreach (var (domain, permutations, resolvedSet) in sets)
            {
                var counts = LookalikeGenerator.CountByTechnique(permutations).Where(c => c.Count > 0).Select(c => $"{TechniqueNames.Of(c.Technique)} {c.Count}");
                error.WriteLine($"{domain}: {permutations.Count} lookalikes ({string.Join(", ", counts)})" +
                    (resolvedSet is null ? "" : $"; {resolvedSet.Count} resolve"));
            }
            return ExitCodes.Clean;
        });

        return new Command("domains", "Lookalike domains.") { generate };
    }

    private static IEnumerable<(DomainPermutation Permutation, DnsRecords? Records)> Rows(IReadOnlyList<DomainPermutation> permutations, IReadOnlyList<ResolvedPermutation>? resolved) =>
        resolved is null ? permutations.Select(p => (p, (DnsRecords?)null)) : resolved.Select(r => (r.Permutation, (DnsRecords?)r.Records));

    private static string List(List<(string Domain, IReadOnlyList<DomainPermutation> Permutations, IReadOnlyList<ResolvedPermutation>? Resolved)> sets)
    {
        var builder = new StringBuilder();
        foreach (var (_, permutations, resolved) in sets)
        {
            foreach (var (permutation, records) in Rows(permutations, resolved))
            {
                builder.Append(permutation.Host);
                if (permutation.Display != permutation.Host) builder.Append('\t').Append(permutation.Display);
                if (records is not null) builder.Append('\t').Append(string.Join(',', records.Addresses)).Append('\t').Append(string.Join(',', records.MailExchangers));
                builder.Append('\n');
            }
        }
        return builder.ToString();
    }

    private static string Csv(List<(string Domain, IReadOnlyList<DomainPermutation> Permutations, IReadOnlyList<ResolvedPermutation>? Resolved)> sets)
    {
        var builder = new StringBuilder("domain,host,display,technique,detail");
        var resolving = sets.Any(s => s.Resolved is not null);
        builder.Append(resolving ? ",addresses,mx\n" : "\n");
        foreach (var (domain, permutations, resolved) in sets)
        {
            foreach (var (permutation, records) in Rows(permutations, resolved))
            {
                builder.Append(CsvField(domain)).Append(',').Append(CsvField(permutation.Host)).Append(',').Append(CsvField(permutation.Display))
                    .Append(',').Append(TechniqueNames.Of(permutation.Technique)).Append(',').Append(CsvField(permutation.Detail));
                if (resolving) builder.Append(',').Append(CsvField(string.Join(' ', records?.Addresses ?? []))).Append(',').Append(CsvField(string.Join(' ', records?.MailExchangers ?? [])));
                builder.Append('\n');
            }
        }
        return builder.ToString();
    }

    private static string CsvField(string value) =>
        value.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    private static string Json(List<(string Domain, IReadOnlyList<DomainPermutation> Permutations, IReadOnlyList<ResolvedPermutation>? Resolved)> sets)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("tool", "moat");
            json.WriteString("version", MoatVersion.Current);
            json.WriteStartArray("domains");
            foreach (var (domain, permutations, resolved) in sets)
            {
                json.WriteStartObject();
                json.WriteString("domain", domain);
                json.WriteNumber("total", permutations.Count);
                if (resolved is not null) json.WriteNumber("resolving", resolved.Count);
                json.WriteStartObject("counts");
                foreach (var (technique, count) in LookalikeGenerator.CountByTechnique(permutations)) json.WriteNumber(TechniqueNames.Of(technique), count);
                json.WriteEndObject();
                json.WriteStartArray("permutations");
                foreach (var (permutation, records) in Rows(permutations, resolved))
                {
                    json.WriteStartObject();
                    json.WriteString("host", permutation.Host);
                    json.WriteString("display", permutation.Display);
                    json.WriteString("technique", TechniqueNames.Of(permutation.Technique));
                    json.WriteString("detail", permutation.Detail);
                    if (records is not null)
                    {
                        json.WriteStartArray("addresses");
                        foreach (var address in records.Addresses) json.WriteStringValue(address);
                        json.WriteEndArray();
                        json.WriteStartArray("mx");
                        foreach (var exchanger in records.MailExchangers) json.WriteStringValue(exchanger);
                        json.WriteEndArray();
                    }
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length) + "\n";
    }
}
