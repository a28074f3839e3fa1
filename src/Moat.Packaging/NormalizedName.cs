namespace Moat.Packaging;

/// <summary>
/// A project name in PEP 503 normal form (<see cref="ProjectName.Normalize"/>): the key a project is stored and looked
/// up by. Only <see cref="Of"/> makes one, so a parameter of this type cannot be handed a display name by mistake; it
/// reads as a string wherever one is wanted (pages, messages, SQL parameters).
/// </summary>
public readonly record struct NormalizedName : IComparable<NormalizedName>
{
    private readonly string? _value;

    private NormalizedName(string value) => _value = value;

    public string Value => _value ?? "";

    /// <summary>Normalizes <paramref name="name"/> (any spelling: <c>Foo_Bar</c>, <c>foo.bar</c>, <c>foo-bar</c>).</summary>
    public static NormalizedName Of(string name) => new(ProjectName.Normalize(name));

    public int CompareTo(NormalizedName other) => string.CompareOrdinal(Value, other.Value);

    public override string ToString() => Value;

    public static implicit operator string(NormalizedName name) => name.Value;
}
