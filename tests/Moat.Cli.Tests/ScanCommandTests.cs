using System.Text.Json;
using Moat.Testing;

namespace Moat.Cli.Tests;

public class ScanCommandTests
{
    private static string Rules(params string[] parts) => TestPaths.Fixtures(["code", "rules", .. parts]);

    [Fact]
    public void Malicious_package_fails_with_json_findings()
    {
        var (exit, output, _) = CliTests.Run("scan", Rules("MOAT-CODE-020", "vulnerable-fernet"), "--format", "json");
        Assert.Equal(1, exit);
        using var json = JsonDocument.Parse(output);
        var result = json.RootElement.GetProperty("results")[0];
        Assert.Equal("malicious", result.GetProperty("verdict").GetString());
        Assert.Contains(result.GetProperty("findings").EnumerateArray(), f => f.GetProperty("rule").GetString() == "MOAT-CODE-020");
    }

    [Fact]
    public void Clean_package_exits_zero_and_directory_of_archives_gives_one_result_each()
    {
        var dir = Directory.CreateTempSubdirectory("moat-scan-");
        try
        {
            File.Copy(Directory.GetFiles(Rules("MOAT-PKG-001", "safe"))[0], Path.Combine(dir.FullName, "a-1.0.tar.gz"));
            File.Copy(Directory.GetFiles(Rules("MOAT-PKG-005", "safe"))[0], Path.Combine(dir.FullName, "b-1.0.tar.gz"));
            var (exit, output, _) = CliTests.Run("scan", dir.FullName, "--format", "json");
            Assert.Equal(0, exit);
            using var json = JsonDocument.Parse(output);
            Assert.Equal(2, json.RootElement.GetProperty("results").GetArrayLength());
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public void Missing_path_is_an_input_error()
    {
        var (exit, _, error) = CliTests.Run("scan", "/nonexistent/pkg.tar.gz");
        Assert.Equal(2, exit);
        Assert.Contains("no such file", error, StringComparison.Ordinal);
    }
}
