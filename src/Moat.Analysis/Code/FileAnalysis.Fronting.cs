using System.Net;

namespace Moat.Analysis.Code;

/// <summary>
/// Domain fronting: a request addressed to one domain (a CDN's customer, pypi.org) whose Host header names another, so
/// the CDN routes it to a service the URL never shows. Requests to an IP address or localhost with a Host header are
/// how virtual hosts are tested, and are not counted.
/// </summary>
internal sealed partial class FileAnalysis
{
    private void CheckDomainFronting(CallExpr call, string? url, int line)
    {
        if (url is null || _context == CodeContext.TestOrDocs) return;
        if (call.Keywords.FirstOrDefault(k => k.Name == "headers")?.Value is not DictExpr headers) return;
        if (HostOf(url) is not { } addressed || IPAddress.TryParse(addressed.Trim('[', ']'), out _) || addressed is "localhost") return;
        for (var i = 0; i < headers.Keys.Count; i++)
        {
            if (headers.Keys[i] is not StrExpr { Value: var key } || !key.Equals("Host", StringComparison.OrdinalIgnoreCase)) continue;
            if (headers.Values[i] is not StrExpr { Value: var header } || HostOf("http://" + header) is not { } fronted) return;
            if (SameSite(addressed, fronted)) return;
            Emit(ThreatRules.DomainFronting, Confidence.Medium, $"A request to {addressed} carries the Host header {fronted}: the CDN delivers it to a service the URL hides", line);
            return;
        }
    }

    private static string? HostOf(string url) =>
        Uri.TryCreate(url.Replace("{}", "x", StringComparison.Ordinal), UriKind.Absolute, out var uri) && uri.Host.Length > 0 ? uri.Host.ToLowerInvariant() : null;

    /// <summary>One host is the other or a subdomain of it (api.example.com and example.com).</summary>
    private static bool SameSite(string a, string b) =>
        a == b || a.EndsWith("." + b, StringComparison.Ordinal) || b.EndsWith("." + a, StringComparison.Ordinal);
}
