using Moat.Packaging;

namespace Moat.Analysis.Names;

/// <summary>
/// Brand words squatters target though the brand's own PyPI project is not popular (data/brand-names.tsv: crypto,
/// cloud, AI and chat brands, and the word <c>python</c>; sourced and dated in the file). They join the corpus as
/// targets without a download rank, so a name a slip or two from one (<c>etheerium</c>, <c>pytgon</c>,
/// <c>oopensea</c>) is reported against the brand.
/// </summary>
internal static class BrandWords
{
    private static readonly Lazy<IReadOnlyList<string>> EmbeddedList = new(() =>
    {
        using var stream = typeof(BrandWords).Assembly.GetManifestResourceStream("Moat.Data.brand-names.tsv")
            ?? throw new InvalidOperationException("embedded brand-names.tsv is missing");
        using var reader = new StreamReader(stream);
        var brands = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var word = line.Split('\t')[0].Trim();
            if (word != "brand" && ProjectName.IsValid(word)) brands.Add(ProjectName.Normalize(word));
        }
        return brands;
    });

    /// <summary>The embedded brand words, normalized.</summary>
    public static IReadOnlyList<string> Embedded => EmbeddedList.Value;
}
