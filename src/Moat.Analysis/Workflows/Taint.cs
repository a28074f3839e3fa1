namespace Moat.Analysis.Workflows;

/// <summary>
/// A value that carries a secret: the secret it came from (<c>secrets.PYPI_TOKEN</c>, <c>github.token</c>,
/// <c>toJSON(secrets)</c>, the whole environment), the names it travelled through (<c>$T1</c>,
/// <c>steps.creds.outputs.token</c>, a file) and the encodings applied on the way (base64, xxd, gzip, rev…).
/// An encoded secret is still the secret: encodings only make it past log masking.
/// </summary>
public sealed record Taint(string Source, IReadOnlyList<string> Via, IReadOnlyList<string> Encodings)
{
    private const int MaxTrail = 6;

    public static Taint Of(string source) => new(source, [], []);

    public bool IsEncoded => Encodings.Count > 0;

    /// <summary>The same secret, reached through <paramref name="name"/>.</summary>
    public Taint Through(string name) =>
        Via.Contains(name) || Via.Count >= MaxTrail || name == Source ? this : this with { Via = [.. Via, name] };

    /// <summary>The same secret after <paramref name="encoding"/>.</summary>
    public Taint Encoded(string encoding) =>
        Encodings.Contains(encoding) || Encodings.Count >= MaxTrail ? this : this with { Encodings = [.. Encodings, encoding] };

    /// <summary>Every name and source on the way, to tell a webhook URL (whose use is to be sent) from a credential.</summary>
    public IEnumerable<string> Names => Via.Prepend(Source);

    public override string ToString()
    {
        var text = Via.Count == 0 ? Source : $"{Via[^1]} (from {Source})";
        return Encodings.Count == 0 ? text : $"{text}, encoded with {string.Join(" | ", Encodings)}";
    }
}

/// <summary>Where a secret can leave the job.</summary>
public enum SinkKind
{
    /// <summary>An HTTP client, raw socket or interpreter one-liner that talks to a host.</summary>
    Network,
    /// <summary>A DNS lookup of a name built from the secret (dig, nslookup, host, ping).</summary>
    Dns,
    /// <summary>A git push, clone or fetch to a URL or remote outside the repository's own host.</summary>
    GitRemote,
    /// <summary>A file holding the secret uploaded as a workflow artifact, which anyone with read access can download.</summary>
    Artifact,
    /// <summary>A file holding the secret saved into the Actions cache, which other workflows restore.</summary>
    Cache,
    /// <summary>An encoded (so unmasked) secret printed to the job log or step summary, or posted as an issue or PR comment.</summary>
    Log,
}

/// <summary>
/// One place a tainted value reaches a sink. <see cref="Hosts"/> are the literal hosts the sink talks to (empty when
/// the destination is a variable); <see cref="HeaderOnly"/> is true when the secret is only in an authentication
/// header or <c>-u user:pass</c> (how an API token is normally used).
/// </summary>
public sealed record SecretSink(
    Job Job,
    Step Step,
    SinkKind Kind,
    Taint Taint,
    IReadOnlyList<string> Hosts,
    bool HeaderOnly,
    bool SendsData,
    Location Location,
    string Evidence);
