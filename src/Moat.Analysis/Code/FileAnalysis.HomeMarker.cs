using System.Text.RegularExpressions;

namespace Moat.Analysis.Code;

/// <summary>
/// Files and folders that install-time code leaves directly in the user's home folder or on their Desktop, Documents
/// or Downloads: proof-of-execution markers and drops. Builds write under the build tree; tools that keep settings in
/// the home folder use a dot-folder (~/.config/tool, ~/.tool), which is not counted here.
/// </summary>
internal sealed partial class FileAnalysis
{
    private void CheckInstallHomeWrite(string? name, IReadOnlyList<Value> args, int line)
    {
        if (_context != CodeContext.InstallTime || name is not ("os.mkdir" or "os.makedirs") || args.Count == 0) return;
        if (args[0].KnownText is { } folder) NoteInstallHomeWrite(folder, line);
    }

    private void NoteInstallHomeWrite(string path, int line)
    {
        if (_context != CodeContext.InstallTime || !UserFolderPattern().IsMatch(path.Replace('\\', '/'))) return;
        Emit(ThreatRules.InstallHomeWrite, Confidence.Medium, $"A file or folder is created in the user's home folder while the package installs: {Redact(path)}", line);
    }

    /// <summary>
    /// A path directly in a home folder (~, /home/NAME, /Users/NAME, C:/Users/NAME; not a dot-entry) or anywhere under
    /// its Desktop, Documents or Downloads; NAME may be unknown to Moat (a {} placeholder for os.getlogin()).
    /// </summary>
    [GeneratedRegex(@"^(?:~|(?:[a-z]:)?/(?:home|users)/[^/]+)/(?:(?:desktop|documents|downloads)/.|[^/.{][^/]*$)", RegexOptions.IgnoreCase)]
    private static partial Regex UserFolderPattern();
}
