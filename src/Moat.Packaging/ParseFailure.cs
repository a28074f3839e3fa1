namespace Moat.Packaging;

/// <summary>The failing exit of the <c>TryParse(text, out result, out error)</c> methods: one line per reason instead of an assignment and a return.</summary>
internal static class ParseFailure
{
    public static bool Fail(out string error, string message)
    {
        error = message;
        return false;
    }
}
