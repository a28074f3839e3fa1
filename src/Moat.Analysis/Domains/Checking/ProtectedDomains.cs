namespace Moat.Analysis.Domains.Checking;

/// <summary>The brands <c>moat links</c> defends by default, and reading a user's own list.</summary>
public static class ProtectedDomains
{
    /// <summary>Python packaging's domains and the code hosts its maintainers log in to.</summary>
    public static IReadOnlyList<string> Defaults { get; } =
        ["pypi.org", "pythonhosted.org", "python.org", "github.com", "githubusercontent.com", "gitlab.com", "npmjs.com"];

    /// <summary>One domain a line; blank lines and <c>#</c> comments ignored; invalid lines reported by number.</summary>
    public static IReadOnlyList<string> Parse(IEnumerable<string> lines, out IReadOnlyList<string> errors)
    {
        var domains = new List<string>();
        var problems = new List<string>();
        var number = 0;
        foreach (var raw in lines)
        {
            number++;
            var hash = raw.IndexOf('#');
            var line = (hash >= 0 ? raw[..hash] : raw).Trim();
            if (line.Length == 0) continue;
            if (HostName.TryNormalize(line, out var host)) domains.Add(host.Ascii);
            else problems.Add($"line {number}: '{line}' is not a domain name");
        }
        errors = problems;
        return domains;
    }
}
