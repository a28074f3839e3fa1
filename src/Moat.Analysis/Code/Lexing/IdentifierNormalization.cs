using System.Text;

namespace Moat.Analysis.Code;

/// <summary>
/// Python reads identifiers in NFKC form (PEP 3131): <c>𝘳𝘦𝘲𝘶𝘦𝘴𝘵𝘴.get</c>, written in mathematical italic letters,
/// is <c>requests.get</c> to the interpreter. Malware uses such letters so that scanners matching names see nothing.
/// This folds runs of non-ASCII letters and digits that NFKC maps to ASCII back to their ASCII form before the lexer
/// runs, keeping line breaks where they are.
/// </summary>
internal static class IdentifierNormalization
{
    public static string Normalize(string text)
    {
        if (!NeedsWork(text)) return text;
        var builder = new StringBuilder(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c < 128 || !(char.IsLetterOrDigit(c) || char.IsSurrogate(c)))
            {
                builder.Append(c);
                i++;
                continue;
            }
            var start = i;
            while (i < text.Length && text[i] >= 128 && (char.IsLetterOrDigit(text[i]) || char.IsSurrogate(text[i]))) i++;
            var run = text[start..i];
            string folded;
            try { folded = run.Normalize(NormalizationForm.FormKC); }
            catch (ArgumentException) { folded = run; } // a lone surrogate
            // Only what becomes plain ASCII is folded: other scripts stay as written.
            builder.Append(folded.All(char.IsAscii) ? folded : run);
        }
        return builder.ToString();
    }

    /// <summary>Mathematical alphanumerics (U+1D400–1D7FF, high surrogate D835) or fullwidth letters and digits.</summary>
    private static bool NeedsWork(string text)
    {
        // Vectorized searches: this runs over every byte of source a scan reads, and almost all of it is ASCII.
        var span = text.AsSpan();
        return !System.Text.Ascii.IsValid(span) && (span.Contains('\uD835') || span.ContainsAnyInRange('\uFF10', '\uFF5A'));
    }
}
