using Moat.Analysis.Text;

namespace Moat.Analysis.Names;

/// <summary>
/// How natural a slip turns the target into the candidate: a weighted edit distance whose costs follow how people
/// mistype. A doubled letter, a plural <c>s</c> or a version digit at a word's end, two neighbouring letters swapped,
/// a neighbouring key or a vowel for a vowel cost little; a random letter inserted or replaced costs a full edit, and
/// any slip on a word's first letter costs more (people type the start of a word with care). Two cheap slips in a
/// long name are a likelier squat than one random letter in a short one, so the score weighs this cost, not the count.
/// </summary>
internal static class TypoCost
{
    public const double Doubled = 0.35;          // 'reequests', 'pilow' (one of a double letter dropped)
    public const double WordEndLetter = 0.35;    // plural s or a version digit added or dropped at a word's end
    public const double Swap = 0.45;             // 'reqeusts'
    public const double NeighbourKey = 0.5;      // 'requedts'
    public const double VowelForVowel = 0.55;    // 'colaroma'
    public const double Omission = 0.6;          // 'requsts'
    public const double Insertion = 0.75;        // 'requestes'
    public const double Substitution = 1.0;      // 'reqxests'
    public const double FirstLetterExtra = 0.4;  // any slip on a word's first letter

    /// <summary>The cheapest way from <paramref name="target"/> to <paramref name="candidate"/> (normalized names), at most <paramref name="max"/> edits; null when farther.</summary>
    public static double? Cost(string candidate, string target, int max = 2)
    {
        int n = candidate.Length, m = target.Length;
        if (Math.Abs(n - m) > max || n > NameForms.MaxEditLength || m > NameForms.MaxEditLength) return null;
        // cost[i, j]: candidate[..i] from target[..j]; edits[i, j]: how many edits that path uses.
        var cost = new double[n + 1, m + 1];
        var edits = new int[n + 1, m + 1];
        for (var i = 0; i <= n; i++)
        {
            for (var j = 0; j <= m; j++)
            {
                if (i == 0 && j == 0) continue;
                var best = double.MaxValue;
                var bestEdits = 0;
                void Offer(double value, int count)
                {
                    if (value < best || value == best && count < bestEdits) (best, bestEdits) = (value, count);
                }
                if (i > 0 && j > 0 && candidate[i - 1] == target[j - 1]) Offer(cost[i - 1, j - 1], edits[i - 1, j - 1]);
                if (i > 0 && j > 0 && candidate[i - 1] != target[j - 1])
                    Offer(cost[i - 1, j - 1] + SubstitutionCost(candidate[i - 1], target[j - 1]) + FirstLetter(target, j - 1), edits[i - 1, j - 1] + 1);
                if (i > 0) Offer(cost[i - 1, j] + InsertionCost(candidate, i - 1) + FirstLetter(target, j), edits[i - 1, j] + 1);
                if (j > 0) Offer(cost[i, j - 1] + OmissionCost(target, j - 1) + FirstLetter(target, j - 1), edits[i, j - 1] + 1);
                if (i > 1 && j > 1 && candidate[i - 1] == target[j - 2] && candidate[i - 2] == target[j - 1] && candidate[i - 1] != candidate[i - 2])
                    Offer(cost[i - 2, j - 2] + Swap + FirstLetter(target, j - 2), edits[i - 2, j - 2] + 1);
                cost[i, j] = best;
                edits[i, j] = bestEdits;
            }
        }
        return edits[n, m] <= max ? cost[n, m] : null;
    }

    /// <summary>A weight in (0, 1] for two slips of total <paramref name="cost"/>: two cheap slips (≤ 0.8) weigh fully, two random ones about a third.</summary>
    public static double TwoEditWeight(double cost) => Math.Clamp(1.3 - 0.5 * cost, 0.25, 1.0);

    private static bool IsVowel(char c) => c is 'a' or 'e' or 'i' or 'o' or 'u' or 'y';

    private static double SubstitutionCost(char typed, char meant) =>
        typed == '-' || meant == '-' ? Substitution
        : KeyboardNeighbours.AreNeighbours(typed, meant) ? NeighbourKey
        : IsVowel(typed) && IsVowel(meant) ? VowelForVowel
        : char.IsAsciiDigit(typed) && char.IsAsciiDigit(meant) ? WordEndLetter
        : Substitution;

    /// <summary>Inserting <c>candidate[at]</c>: cheap when it doubles its neighbour or is a plural s / digit ending a word; a separator is cheap too.</summary>
    private static double InsertionCost(string candidate, int at)
    {
        var c = candidate[at];
        if (c == '-') return WordEndLetter;
        if (at > 0 && candidate[at - 1] == c || at + 1 < candidate.Length && candidate[at + 1] == c) return Doubled;
        if ((c == 's' || char.IsAsciiDigit(c)) && (at + 1 == candidate.Length || candidate[at + 1] == '-')) return WordEndLetter;
        return Insertion;
    }

    /// <summary>Dropping <c>target[at]</c>: cheap when it was doubled, a separator, or a plural s / digit ending a word.</summary>
    private static double OmissionCost(string target, int at)
    {
        var c = target[at];
        if (c == '-') return WordEndLetter;
        if (at > 0 && target[at - 1] == c || at + 1 < target.Length && target[at + 1] == c) return Doubled;
        if ((c == 's' || char.IsAsciiDigit(c)) && (at + 1 == target.Length || target[at + 1] == '-')) return WordEndLetter;
        return Omission;
    }

    /// <summary>The extra cost of a slip at <paramref name="at"/> when that is the first letter of one of the target's words.</summary>
    private static double FirstLetter(string target, int at) => at < target.Length && (at == 0 || target[at - 1] == '-') && target[at] != '-' ? FirstLetterExtra : 0;
}
