using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Moat.Packaging.Tests;

public class ProjectNamePropertyTests
{
    private static Arbitrary<string> Names() => Arb.From(
        Gen.Choose(1, 20).SelectMany(length => Gen.ArrayOf(Gen.Elements("aBzZ09-_.-_.xYlI1oO0".ToCharArray()), length))
            .Select(chars => new string(chars)));

    [Property(MaxTest = 500)]
    public Property Normalization_is_idempotent_and_separator_insensitive() => Prop.ForAll(Names(), name =>
    {
        var normalized = ProjectName.Normalize(name);
        return ProjectName.Normalize(normalized) == normalized
            && ProjectName.IsNormalized(normalized)
            && ProjectName.Normalize(name.Replace('-', '_').ToUpperInvariant()) == normalized
            && ProjectName.Ultranormalize(normalized) == ProjectName.Ultranormalize(name);
    });
}
