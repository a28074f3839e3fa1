using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Moat.Index.Auth;

/// <summary>What checking one caveat gave: it holds (<see cref="Failure"/> null), or why it does not.</summary>
public readonly record struct CaveatResult(string? Failure)
{
    public static CaveatResult Holds => default;
    public static CaveatResult Fails(string reason) => new(reason);
    public bool Ok => Failure is null;
}

/// <summary>
/// One condition a token carries, after warehouse's <c>macaroons/caveats</c>: one record per kind, each verifying
/// itself against the request. On the wire a caveat is a JSON object with one member — <c>{"projects": [...]}</c>,
/// <c>{"exp": unix}</c>, <c>{"nbf": unix}</c> — the format tokens have always had. Anything else (not JSON, not
/// one member, an unknown name, a value of the wrong type) parses as an <see cref="UnverifiableCaveat"/>, which
/// never holds: a token this server cannot fully read is refused, never half-trusted and never a crash.
/// </summary>
public abstract record Caveat
{
    public abstract CaveatResult Verify(CaveatContext context);

    /// <summary>The wire form, the exact text the signature chain covers.</summary>
    public abstract string Serialize();

    public static Caveat Parse(string text)
    {
        JsonDocument document;
        try
        {
            // From UTF-8 bytes, as the signature is computed: a lone surrogate becomes U+FFFD instead of throwing.
            document = JsonDocument.Parse(Encoding.UTF8.GetBytes(text), new JsonDocumentOptions { MaxDepth = 4 });
        }
        catch (JsonException)
        {
            return new UnverifiableCaveat(text, "The token carries a malformed caveat.");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return new UnverifiableCaveat(text, "The token carries a malformed caveat.");
            var members = root.EnumerateObject().ToList();
            // One condition per caveat: a second member (or a duplicate name) would be a condition nobody signed for separately.
            if (members.Count != 1) return new UnverifiableCaveat(text, "The token carries a malformed caveat: a caveat holds exactly one condition.");
            var (name, value) = (members[0].Name, members[0].Value);
            return name switch
            {
                ExpiryCaveat.Name => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var exp) ? new ExpiryCaveat(exp) : Malformed(text, name, "a unix time"),
                NotBeforeCaveat.Name => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var nbf) ? new NotBeforeCaveat(nbf) : Malformed(text, name, "a unix time"),
                ProjectsCaveat.Name => value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(p => p.ValueKind == JsonValueKind.String)
                    ? new ProjectsCaveat([.. value.EnumerateArray().Select(p => p.GetString()!)])
                    : Malformed(text, name, "a list of project names"),
                _ => new UnverifiableCaveat(text, $"The token carries an unknown caveat '{name}'."),
            };
        }
    }

    private static UnverifiableCaveat Malformed(string text, string name, string expected) =>
        new(text, $"The token carries a malformed caveat: '{name}' must be {expected}.");
}

/// <summary><c>{"exp": unix}</c>: the token is refused from this second on.</summary>
public sealed record ExpiryCaveat(long ExpiresAt) : Caveat
{
    public const string Name = "exp";
    public static ExpiryCaveat At(DateTimeOffset time) => new(time.ToUnixTimeSeconds());
    public override CaveatResult Verify(CaveatContext context) =>
        context.Now.ToUnixTimeSeconds() >= ExpiresAt ? CaveatResult.Fails("The token has expired.") : CaveatResult.Holds;
    public override string Serialize() => new JsonObject { [Name] = ExpiresAt }.ToJsonString();
}

/// <summary><c>{"nbf": unix}</c>: the token is refused before this second.</summary>
public sealed record NotBeforeCaveat(long NotBefore) : Caveat
{
    public const string Name = "nbf";
    public static NotBeforeCaveat At(DateTimeOffset time) => new(time.ToUnixTimeSeconds());
    public override CaveatResult Verify(CaveatContext context) =>
        context.Now.ToUnixTimeSeconds() < NotBefore ? CaveatResult.Fails("The token is not valid yet.") : CaveatResult.Holds;
    public override string Serialize() => new JsonObject { [Name] = NotBefore }.ToJsonString();
}

/// <summary><c>{"projects": [...]}</c>: only these (normalized) projects; never a request that acts on no project (the admin API).</summary>
public sealed record ProjectsCaveat(IReadOnlyList<string> Projects) : Caveat
{
    public const string Name = "projects";
    // Reads are not narrowed: the scope limits what a token may publish, and pip needs the whole index to resolve.
    public override CaveatResult Verify(CaveatContext context) => context.Reading || context.Project is { } project && Projects.Contains(project)
        ? CaveatResult.Holds
        : CaveatResult.Fails($"The token is not allowed to act on project '{context.Project}': it is scoped to '{string.Join("', '", Projects)}'.");
    public override string Serialize() => new JsonObject { [Name] = new JsonArray([.. Projects.Select(p => (JsonNode?)JsonValue.Create(p))]) }.ToJsonString();
}

/// <summary>A caveat this server cannot read (malformed or of an unknown kind): it never holds, so its token is refused.</summary>
public sealed record UnverifiableCaveat(string Text, string Reason) : Caveat
{
    public override CaveatResult Verify(CaveatContext context) => CaveatResult.Fails(Reason);
    public override string Serialize() => Text;
}
