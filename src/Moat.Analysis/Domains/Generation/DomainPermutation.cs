namespace Moat.Analysis.Domains.Generation;

/// <summary>How a lookalike was made. The order is the generator's output order.</summary>
public enum Technique
{
    Addition, Omission, Repetition, Insertion, Replacement, Transposition, VowelSwap, Hyphenation, BitFlip, Plural,
    Subdomain, AsciiLookalike, Homoglyph, TldSwap, BrandKeyword, BrandSubdomain, Combined,
}

/// <summary>One generated lookalike: its ASCII (punycode) host, the Unicode form a reader sees, and how it was made.</summary>
public sealed record DomainPermutation(string Host, string Display, Technique Technique, string Detail);

/// <summary>A label variant made by one technique, before it is put back between the subdomain and the suffix.</summary>
public readonly record struct LabelVariant(string Label, string Detail);

public static class TechniqueNames
{
    /// <summary>The kebab-case name used in every output format: <c>vowel-swap</c>, <c>brand-keyword</c>.</summary>
    public static string Of(Technique technique) => technique switch
    {
        Technique.VowelSwap => "vowel-swap",
        Technique.BitFlip => "bit-flip",
        Technique.AsciiLookalike => "ascii-lookalike",
        Technique.TldSwap => "tld-swap",
        Technique.BrandKeyword => "brand-keyword",
        Technique.BrandSubdomain => "brand-subdomain",
        _ => technique.ToString().ToLowerInvariant(),
    };
}
