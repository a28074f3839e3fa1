namespace Moat.Packaging.Versions;

/// <summary>The pre-release phases of PEP 440, in their sort order: alpha &lt; beta &lt; release candidate.</summary>
public enum PreReleaseKind : byte
{
    Alpha,
    Beta,
    ReleaseCandidate,
}

/// <summary>A pre-release segment such as <c>a1</c>, <c>b2</c> or <c>rc3</c> (all spellings normalize to these).</summary>
public readonly record struct PreRelease(PreReleaseKind Kind, long Number) : IComparable<PreRelease>
{
    /// <summary>The normalized label: <c>a</c>, <c>b</c> or <c>rc</c>.</summary>
    public string Label => Kind switch
    {
        PreReleaseKind.Alpha => "a",
        PreReleaseKind.Beta => "b",
        _ => "rc",
    };

    public int CompareTo(PreRelease other)
    {
        var byKind = Kind.CompareTo(other.Kind);
        return byKind != 0 ? byKind : Number.CompareTo(other.Number);
    }

    public override string ToString() => Label + Number.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
