namespace Moat.Analysis;

/// <summary>Secrets never appear whole in output: a short prefix (enough to recognise the kind) and the last four characters.</summary>
public static class Redaction
{
    public static string Redact(string secret, int prefixLength = 6)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (secret.Length <= 8) return new string('*', secret.Length);
        var prefix = Math.Min(prefixLength, secret.Length / 3);
        return string.Concat(secret.AsSpan(0, prefix), "…", secret.AsSpan(secret.Length - 4));
    }
}
