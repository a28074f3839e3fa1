using System.Net;
using IPNetwork = System.Net.IPNetwork;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;

namespace Moat.Index.Hosting;

/// <summary>
/// The reverse proxies whose forwarding headers Moat believes (<c>[server] trusted-proxies</c>). Behind a proxy that
/// terminates TLS, the connection Moat sees is plain http from the proxy; the client's scheme, address and host
/// travel in <c>X-Forwarded-Proto/-For/-Host</c> or RFC 7239 <c>Forwarded</c>. They are applied only when the
/// connection comes from a listed address, hop by hop from the nearest, and stop at the first untrusted hop:
/// anyone else could send them to look like https or to choose the address throttles and events record.
/// </summary>
public static class TrustedProxies
{
    /// <summary>The entries as given, after checking each is an address or a CIDR network (one-line error otherwise).</summary>
    public static IReadOnlyList<string> Checked(IReadOnlyList<string> entries, string source)
    {
        foreach (var entry in entries)
            if (!IPAddress.TryParse(entry, out _) && !IPNetwork.TryParse(entry, out _))
                throw new IndexConfigurationException($"{source}: server.trusted-proxies: '{entry}' is not an IP address or a CIDR network such as 10.0.0.0/8");
        return entries;
    }

    /// <summary>Adds the forwarding middleware when proxies are configured; with none, nothing changes.</summary>
    public static void Use(WebApplication app, IReadOnlyList<string> entries)
    {
        if (entries.Count == 0) return;
        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost,
            // Walk back through every trusted hop (a CDN in front of nginx); the walk stops at the first untrusted one.
            ForwardLimit = null,
        };
        // The defaults trust loopback: only what the operator listed is trusted.
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var entry in entries)
        {
            if (IPAddress.TryParse(entry, out var address)) options.KnownProxies.Add(address);
            else options.KnownIPNetworks.Add(IPNetwork.Parse(entry));
        }
        app.Use((context, next) =>
        {
            if (context.Request.Headers.ContainsKey("Forwarded") && !context.Request.Headers.ContainsKey(ForwardedHeadersDefaults.XForwardedForHeaderName)
                && Trusted(options, context.Connection.RemoteIpAddress))
                Rfc7239.CopyToXForwarded(context.Request.Headers);
            return next(context);
        });
        app.UseForwardedHeaders(options);
    }

    private static bool Trusted(ForwardedHeadersOptions options, IPAddress? address)
    {
        if (address is null) return false;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        return options.KnownProxies.Contains(address) || options.KnownIPNetworks.Any(n => n.Contains(address));
    }
}

/// <summary>
/// RFC 7239 <c>Forwarded: for=192.0.2.60;proto=https;host=moat.example.com, for="[2001:db8::1]:4711"</c>, rewritten
/// as the <c>X-Forwarded-*</c> lists ASP.NET's middleware reads. Those lists are matched from the right (the nearest
/// hop), so each one is cut at the first element, counting from the right, that lacks its parameter.
/// </summary>
public static class Rfc7239
{
    public static void CopyToXForwarded(IHeaderDictionary headers)
    {
        var elements = Elements(headers["Forwarded"].ToString());
        if (elements.Count == 0) return;
        headers[ForwardedHeadersDefaults.XForwardedForHeaderName] = Trailing(elements, "for");
        if (Trailing(elements, "proto") is { Length: > 0 } proto) headers[ForwardedHeadersDefaults.XForwardedProtoHeaderName] = proto;
        if (Trailing(elements, "host") is { Length: > 0 } host) headers[ForwardedHeadersDefaults.XForwardedHostHeaderName] = host;
    }

    private static string[] Trailing(List<Dictionary<string, string>> elements, string parameter)
    {
        var values = new List<string>();
        for (var i = elements.Count - 1; i >= 0 && elements[i].TryGetValue(parameter, out var value); i--) values.Insert(0, value);
        return [.. values];
    }

    /// <summary>Comma-separated elements of semicolon-separated <c>name=value</c> pairs; values may be quoted.</summary>
    public static List<Dictionary<string, string>> Elements(string header)
    {
        var elements = new List<Dictionary<string, string>>();
        var current = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        while (i < header.Length)
        {
            var c = header[i];
            if (c is ' ' or '\t' or ';') { i++; continue; }
            if (c == ',')
            {
                if (current.Count > 0) elements.Add(current);
                current = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                i++;
                continue;
            }
            var equals = header.IndexOf('=', i);
            if (equals < 0) break;
            var name = header[i..equals].Trim();
            i = equals + 1;
            string value;
            if (i < header.Length && header[i] == '"')
            {
                var close = header.IndexOf('"', i + 1);
                if (close < 0) break;
                value = header[(i + 1)..close];
                i = close + 1;
            }
            else
            {
                var end = header.IndexOfAny([';', ','], i);
                if (end < 0) end = header.Length;
                value = header[i..end].Trim();
                i = end;
            }
            current[name] = value;
        }
        if (current.Count > 0) elements.Add(current);
        return elements;
    }
}
