namespace Moat.Analysis.Names;

/// <summary>
/// A distribution named like a standard-library module (<c>crypt</c>, <c>pwd</c>), or a spelling of one with a
/// version or py/python affix (<c>python-sqlite</c>, <c>sqlite</c> for sqlite3). Nobody needs to install the stdlib.
/// </summary>
internal static class StdlibShadowing
{
    /// <summary>A variant spelling weighs less than the module's exact name.</summary>
    public const double VariantWeight = 0.75;

    public static void Find(NameQuery query, NameIndex index, List<RawMatch> into)
    {
        var stdlib = index.Stdlib;
        if (stdlib.Modules.TryGetValue(query.Normalized, out var module))
        {
            into.Add(new RawMatch(NameTechnique.StdlibShadowing, module, "named exactly like the module", 8));
            return;
        }
        // sqlite for sqlite3; but not abc123 for abc: only the module's own spelling without its digits counts
        if (stdlib.Variants.GetValueOrDefault(query.Stripped) is { } variant)
        {
            into.Add(new RawMatch(NameTechnique.StdlibShadowing, variant, "spelling of the module's name", 8, VariantWeight));
            return;
        }
        if (query.AffixCore is { Kind: not PythonAffix.Kind.GluedPy } core
            && Variant(stdlib, core.Core) is { } affixed)
        {
            into.Add(new RawMatch(NameTechnique.StdlibShadowing, affixed, "module name with a py/python affix", 8, VariantWeight));
        }
    }

    private static Target? Variant(StandardLibrary stdlib, string key) =>
        stdlib.Modules.GetValueOrDefault(key) ?? stdlib.Variants.GetValueOrDefault(key);
}
