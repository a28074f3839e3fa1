namespace Moat.Analysis.Domains.Generation;

/// <summary>The classic slips of the hand on one label: a character added, dropped, doubled, swapped, a vowel
/// mistaken, a hyphen or a dot slipped in, a plural.</summary>
public static class TypoTechniques
{
    private const string LabelCharacters = "abcdefghijklmnopqrstuvwxyz0123456789";
    private const string Vowels = "aeiou";

    /// <summary>A letter or digit appended: <c>pypia</c>, <c>pypi1</c>.</summary>
    public static IEnumerable<LabelVariant> Addition(string label)
    {
        foreach (var c in LabelCharacters) yield return new(label + c, $"+{c}");
    }

    /// <summary>One character dropped: <c>ppi</c>, <c>pyi</c>.</summary>
    public static IEnumerable<LabelVariant> Omission(string label)
    {
        for (var i = 0; i < label.Length; i++) yield return new(label.Remove(i, 1), $"-{label[i]}@{i}");
    }

    /// <summary>One character doubled: <c>ppypi</c>, <c>pyppi</c>.</summary>
    public static IEnumerable<LabelVariant> Repetition(string label)
    {
        for (var i = 0; i < label.Length; i++)
        {
            if (label[i] != '-') yield return new(label.Insert(i, label[i].ToString()), $"{label[i]}{label[i]}@{i}");
        }
    }

    /// <summary>Two neighbouring characters swapped: <c>ypypi</c>, <c>ppyi</c>.</summary>
    public static IEnumerable<LabelVariant> Transposition(string label)
    {
        for (var i = 0; i + 1 < label.Length; i++)
        {
            if (label[i] == label[i + 1]) continue;
            var chars = label.ToCharArray();
            (chars[i], chars[i + 1]) = (chars[i + 1], chars[i]);
            yield return new(new string(chars), $"{label[i]}{label[i + 1]}→{label[i + 1]}{label[i]}");
        }
    }

    /// <summary>A vowel replaced by another: <c>pypa</c>, <c>pype</c>.</summary>
    public static IEnumerable<LabelVariant> VowelSwap(string label)
    {
        for (var i = 0; i < label.Length; i++)
        {
            if (!Vowels.Contains(label[i])) continue;
            foreach (var vowel in Vowels)
            {
                if (vowel != label[i]) yield return new(string.Concat(label.AsSpan(0, i), [vowel], label.AsSpan(i + 1)), $"{label[i]}→{vowel}");
            }
        }
    }

    /// <summary>A hyphen between two characters: <c>py-pi</c>.</summary>
    public static IEnumerable<LabelVariant> Hyphenation(string label)
    {
        for (var i = 1; i < label.Length; i++)
        {
            if (label[i - 1] != '-' && label[i] != '-') yield return new(label.Insert(i, "-"), $"-@{i}");
        }
    }

    /// <summary>The label made plural: <c>pypis</c>, <c>pypies</c>.</summary>
    public static IEnumerable<LabelVariant> Plural(string label)
    {
        yield return new(label + "s", "+s");
        yield return new(label + "es", "+es");
    }

    /// <summary>A dot inside the label, so the brand spans a subdomain and the registrable label: <c>py.pi.org</c>.</summary>
    public static IEnumerable<LabelVariant> Subdomain(string label)
    {
        for (var i = 1; i < label.Length; i++)
        {
            if (label[i - 1] != '-' && label[i] != '-') yield return new(label.Insert(i, "."), $".@{i}");
        }
    }
}
