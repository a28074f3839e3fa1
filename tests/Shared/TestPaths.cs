namespace Moat.Testing;

/// <summary>Where the repository, its fixtures and the workplace's shared data are, wherever the tests run from.</summary>
internal static class TestPaths
{
    /// <summary>The repository root: the directory holding Moat.slnx.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>The repository's <c>data/</c>: the corpora embedded in the binary. Tests read nothing outside the repository.</summary>
    public static string Data(params string[] parts) => Path.Combine([RepositoryRoot, "data", .. parts]);

    public static string Fixtures(params string[] parts) => Path.Combine([RepositoryRoot, "tests", "fixtures", .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Moat.slnx"))) return dir.FullName;
        }
        throw new InvalidOperationException("Moat.slnx not found above " + AppContext.BaseDirectory);
    }
}
