using Moat.Analysis.Code;
using Xunit.Abstractions;

namespace Moat.Analysis.Tests.Code;

/// <summary>
/// False positives on real, popular code: the wheels Debian ships (pip, setuptools, wheel; .ci/run installs them) must
/// come out clean. They are large, old and full of the things Moat looks at — subprocess, urllib, exec of setup.py,
/// .pypirc, the Windows registry, getattr plugin loading, a .pth file — which is exactly why they are the test.
/// </summary>
public class RealPackageTests(ITestOutputHelper output)
{
    private const string WheelDirectory = "/usr/share/python-wheels";

    public static TheoryData<string> Wheels()
    {
        var data = new TheoryData<string>();
        foreach (var project in new[] { "pip", "setuptools", "wheel" })
        {
            var found = Directory.Exists(WheelDirectory) ? Directory.GetFiles(WheelDirectory, project + "-*.whl") : [];
            // A missing wheel is a missing test dependency, not a pass: the test fails with how to install it.
            data.Add(found.Length > 0 ? found[0] : Path.Combine(WheelDirectory, $"{project}-MISSING (apt-get install python3-{project}-whl).whl"));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Wheels))]
    public void Debian_wheels_are_clean(string wheel)
    {
        Assert.True(File.Exists(wheel), $"{wheel} not found");
        var result = PackageScanner.Scan(wheel);
        foreach (var f in result.Findings.Where(f => f.Severity >= Severity.Low))
            output.WriteLine($"{f.RuleId} {f.Severity}/{f.Confidence} {f.Location.Path}:{f.Location.Line} {f.Message}");
        Assert.True(result.Verdict == Verdict.Clean, $"{Path.GetFileName(wheel)} judged {result.Verdict} (score {result.Score})");
        // Clean by a margin, not by a hair: no single finding above low weight.
        Assert.DoesNotContain(result.Findings, f => f.Severity >= Severity.High && f.Confidence >= Confidence.Medium);
        Assert.True(result.Findings.Count > 0, "the scan saw the code (capability notes are expected in pip/setuptools)");
    }
}
