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
    public void An_archive_that_cannot_be_read_in_a_directory_stops_the_run_with_one_line_not_a_crash()
    {
        var dir = Directory.CreateTempSubdirectory("moat-scan-unreadable-");
        try
        {
            File.Copy(Directory.GetFiles(Rules("MOAT-PKG-001", "safe"))[0], Path.Combine(dir.FullName, "a-1.0.tar.gz"));
            // Listed as an archive, gone when opened: the scans run in parallel, and what one throws came out wrapped.
            var dangling = Path.Combine(dir.FullName, "b-1.0.tar.gz");
            File.CreateSymbolicLink(dangling, Path.Combine(dir.FullName, "missing", "b-1.0.tar.gz"));
            var (exit, output, error) = CliTests.Run("scan", dir.FullName, "--format", "json");
            Assert.Equal(ExitCodes.InputError, exit);
            Assert.Equal("", output);
            Assert.StartsWith($"moat: cannot read {dangling}: ", error, StringComparison.Ordinal);
            Assert.Single(error.TrimEnd().Split('\n'));
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public void Input_that_is_not_a_package_is_an_input_error_with_one_clear_line()
    {
        var dir = Directory.CreateTempSubdirectory("moat-scan-input-");
        try
        {
            var noise = new byte[4096];
            new Random(11).NextBytes(noise);
            noise[0] = 0;
            var gz = Path.Combine(dir.FullName, "x.tar.gz");
            File.WriteAllBytes(gz, noise);
            var elf = Path.Combine(dir.FullName, "ls");
            File.WriteAllBytes(elf, [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, .. new byte[1024]]);
            var empty = dir.CreateSubdirectory("empty").FullName;

            foreach (var (target, expected) in new[] { (gz, "not a gzip/tar archive"), (elf, "an ELF executable, not a package"), (empty, "empty directory") })
            {
                var (exit, output, error) = CliTests.Run("scan", target, "--format", "json");
                Assert.Equal(2, exit);
                Assert.Equal("", output);
                Assert.StartsWith($"moat: {target}: {expected}", error, StringComparison.Ordinal);
                Assert.Single(error.TrimEnd().Split('\n'));
            }
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public void A_truncated_package_is_unverified_and_fails_like_a_high_finding()
    {
        var broken = Directory.GetFiles(Rules("MOAT-PKG-010", "vulnerable"))[0];
        var (exit, output, _) = CliTests.Run("scan", broken, "--format", "json");
        Assert.Equal(1, exit);
        using var json = JsonDocument.Parse(output);
        var result = json.RootElement.GetProperty("results")[0];
        Assert.Equal("unverified", result.GetProperty("verdict").GetString());
        Assert.Contains(result.GetProperty("findings").EnumerateArray(), f => f.GetProperty("rule").GetString() == "MOAT-PKG-010");

        Assert.Equal(0, CliTests.Run("scan", broken, "--fail-on", "critical").Exit);
        var (textExit, text, _) = CliTests.Run("scan", broken);
        Assert.Equal(1, textExit);
        Assert.StartsWith("UNVERIFIED", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_path_is_an_input_error()
    {
        var (exit, _, error) = CliTests.Run("scan", "/nonexistent/pkg.tar.gz");
        Assert.Equal(2, exit);
        Assert.Contains("no such file", error, StringComparison.Ordinal);
    }
}
