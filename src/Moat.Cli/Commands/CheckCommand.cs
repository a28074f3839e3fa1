using System.CommandLine;
using System.Net.Http.Headers;
using Moat.Analysis;
using Moat.Analysis.Names;

namespace Moat.Cli.Commands;

/// <summary>
/// <c>moat check NAME…</c>: scores names against the popular-package corpus (typosquats, combosquats, lookalikes,
/// stdlib and import-name traps) and, given internal names and a public name list, reports dependency confusion.
/// </summary>
public static class CheckCommand
{
    /// <summary>A /simple/ listing of all of PyPI is ~30 MB of JSON; anything far beyond that is not an index.</summary>
    private const long MaxIndexBytes = 256L * 1024 * 1024;

    public static Command Create()
    {
        var names = new Argument<string[]>("names") { Description = "Project names to check.", Arity = ArgumentArity.ZeroOrMore };
        var file = new Option<FileInfo?>("--file", "-i") { Description = "Read names to check from this file (one per line, # comments)." };
        var corpus = new Option<FileInfo?>("--corpus") { Description = "Popular-project list to compare against: TSV (rank<TAB>name) or top-pypi-packages JSON. Default: the embedded top 15,000." };
        var allow = new Option<string[]>("--allow") { Description = "A name never to report (repeatable).", AllowMultipleArgumentsPerToken = true };
        var allowFile = new Option<FileInfo?>("--allow-file") { Description = "Reviewed names never to report: an allow TOML ([[allow]] name, by, reason, date; default .moat/allow.toml) or a plain list, one name per line." };
        var internalFile = new Option<FileInfo?>("--internal") { Description = "Internal package names, one per line: report squats of them and, with a public source, their public twins." };
        var internalPrefix = new Option<string[]>("--internal-prefix") { Description = "A prefix reserved for internal packages, e.g. acme- (repeatable).", AllowMultipleArgumentsPerToken = true };
        var publicNames = new Option<FileInfo?>("--public-names") { Description = "Names that exist on the public index (one per line, gzip or plain), for dependency confusion." };
        var publicIndex = new Option<string?>("--public-index") { Description = "A live simple index URL (…/simple/) to read public names from, for dependency confusion." };
        var indexUrl = new Option<string?>("--index-url") { Description = "A simple index (JSON API, e.g. https://pypi.org/simple/) to read each resembling name's release history from: an established project weighs less, a days-old one more." };
        var common = new CommonOptions();

        var command = new Command("check", "Check package names for typosquatting, combosquatting, lookalikes, stdlib and import-name traps, and dependency confusion.")
        {
            names, file, corpus, allow, allowFile, internalFile, internalPrefix, publicNames, publicIndex, indexUrl,
        };
        common.AddTo(command);

        command.SetAction(parse =>
        {
            var toCheck = new List<string>(parse.GetValue(names) ?? []);
            if (parse.GetValue(file) is { } list) toCheck.AddRange(ReadLines(list));

            var allowed = new List<string>(parse.GetValue(allow) ?? []);
            var allowList = parse.GetValue(allowFile);
            if (allowList is not null && !allowList.Name.EndsWith(".toml", StringComparison.OrdinalIgnoreCase)) allowed.AddRange(ReadLines(allowList));
            var reviewed = ReviewedNames.Load(allowList is { } toml && toml.Name.EndsWith(".toml", StringComparison.OrdinalIgnoreCase) ? toml : null, parse.InvocationConfiguration.Error);

            var internalNames = new InternalNames(parse.GetValue(internalFile) is { } f ? ReadLines(f) : [], parse.GetValue(internalPrefix) ?? []);
            var publicFile = parse.GetValue(publicNames);
            var publicUrl = parse.GetValue(publicIndex);
            var confusion = publicFile is not null || publicUrl is not null;
            if (confusion && internalNames.IsEmpty) throw new CliInputException("--public-names and --public-index need --internal or --internal-prefix");
            if (toCheck.Count == 0 && !confusion) throw new CliInputException("nothing to check: give names, --file, or --internal with --public-names/--public-index");
            // A string that cannot be a project name cannot be checked: saying "clean" would vouch for nothing.
            if (toCheck.FirstOrDefault(n => !Moat.Packaging.ProjectName.IsValid(n)) is { } invalid)
                throw new CliInputException($"'{invalid}' is not a valid project name (letters, digits, '.', '_' and '-', starting and ending with a letter or digit)");

            var results = new List<ScanResult>();
            if (toCheck.Count > 0)
            {
                var checker = new NameChecker(LoadCorpus(parse.GetValue(corpus)), new NameCheckerOptions(allowed, internalNames));
                var history = parse.GetValue(indexUrl) is { } url ? IndexHistory.Create(url, parse.InvocationConfiguration.Error) : null;
                var check = reviewed.Wrap(history is null ? checker.Check : history.Wrap(checker));
                results.AddRange(toCheck.Select(n => NameChecker.Result(n, check(n))));
            }
            if (publicFile is not null) results.AddRange(DependencyConfusion.Scan(ReadPublicNames(publicFile), internalNames, publicFile.Name));
            if (publicUrl is not null) results.AddRange(DependencyConfusion.Scan(FetchSimpleIndex(publicUrl), internalNames, publicUrl));
            return common.Report(parse, results);
        });
        return command;
    }

    private static PopularCorpus LoadCorpus(FileInfo? file)
    {
        if (file is null) return PopularCorpus.Embedded;
        try
        {
            return PopularCorpus.Load(file.FullName);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new CliInputException($"cannot read corpus {file.FullName}: {ex.Message}", ex);
        }
    }

    private static List<string> ReadLines(FileInfo file)
    {
        try
        {
            return [.. File.ReadLines(file.FullName).Select(l => l.Trim()).Where(l => l.Length > 0 && l[0] != '#')];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliInputException($"cannot read {file.FullName}: {ex.Message}", ex);
        }
    }

    private static List<string> ReadPublicNames(FileInfo file)
    {
        try
        {
            return [.. PublicNames.ReadFile(file.FullName)];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new CliInputException($"cannot read public names {file.FullName}: {ex.Message}", ex);
        }
    }

    /// <summary>GETs the index's project list, preferring PEP 691 JSON; bounded in size and time.</summary>
    internal static IReadOnlyList<string> FetchSimpleIndex(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new CliInputException($"--public-index needs an http(s) URL, got '{url}'");
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(120), MaxResponseContentBufferSize = MaxIndexBytes };
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.pypi.simple.v1+json"));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html", 0.1));
            request.Headers.UserAgent.ParseAdd($"moat/{Moat.Analysis.Reporting.MoatVersion.Current}");
            using var response = http.Send(request);
            if (!response.IsSuccessStatusCode) throw new CliInputException($"{url} answered {(int)response.StatusCode} {response.ReasonPhrase}");
            using var reader = new StreamReader(response.Content.ReadAsStream());
            return PublicNames.ParseSimpleIndex(reader.ReadToEnd());
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or InvalidDataException or IOException)
        {
            throw new CliInputException($"cannot read the public index {url}: {ex.Message}", ex);
        }
    }
}
