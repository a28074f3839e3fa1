using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Moat.Index.Errors;

namespace Moat.Index.Accounts;

/// <summary>
/// A JSON request body of the account API, read strictly: a field the endpoint does not know is a 400 that names
/// it and lists the known ones — never silently dropped (a misspelt expiry must not mint a token that never expires).
/// Field names as ASP.NET Core reads them everywhere else (camelCase, case-insensitive). A bad body surfaces as an
/// <see cref="AccountRefusal"/> when the handler reads <see cref="Value"/>, so the session check still answers first.
/// </summary>
public sealed class JsonBody<T> : IBindableFromHttpContext<JsonBody<T>> where T : class
{
    private static readonly JsonSerializerOptions Strict = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };

    private readonly T? _value;
    private readonly string? _error;

    private JsonBody(T? value, string? error) => (_value, _error) = (value, error);

    public T Value => _value ?? throw new AccountRefusal(IndexError.Invalid, _error ?? "A JSON body is required.");

    public static async ValueTask<JsonBody<T>?> BindAsync(HttpContext http, ParameterInfo parameter)
    {
        if (!http.Request.HasJsonContentType()) return new(null, "Send a JSON object (Content-Type: application/json).");
        try
        {
            using var document = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
            if (document.RootElement.ValueKind != JsonValueKind.Object) return new(null, "The body must be a JSON object.");
            var known = Strict.GetTypeInfo(typeof(T)).Properties.Select(p => p.Name).ToList();
            var unknown = document.RootElement.EnumerateObject().Select(p => p.Name).Where(n => !known.Contains(n, StringComparer.OrdinalIgnoreCase)).ToList();
            if (unknown.Count > 0)
                return new(null, $"Unknown field{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown.Select(n => $"'{n}'"))}: this endpoint accepts {string.Join(", ", known)}.");
            return new(document.RootElement.Deserialize<T>(Strict), null);
        }
        catch (JsonException ex)
        {
            return new(null, ex.Path is { Length: > 2 } path ? $"The field {path[2..]} has the wrong type or is out of range." : "The body is not valid JSON.");
        }
    }
}
