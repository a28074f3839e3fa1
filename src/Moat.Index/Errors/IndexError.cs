using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Moat.Index.Errors;

/// <summary>
/// Every kind of refusal the index answers with, in one table: its HTTP status and the label it is counted under in
/// the metrics. Services name the kind (<see cref="Invalid"/>, <see cref="Forbidden"/> …) and the message; only the
/// HTTP edge turns it into a status line (<see cref="IndexErrorResult"/>, the JSON API, the web pages), so no service
/// decides a status code of its own.
/// </summary>
public sealed record IndexError(int Status, string Metric)
{
    /// <summary>The request or its input is wrong (a form field, a digest, a malformed file).</summary>
    public static readonly IndexError Invalid = new(StatusCodes.Status400BadRequest, "invalid");
    /// <summary>An upload the index's rules refuse whatever its content (a filename used before, a blocked file, a closed project).</summary>
    public static readonly IndexError Refused = new(StatusCodes.Status400BadRequest, "refused");
    /// <summary>An upload the policy gate rejected for its content.</summary>
    public static readonly IndexError Rejected = new(StatusCodes.Status400BadRequest, "rejected");
    /// <summary>No credentials, or credentials that do not identify anyone: clients answer with a Basic challenge.</summary>
    public static readonly IndexError Unauthenticated = new(StatusCodes.Status401Unauthorized, "unauthorized");
    /// <summary>Who asked is known and may not do this.</summary>
    public static readonly IndexError Forbidden = new(StatusCodes.Status403Forbidden, "unauthorized");
    /// <summary>A download the proxy's rules refuse (blocked, vulnerable, too young, a lookalike).</summary>
    public static readonly IndexError Blocked = new(StatusCodes.Status403Forbidden, "blocked");
    public static readonly IndexError NotFound = new(StatusCodes.Status404NotFound, "not-found");
    /// <summary>The change is already made or collides with another (a taken username, an address already verified).</summary>
    public static readonly IndexError Conflict = new(StatusCodes.Status409Conflict, "conflict");
    /// <summary>The request is larger than the index accepts; the connection is closed rather than drained.</summary>
    public static readonly IndexError TooLarge = new(StatusCodes.Status413PayloadTooLarge, "too-large");
    public static readonly IndexError TooManyRequests = new(StatusCodes.Status429TooManyRequests, "throttled");
    /// <summary>Switched off by an administrator, or busy elsewhere (another node is fetching the file): try again later.</summary>
    public static readonly IndexError Unavailable = new(StatusCodes.Status503ServiceUnavailable, "unavailable");

    /// <summary>The answer pip and twine understand: this status, the message as reason phrase and as the body.</summary>
    public IResult Result(string message) => new IndexErrorResult(this, message);

    /// <summary>The JSON APIs' answer (accounts, admin, disclosure): this status and <c>{"error": message}</c>.</summary>
    public IResult Json(string message) => Results.Json(new { error = message }, statusCode: Status);
}

/// <summary>
/// Writes an <see cref="IndexError"/>: the status, the message as the reason phrase (what pip and twine print:
/// "403 Client Error: &lt;reason&gt; for url", sanitized by <see cref="ReasonPhrase"/>) and the exact message as a
/// UTF-8 body.
/// </summary>
public sealed class IndexErrorResult(IndexError error, string message) : IResult
{
    public IndexError Error => error;
    public string Message => message;

    public Task ExecuteAsync(HttpContext context) => WriteAsync(context, error, message, message + "\n");

    /// <summary>The status line and body of a refusal; <paramref name="body"/> is what follows the headers.</summary>
    public static Task WriteAsync(HttpContext context, IndexError error, string message, string body)
    {
        context.Response.StatusCode = error.Status;
        if (context.Features.Get<IHttpResponseFeature>() is { } feature) feature.ReasonPhrase = ReasonPhrase.From(message);
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(body);
    }
}
