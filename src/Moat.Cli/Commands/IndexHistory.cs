using System.Net;
using System.Net.Http.Headers;
using Moat.Analysis;
using Moat.Analysis.Names;
using Moat.Index.Proxy;
using Moat.Packaging;
using Moat.Packaging.Distributions;

namespace Moat.Cli.Commands;

/// <summary>
/// Project history for <c>moat check</c> and <c>moat audit</c> from a simple index given with <c>--index-url</c>: the
/// PEP 691 JSON page of each name that resembles a popular one, whose files' PEP 700 <c>upload-time</c>s date its
/// releases. A name with no finding is never looked up. When the page cannot be read or gives no upload times the
/// findings stand unweighed (history only ever moves a score with evidence) and a note says so.
/// </summary>
internal sealed class IndexHistory(Uri index, TextWriter notes, TimeProvider time)
{
    private const long MaxPageBytes = 64L * 1024 * 1024;
    private readonly HttpClient _http = new(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.All })
    {
        Timeout = TimeSpan.FromSeconds(30),
        MaxResponseContentBufferSize = MaxPageBytes,
        DefaultRequestHeaders = { UserAgent = { ProductInfoHeaderValue.Parse($"moat/{Moat.Analysis.Reporting.MoatVersion.Current}") } },
    };

    /// <summary>Parses <c>--index-url</c> (an http(s) simple index such as https://pypi.org/simple/).</summary>
    public static IndexHistory Create(string url, TextWriter notes)
    {
        if (!Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new CliInputException($"--index-url needs an http(s) simple index URL, got '{url}'");
        return new IndexHistory(uri, notes, TimeProvider.System);
    }

    /// <summary>The name check to run: <paramref name="checker"/>'s, weighed with history when an index URL is given.</summary>
    public static Func<string, IReadOnlyList<Finding>> CheckerFor(string? indexUrl, NameChecker checker, TextWriter notes) =>
        indexUrl is null ? checker.Check : Create(indexUrl, notes).Wrap(checker);

    /// <summary>A name check that weighs each resembling name with its history on the index.</summary>
    public Func<string, IReadOnlyList<Finding>> Wrap(NameChecker checker) => name =>
    {
        if (checker.Matches(name).Count == 0) return [];
        var history = Fetch(name);
        return checker.Check(name, history, time.GetUtcNow());
    };

    /// <summary>The history of <paramref name="name"/> on the index, or null (with a note) when the index cannot say.</summary>
    public ProjectHistory? Fetch(string name)
    {
        if (!ProjectName.IsValid(name)) return null;
        var project = ProjectName.Normalize(name);
        var page = new Uri(index, project + "/");
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, page);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.pypi.simple.v1+json"));
            using var response = _http.Send(request);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                notes.WriteLine($"note: {project} is not on {index}: no history to weigh");
                return null;
            }
            if (!response.IsSuccessStatusCode || response.Content.Headers.ContentType?.MediaType != "application/vnd.pypi.simple.v1+json")
            {
                notes.WriteLine($"note: {index} gave no JSON page for {project} ({(int)response.StatusCode}): history not weighed");
                return null;
            }
            var files = UpstreamPageParser.ParseJsonAsync(response.Content.ReadAsStream(), page, CancellationToken.None).GetAwaiter().GetResult();
            var history = ProjectHistory.From(
                files.Select(f => (Version: DistributionInspector.ParseFilename(f.Filename, out _)?.Version.ToString(), f.UploadTime))
                    .Where(f => f.Version is not null).Select(f => (f.Version!, f.UploadTime)), HistorySource.UploadTimes);
            if (history is null) notes.WriteLine($"note: {index} gives no upload times for {project}: history not weighed");
            return history;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            notes.WriteLine($"note: cannot read {page}: {ex.Message}; history not weighed");
            return null;
        }
    }
}
