using FsCheck;
using FsCheck.Fluent;

namespace Moat.Packaging.Tests.Versions;

/// <summary>FsCheck generators for PEP 440 version strings in every spelling the spec accepts.</summary>
public static class VersionGenerators
{
    private static Gen<string> Number => Gen.Frequency((6, Gen.Choose(0, 12)), (2, Gen.Choose(0, 3000)), (1, Gen.Choose(0, int.MaxValue)))
        .Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static Gen<string> Separator => Gen.Elements("", ".", "-", "_");

    private static Gen<string> Optional(Gen<string> gen, int weightAbsent = 3) =>
        Gen.Frequency((weightAbsent, Gen.Constant("")), (2, gen));

    /// <summary>Arbitrary valid PEP 440 version strings, mostly un-normalized.</summary>
    public static Gen<string> VersionString
    {
        get
        {
            var epoch = Optional(Number.Select(n => n + "!"), 6);
            var release = Gen.Choose(1, 4).SelectMany(count => Gen.ArrayOf(Number, count)).Select(parts => string.Join('.', parts));
            var pre = Optional(
                from sep in Separator
                from label in Gen.Elements("a", "b", "c", "rc", "alpha", "beta", "pre", "preview", "A", "RC", "Alpha")
                from sep2 in Separator
                from num in Optional(Number, 1)
                select sep + label + (num.Length > 0 ? sep2 + num : ""));
            var post = Optional(Gen.OneOf(
                Number.Select(n => "-" + n),
                from sep in Separator
                from label in Gen.Elements("post", "rev", "r", "POST")
                from sep2 in Separator
                from num in Optional(Number, 1)
                select sep + label + (num.Length > 0 ? sep2 + num : "")));
            var dev = Optional(
                from sep in Separator
                from sep2 in Separator
                from num in Optional(Number, 1)
                select sep + "dev" + (num.Length > 0 ? sep2 + num : ""));
            var localPart = Gen.OneOf(Number, Gen.Elements("abc", "ubuntu", "AbC", "x1", "deadbeef", "cpu", "cu118"));
            var local = Optional(
                from parts in Gen.Choose(1, 3).SelectMany(c => Gen.ArrayOf(localPart, c))
                from seps in Gen.ArrayOf(Gen.Elements(".", "-", "_"), 3)
                select "+" + string.Concat(parts.Select((p, i) => (i > 0 ? seps[i - 1] : "") + p)), 5);
            var prefix = Gen.Frequency((8, Gen.Constant("")), (1, Gen.Elements("v", "V", "  ", "\t")));
            return from p in prefix
                   from e in epoch
                   from r in release
                   from pr in pre
                   from po in post
                   from d in dev
                   from l in local
                   select p + e + r + pr + po + d + l;
        }
    }

    public static Arbitrary<string> Versions() => Arb.From(VersionString);

    /// <summary>Pairs of version strings, often sharing a release so that suffix ordering is exercised.</summary>
    public static Arbitrary<(string, string)> VersionPairs() => Arb.From(
        from a in VersionString
        from b in VersionString
        from related in Gen.Elements(true, false)
        select (a, related ? SharedRelease(a, b) : b));

    private static string SharedRelease(string a, string b)
    {
        var va = Moat.Packaging.Versions.PackageVersion.Parse(a);
        var vb = Moat.Packaging.Versions.PackageVersion.Parse(b);
        var suffix = vb.ToString()[vb.BaseVersion.ToString().Length..];
        return va.BaseVersion + suffix;
    }
}
