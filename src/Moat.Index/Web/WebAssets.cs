using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Moat.Index.Web;

/// <summary>
/// The pages' static files (<c>Web/Static/*</c>, embedded in the assembly): loaded once, fingerprinted with a short
/// SHA-256 of their bytes and served from memory at <c>/static/{name}.{hash}.{ext}</c> with a one-year immutable
/// cache and an ETag. A changed file gets a new URL, so no browser ever runs a stale stylesheet or script.
/// </summary>
public static class WebAssets
{
    public sealed record Asset(string Name, string Url, string ContentType, byte[] Bytes, string ETag);

    private const string Prefix = "Moat.Index.Web.Static.";

    private static readonly FrozenDictionary<string, Asset> ByName = Load();
    private static readonly FrozenDictionary<string, Asset> ByUrl = ByName.Values.ToFrozenDictionary(a => a.Url, StringComparer.Ordinal);

    /// <summary>The fingerprinted URL of <paramref name="name"/> (e.g. <c>moat.css</c>); throws for an unknown file so a typo fails the first render.</summary>
    public static string Url(string name) =>
        ByName.TryGetValue(name, out var asset) ? asset.Url : throw new ArgumentException($"No static web file named '{name}' (add it under Web/Static/).", nameof(name));

    public static IEnumerable<Asset> All => ByName.Values;

    internal static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/static/{file}", (string file, HttpContext http) =>
        {
            if (!ByUrl.TryGetValue("/static/" + file, out var asset)) return Results.NotFound();
            http.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
            http.Response.Headers.XContentTypeOptions = "nosniff";
            if (http.Request.Headers.IfNoneMatch == asset.ETag) return Results.StatusCode(StatusCodes.Status304NotModified);
            http.Response.Headers.ETag = asset.ETag;
            return Results.Bytes(asset.Bytes, asset.ContentType);
        });

    private static FrozenDictionary<string, Asset> Load()
    {
        var assembly = typeof(WebAssets).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            var name = resource[Prefix.Length..];
            var bytes = Read(assembly, resource);
            var hash = Convert.ToHexStringLower(SHA256.HashData(bytes))[..12];
            var dot = name.LastIndexOf('.');
            var url = dot < 0 ? $"/static/{name}.{hash}" : $"/static/{name[..dot]}.{hash}{name[dot..]}";
            assets[name] = new Asset(name, url, ContentType(name), bytes, $"\"{hash}\"");
        }
        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static byte[] Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }

    private static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".css" => "text/css; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        ".ico" => "image/x-icon",
        _ => "application/octet-stream",
    };
}
