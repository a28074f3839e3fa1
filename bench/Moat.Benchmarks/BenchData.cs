namespace Moat.Benchmarks;

/// <summary>Locates the workplace's shared data (../shared/data beside the repository) for benchmarks.</summary>
public static class BenchData
{
    public static string SharedData { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "..", "shared", "data");
            if (File.Exists(Path.Combine(dir.FullName, "Moat.slnx")) && Directory.Exists(candidate)) return Path.GetFullPath(candidate);
        }
        throw new DirectoryNotFoundException("../shared/data not found beside the repository");
    }
}
