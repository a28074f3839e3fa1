namespace Moat.Index.Proxy;

/// <summary>Why a proxied file cannot be served; <see cref="Status"/> is the HTTP status to answer with, <see cref="RetryAfter"/> when to ask again.</summary>
public sealed record ProxyRefusal(int Status, string Message, TimeSpan? RetryAfter = null);

/// <summary>
/// What the proxy got for a request: a value, or the refusal to answer with. Closed (two named factories, no other
/// constructor) and read through <see cref="Match{TResult}"/>, which names both cases, so no caller falls through a
/// type switch's default arm.
/// </summary>
public sealed class ProxyResult<T> where T : notnull
{
    private readonly T? _value;
    private readonly ProxyRefusal? _refusal;

    private ProxyResult(T? value, ProxyRefusal? refusal)
    {
        _value = value;
        _refusal = refusal;
    }

    public static ProxyResult<T> ForValue(T value) => new(value, null);

    public static ProxyResult<T> ForRefusal(ProxyRefusal refusal) => new(default, refusal);

    public static ProxyResult<T> ForRefusal(int status, string message) => ForRefusal(new ProxyRefusal(status, message));

    public bool Success => _refusal is null;

    public TResult Match<TResult>(Func<T, TResult> value, Func<ProxyRefusal, TResult> refused) => _refusal is null ? value(_value!) : refused(_refusal);
}
