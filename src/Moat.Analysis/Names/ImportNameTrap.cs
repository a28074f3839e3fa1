namespace Moat.Analysis.Names;

/// <summary>
/// A distribution named like a popular project's import name (<c>yaml</c>, <c>sklearn</c>, <c>cv2</c>, <c>dateutil</c>):
/// what someone types after reading <c>import yaml</c>. Names derived by rule weigh less than data and curated ones.
/// </summary>
internal static class ImportNameTrap
{
    public const double DerivedWeight = 0.7;

    public static void Find(NameQuery query, NameIndex index, List<RawMatch> into)
    {
        if (!index.ImportNames.TryGetValue(query.Normalized, out var trap) || query.IsSelf(trap.Target)) return;
        var weight = trap.Source == ImportNameTable.Source.Derived ? DerivedWeight : 1.0;
        // A curated trap that is popular itself is popular because people type the import name: no popularity gap.
        var confused = trap.Source == ImportNameTable.Source.Curated && query.Self is { Rank: { } own } && trap.Target.Rank is { } rank && own > rank;
        into.Add(new RawMatch(NameTechnique.ImportNameTrap, trap.Target, $"'import {trap.ImportName}' comes from '{trap.Target.Name}' ({trap.Reason})", 8, weight, confused));
    }
}
