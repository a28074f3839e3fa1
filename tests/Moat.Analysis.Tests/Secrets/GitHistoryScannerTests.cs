using System.Diagnostics;
using Moat.Analysis.Secrets;

namespace Moat.Analysis.Tests.Secrets;

/// <summary>Runs the real git on a throw-away repository.</summary>
public sealed class GitHistoryScannerTests : IDisposable
{
    private readonly string _repo = Directory.CreateTempSubdirectory("moat-history-").FullName;

    public void Dispose()
    {
        foreach (var file in Directory.EnumerateFiles(_repo, "*", SearchOption.AllDirectories)) File.SetAttributes(file, FileAttributes.Normal);
        Directory.Delete(_repo, recursive: true);
    }

    private void Git(params string[] args)
    {
        var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["-C", _repo, "-c", "user.name=Moat Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", .. args])
            start.ArgumentList.Add(arg);
        using var git = Process.Start(start)!;
        git.StandardOutput.ReadToEnd();
        var error = git.StandardError.ReadToEnd();
        git.WaitForExit();
        Assert.True(git.ExitCode == 0, error);
    }

    [Fact]
    public void A_secret_removed_from_the_tree_is_still_found_in_history_once()
    {
        var fake = new FakeSecrets(7);
        var token = fake.GitHubToken();
        Git("init", "-q");
        File.WriteAllText(Path.Combine(_repo, "README.md"), "# project\n");
        Git("add", "-A");
        Git("commit", "-q", "-m", "init");
        File.WriteAllText(Path.Combine(_repo, "deploy.sh"), $"#!/bin/sh\n# deploy\nexport GH_TOKEN={token}\n./release\n");
        Git("add", "-A");
        Git("commit", "-q", "-m", "add deploy");
        File.WriteAllText(Path.Combine(_repo, "deploy.sh"), "#!/bin/sh\n# deploy\nexport GH_TOKEN=\"$DEPLOY_TOKEN\"\n./release\n");
        Git("commit", "-q", "-am", "use env");

        Assert.Empty(SecretScanner.ScanPath(_repo));
        var scan = GitHistoryScanner.Scan(_repo, new SecretScanOptions());
        Assert.Equal(3, scan.Commits);
        Assert.False(scan.Truncated);
        var (target, findings) = Assert.Single(scan.Results);
        Assert.EndsWith(":deploy.sh", target);
        var finding = Assert.Single(findings).Finding;
        Assert.Equal(GitHubTokenDetector.Rule.Id, finding.RuleId);
        Assert.Equal(3, finding.Location.Line); // the line in the commit that added it
        Assert.Contains("added in commit", finding.Message);
    }

    [Fact]
    public void History_reading_is_bounded()
    {
        Git("init", "-q");
        File.WriteAllText(Path.Combine(_repo, "big.txt"), string.Concat(Enumerable.Repeat("line of text\n", 5000)));
        Git("add", "-A");
        Git("commit", "-q", "-m", "big");
        var scan = GitHistoryScanner.Scan(_repo, new SecretScanOptions(), new GitHistoryScanner.HistoryOptions(MaxBytes: 10_000));
        Assert.True(scan.Truncated);
    }

    [Fact]
    public void Not_a_repository_is_a_clear_error()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => GitHistoryScanner.Scan(_repo, new SecretScanOptions()));
        Assert.Contains("git log failed", ex.Message);
    }
}
