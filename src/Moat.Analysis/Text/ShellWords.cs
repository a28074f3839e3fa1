using System.Text;

namespace Moat.Analysis.Text;

/// <summary>One simple command of a command line: its words, and the operator that joins it to the next (<c>|</c>, <c>&amp;&amp;</c>, <c>;</c>, <c>&amp;</c> or empty).</summary>
public sealed record SimpleCommand(IReadOnlyList<string> Argv, string Next)
{
    /// <summary>The program's base name, lower case, without directory, quotes or .exe.</summary>
    public string Program => Argv.Count == 0 ? "" : ShellWords.BaseName(Argv[0]);
}

/// <summary>
/// A small tokenizer for command lines, shared by the code engine (<c>os.system</c> strings) and the workflow engine
/// (<c>run:</c> scripts): POSIX sh quoting (single quotes, double quotes, backslash), cmd (<c>^</c> escapes, double
/// quotes) and PowerShell (backtick escapes), the operators that join commands (<c>| || &amp;&amp; ; &amp;</c>,
/// newlines), and command substitution (<c>$(…)</c>), kept whole inside its word. It never runs anything.
/// </summary>
public static class ShellWords
{
    public const int MaxLength = 16 * 1024;

    /// <summary>Splits a command line into simple commands.</summary>
    public static List<SimpleCommand> Parse(string line)
    {
        var commands = new List<SimpleCommand>();
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        var text = line.Length > MaxLength ? line[..MaxLength] : line;
        void EndWord()
        {
            if (inWord) words.Add(word.ToString());
            word.Clear();
            inWord = false;
        }
        void EndCommand(string next)
        {
            EndWord();
            if (words.Count > 0) commands.Add(new SimpleCommand([.. words], next));
            else if (commands.Count > 0 && next.Length > 0) commands[^1] = commands[^1] with { Next = next };
            words.Clear();
        }
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case ' ' or '\t' or '\r':
                    EndWord();
                    break;
                case '\n':
                    EndCommand(";");
                    break;
                case '\'':
                {
                    var end = text.IndexOf('\'', i + 1);
                    if (end < 0) end = text.Length;
                    word.Append(text, i + 1, end - i - 1);
                    inWord = true;
                    i = end;
                    break;
                }
                case '"':
                {
                    inWord = true;
                    for (i++; i < text.Length && text[i] != '"'; i++)
                    {
                        if (text[i] is '\\' or '`' && i + 1 < text.Length && text[i + 1] is '"' or '\\' or '$' or '`') i++;
                        word.Append(text[i]);
                    }
                    break;
                }
                case '\\' when i + 1 < text.Length && text[i + 1] is ' ' or '"' or '\'' or '|' or '&' or ';' or '\\' or '$' or '\n':
                case '^' when i + 1 < text.Length && text[i + 1] is '|' or '&' or '^' or '<' or '>' or '"':
                case '`' when i + 1 < text.Length && text[i + 1] is '"' or '\'' or '`' or '$' or ' ':
                    i++;
                    if (text[i] != '\n') word.Append(text[i]);
                    inWord = true;
                    break;
                case '$' when i + 1 < text.Length && text[i + 1] == '(':
                {
                    // Command substitution: kept whole inside the word, so the outer command sees where it is.
                    var depth = 0;
                    var start = i;
                    for (; i < text.Length; i++)
                    {
                        if (text[i] == '(') depth++;
                        else if (text[i] == ')' && --depth == 0) break;
                    }
                    word.Append(text, start, Math.Min(i + 1, text.Length) - start);
                    inWord = true;
                    break;
                }
                case '|':
                    if (i + 1 < text.Length && text[i + 1] == '|') { EndCommand("||"); i++; }
                    else EndCommand("|");
                    break;
                case '&':
                    if (i + 1 < text.Length && text[i + 1] == '&') { EndCommand("&&"); i++; }
                    else if (i > 0 && text[i - 1] is '>' or '<' || i + 1 < text.Length && text[i + 1] == '>') { word.Append(c); inWord = true; } // 2>&1, &>
                    else EndCommand("&");
                    break;
                case ';':
                    EndCommand(";");
                    break;
                default:
                    word.Append(c);
                    inWord = true;
                    break;
            }
        }
        EndCommand("");
        return commands;
    }

    /// <summary>The program name a word names: lower case, without directory, quotes or an .exe/.cmd suffix.</summary>
    public static string BaseName(string word)
    {
        var w = word.Trim().Trim('"', '\'').ToLowerInvariant();
        w = w[(Math.Max(w.LastIndexOf('/'), w.LastIndexOf('\\')) + 1)..];
        foreach (var suffix in new[] { ".exe", ".cmd", ".bat", ".com" })
            if (w.EndsWith(suffix, StringComparison.Ordinal)) w = w[..^suffix.Length];
        return w;
    }

    /// <summary>-EncodedCommand's base64 of UTF-16LE text, decoded; null when it is not that.</summary>
    public static string? DecodePowerShell(string encoded)
    {
        var text = encoded.Trim().Trim('"', '\'');
        if (text.Length < 8 || text.Length > MaxLength) return null;
        try
        {
            var bytes = Convert.FromBase64String(text);
            if (bytes.Length < 4 || bytes.Length % 2 != 0) return null;
            var decoded = Encoding.Unicode.GetString(bytes);
            return decoded.All(c => c is '\t' or '\n' or '\r' || c >= ' ' && c < 0x7F) ? decoded : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
