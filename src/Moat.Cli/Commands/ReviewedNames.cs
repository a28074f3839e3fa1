using Moat.Analysis;
using Moat.Analysis.Names;

namespace Moat.Cli.Commands;

/// <summary>
/// The reviewed names <c>moat check</c> and <c>moat audit</c> accept: <c>--allow-file FILE</c> (an allow TOML, see
/// <see cref="AllowFile"/>) or, when none is given, <c>.moat/allow.toml</c> in the current directory. An allowed name
/// is not reported; a note on stderr says who allowed it and why, so the exception stays visible.
/// </summary>
internal sealed class ReviewedNames(IReadOnlyDictionary<string, AllowedName> entries, TextWriter notes)
{
    public static readonly ReviewedNames None = new(new Dictionary<string, AllowedName>(), TextWriter.Null);

    public IReadOnlyDictionary<string, AllowedName> Entries => entries;

    /// <summary>The allow TOML at <paramref name="file"/>, or the default one when it exists; <see cref="None"/> otherwise.</summary>
    public static ReviewedNames Load(FileInfo? file, TextWriter notes)
    {
        var path = file?.FullName ?? (File.Exists(AllowFile.DefaultPath) ? Path.GetFullPath(AllowFile.DefaultPath) : null);
        if (path is null) return None;
        try
        {
            return new ReviewedNames(AllowFile.Load(path), notes);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new CliInputException($"cannot read the allow file {path}: {ex.Message}", ex);
        }
    }

    /// <summary>True when <paramref name="name"/> was reviewed and accepted; says by whom on the notes writer.</summary>
    public bool Allows(string name)
    {
        if (!Moat.Packaging.ProjectName.IsValid(name) || !entries.TryGetValue(Moat.Packaging.ProjectName.Normalize(name), out var entry)) return false;
        notes.WriteLine($"note: {entry.Describe()}");
        return true;
    }

    /// <summary>A name check that skips reviewed names.</summary>
    public Func<string, IReadOnlyList<Finding>> Wrap(Func<string, IReadOnlyList<Finding>> check) =>
        entries.Count == 0 ? check : name => Allows(name) ? [] : check(name);
}
