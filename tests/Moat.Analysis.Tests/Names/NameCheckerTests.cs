using Moat.Analysis.Names;

namespace Moat.Analysis.Tests.Names;

/// <summary>Real typosquats (public reports: SK-CSIRT 2017, jeIlyfish/python3-dateutil 2019, requests-darwin-lite 2024…) and the technique that must catch each.</summary>
public class NameCheckerTests
{
    private static readonly NameChecker Checker = NameChecker.Default;

    [Theory]
    [InlineData("reqeusts", NameTechnique.SwappedCharacters, "requests")]
    [InlineData("colourama", NameTechnique.InsertedCharacter, "colorama")]   // British spelling too, but the inserted u scores higher
    [InlineData("termcolours", NameTechnique.SpellingVariant, "termcolor")]  // ... plus a plural s
    [InlineData("tokeniser", NameTechnique.SpellingVariant, "tokenizers")]
    [InlineData("pilow", NameTechnique.OmittedCharacter, "pillow")]
    [InlineData("urlib3", NameTechnique.OmittedCharacter, "urllib3")]
    [InlineData("reequests", NameTechnique.RepeatedCharacter, "requests")]
    [InlineData("requedts", NameTechnique.KeyboardNeighbour, "requests")]    // s/d neighbours on every layout
    [InlineData("djanga", NameTechnique.SubstitutedCharacter, "django")]     // a vowel for a vowel (o/a is a spelling slip, not a lookalike)
    [InlineData("dj4ngo", NameTechnique.AsciiLookalike, "django")]           // a digit for a letter reads alike
    [InlineData("cryptogrpahy", NameTechnique.SwappedCharacters, "cryptography")]
    [InlineData("tensorfolw", NameTechnique.SwappedCharacters, "tensorflow")]
    [InlineData("beautifulsop4", NameTechnique.OmittedCharacter, "beautifulsoup4")]
    [InlineData("matplotlibb", NameTechnique.RepeatedCharacter, "matplotlib")]
    [InlineData("requestr", NameTechnique.BitFlip, "requests")]              // s 0x73 → r 0x72
    [InlineData("scikitlearm", NameTechnique.TwoEdits, "scikit-learn")]      // separator dropped and n→m: two edits on an 11-letter word
    [InlineData("jeIlyfish", NameTechnique.UltranormalizedCollision, "jellyfish")]
    [InlineData("rnatplotlib", NameTechnique.AsciiLookalike, "matplotlib")]
    [InlineData("setup-tools", NameTechnique.SeparatorConfusion, "setuptools")]
    [InlineData("pythondateutil", NameTechnique.SeparatorConfusion, "python-dateutil")]
    [InlineData("dateutil-python", NameTechnique.PythonAffix, "python-dateutil")]
    [InlineData("python3-dateutil", NameTechnique.PythonAffix, "python-dateutil")]
    [InlineData("python-requests", NameTechnique.PythonAffix, "requests")]
    [InlineData("request", NameTechnique.PluralSingular, "requests")]
    [InlineData("requests3", NameTechnique.VersionSuffix, "requests")]
    [InlineData("requests-darwin-lite", NameTechnique.Combosquat, "requests")]
    [InlineData("colorama-fix", NameTechnique.Combosquat, "colorama")]
    [InlineData("new-requests", NameTechnique.Combosquat, "requests")]
    [InlineData("crypt", NameTechnique.StdlibShadowing, "crypt")]
    [InlineData("python-sqlite", NameTechnique.StdlibShadowing, "sqlite3")]
    [InlineData("yaml", NameTechnique.ImportNameTrap, "pyyaml")]
    [InlineData("cv2", NameTechnique.ImportNameTrap, "opencv-python")]
    [InlineData("dateutil", NameTechnique.ImportNameTrap, "python-dateutil")]
    [InlineData("skimage", NameTechnique.ImportNameTrap, "scikit-image")]
    [InlineData("PIL", NameTechnique.ImportNameTrap, "pillow")]
    [InlineData("seleenim", NameTechnique.TwoEdits, "selenium")]             // two cheap slips (doubled e, dropped u) on an 8-letter name
    [InlineData("requst", NameTechnique.TwoEdits, "requests")]               // a dropped letter and a dropped plural s
    [InlineData("beautifulsooup", NameTechnique.RepeatedCharacter, "beautifulsoup")] // weighed as beautifulsoup4, the same project to its users
    [InlineData("pytorhc", NameTechnique.SwappedCharacters, "pytorch")]      // weighed as torch
    [InlineData("reqests-2022", NameTechnique.TypoWithAffix, "requests")]    // a dropped letter and a year
    [InlineData("request91", NameTechnique.TypoWithAffix, "requests")]       // a dropped plural s and a number
    [InlineData("reqeusts-py", NameTechnique.TypoWithAffix, "requests")]     // a swap and a py word
    [InlineData("etheerium", NameTechnique.TwoEdits, "ethereum")]            // a brand word (data/brand-names.tsv), not a popular project
    [InlineData("pytgon", NameTechnique.KeyboardNeighbour, "python")]        // the word python itself
    [InlineData("py-cordd", NameTechnique.RepeatedCharacter, "py-cord")]     // judged on "pycord", not on the 4-letter word
    [InlineData("r\u0435quests", NameTechnique.UnicodeConfusable, "requests")] // Cyrillic е
    [InlineData("\uFF52\uFF45\uFF51\uFF55\uFF45\uFF53\uFF54\uFF53", NameTechnique.UnicodeConfusable, "requests")] // fullwidth
    public void Known_squat_is_caught_by_its_technique_and_is_at_least_suspicious(string name, NameTechnique technique, string target)
    {
        var best = Assert.Single(Checker.Matches(name).Take(1));
        Assert.Equal(target, best.Target);
        Assert.Equal(technique, best.Technique);
        var result = Checker.CheckName(name);
        Assert.NotEqual(Verdict.Clean, result.Verdict);
        var finding = result.Findings[0];
        Assert.Contains(target, finding.Message);
        Assert.Contains(technique.Label(), finding.Message);
        Assert.Contains($"target={target}", finding.Evidence);
        Assert.Contains("score=", finding.Evidence);
    }

    [Fact]
    public void A_versionless_or_pyless_name_is_weighed_as_its_popular_form_and_says_so()
    {
        var match = Checker.Matches("pytorhc")[0];
        Assert.Equal("pytorch", match.Target);
        Assert.Contains("weighed as 'torch'", match.Detail);
        Assert.True(match.Score >= 0.6, $"{match.Score}"); // pytorch itself ranks beyond 8,000, which alone would keep it below suspicious
    }

    [Theory]
    [InlineData("jeIlyfish")]
    [InlineData("rnatplotlib")]
    [InlineData("r\u0435quests")]
    public void Visually_identical_names_are_malicious(string name) =>
        Assert.Equal(Verdict.Malicious, Checker.CheckName(name).Verdict);

    [Theory]
    [InlineData("requests")]
    [InlineData("numpy")]
    [InlineData("boto")]                  // boto3's ancestor: two popular names are not squats of each other
    [InlineData("boto3")]
    [InlineData("pyaml")]                 // pyyaml's neighbour, popular in its own right
    [InlineData("pyjwt")]
    [InlineData("urllib3")]
    [InlineData("flask-login")]
    [InlineData("django-foo")]            // plugin naming: a different word, not a typo of django-fsm
    [InlineData("mypy-boto3-xyz")]        // the mypy-boto3-* family differs in short service words
    [InlineData("pytest-requests")]       // plugin naming, not two squats
    [InlineData("zzz-unrelated-project-name")]
    [InlineData("acme-billing-service")]
    [InlineData("right")]                 // a glued py prefix is too weak for pyright; one key from "eight" (rank 11,399) stays low
    [InlineData("dotenv")]                // python-dotenv's import name, but a popular project itself (rank 1,332)
    [InlineData("ward")]                  // n/r: ordinary letters that only resemble each other (wand)
    [InlineData("pyclear")]               // pyclean
    [InlineData("esprimo")]               // esprima
    [InlineData("py-keycloak")]           // a py variant of a project outside the top 100 (python-keycloak)
    [InlineData("holidays-plus")]         // a plugin-style name for a project outside the top 100
    [InlineData("watchdogv2")]            // the affix is "v2", not a slip at the end of watchdog
    [InlineData("django-o365")]           // the affix is "o365", not a doubled o in django
    [InlineData("fastapi-x402")]
    [InlineData("colour")]                // British spelling, popular itself (color is not)
    [InlineData("colour-tools")]          // British spelling of a name nobody popular has
    public void Legitimate_name_stays_clean(string name)
    {
        var result = Checker.CheckName(name);
        Assert.True(result.Verdict == Verdict.Clean, $"{name}: {string.Join(" | ", result.Findings.Select(f => f.Message))}");
    }

    [Fact]
    public void Top_1000_names_checked_against_each_other_raise_nothing_suspicious_but_curated_import_traps()
    {
        var flagged = PopularCorpus.Embedded.Projects.Take(1000)
            .Select(p => (p.Name, Matches: Checker.Matches(p.Name)))
            .Where(r => r.Matches is [{ Score: >= 0.4 }, ..])
            .ToList();
        // A popular name is capped by the popularity gap (NameScorer.GapFactor), so pairs such as boto/boto3,
        // pyyaml/pyaml, jwt/pyjwt or typing/typing-extensions stay below "suspicious". The exception is a curated
        // import-name trap (bs4): its downloads come from people typing the import name, so its popularity is no alibi.
        Assert.All(flagged, f => Assert.Equal(NameTechnique.ImportNameTrap, f.Matches[0].Technique));
        Assert.Equal(["bs4"], flagged.Select(f => f.Name));
    }

    [Theory]
    [InlineData("typing")]   // a stdlib module one edit from a more popular package
    [InlineData("argparse")]
    public void Popular_names_near_a_more_popular_one_report_only_low_findings_and_stay_clean(string name)
    {
        // The popularity gap caps the finding: it is shown, and the verdict does not change.
        var result = Checker.CheckName(name);
        Assert.NotEmpty(result.Findings);
        Assert.All(result.Findings, f => Assert.True(f.Severity <= Severity.Low, $"{name}: {f.Message}"));
        Assert.Equal(Verdict.Clean, result.Verdict);
    }

    [Theory]
    [InlineData("pyaml")]   // next to pyyaml, popular in its own right
    [InlineData("boto")]
    [InlineData("dotenv")]
    [InlineData("jwt")]
    public void Popular_names_near_a_more_popular_one_are_clean_without_findings(string name)
    {
        var result = Checker.CheckName(name);
        Assert.Empty(result.Findings);
        Assert.Equal(Verdict.Clean, result.Verdict);
    }

    [Theory]
    [InlineData("sklearn", "scikit-learn")]   // popular itself (people type the import name), which is the trap
    [InlineData("bs4", "beautifulsoup4")]
    [InlineData("cv2", "opencv-python")]
    public void Curated_import_name_traps_are_reported_even_when_popular_themselves(string name, string target)
    {
        var best = Checker.Matches(name)[0];
        Assert.Equal(NameTechnique.ImportNameTrap, best.Technique);
        Assert.Equal(target, best.Target);
        Assert.NotEqual(Verdict.Clean, Checker.CheckName(name).Verdict);
    }

    [Fact]
    public void Secondary_targets_do_not_add_up_to_a_worse_verdict()
    {
        var result = Checker.CheckName("crypt"); // stdlib module, and one letter from bcrypt and crypto
        Assert.True(result.Findings.Count >= 2);
        Assert.Equal(Verdict.Suspicious, result.Verdict);
        Assert.All(result.Findings.Skip(1), f => Assert.Equal(Severity.Low, f.Severity));
    }

    [Theory]
    [InlineData("requets", Verdict.Suspicious)] // high: the verdict's own combination of severities would say 0.60
    [InlineData("reqeusts", Verdict.Suspicious)] // a second, low finding besides
    [InlineData("rnatplotlib", Verdict.Malicious)]
    public void A_name_result_has_one_score_its_first_findings(string name, Verdict verdict)
    {
        var result = Checker.CheckName(name);
        Assert.Equal(verdict, result.Verdict);
        var first = Checker.Matches(name)[0];
        Assert.Equal(first.Score, result.Score);
        Assert.Equal(first.Score, result.Findings[0].Score);
        Assert.Contains($"score={first.Score.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)}", result.Findings[0].Evidence);
        Assert.Equal(0.0, Checker.CheckName("flask").Score);
    }

    [Fact]
    public void Allowlisted_names_are_never_reported()
    {
        var checker = new NameChecker(PopularCorpus.Embedded.Top(2000), new NameCheckerOptions(Allow: ["Reqeusts"]));
        Assert.Empty(checker.Check("reqeusts"));
        Assert.NotEmpty(checker.Check("reqests"));
    }

    [Fact]
    public void Findings_are_one_per_target_best_first_and_bounded()
    {
        var matches = Checker.Matches("yaml");
        Assert.InRange(matches.Count, 1, 3);
        Assert.Equal(matches.Count, matches.Select(m => m.Target).Distinct().Count());
        Assert.Equal(matches.OrderByDescending(m => m.Score).Select(m => m.Score), matches.Select(m => m.Score));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("-leading-dash")]
    [InlineData("has space")]
    [InlineData("\u0000\u0001")]
    [InlineData("\uD800")]               // lone surrogate
    [InlineData("日本語")]
    public void Odd_input_never_throws(string name)
    {
        var result = Checker.CheckName(name);
        Assert.Equal(TargetKind.Name, result.Kind);
    }

    [Fact]
    public void Very_long_names_are_checked_with_bounded_work()
    {
        var result = Checker.CheckName(new string('a', 5000));
        Assert.Equal(Verdict.Clean, result.Verdict);
        Assert.Equal(Verdict.Clean, Checker.CheckName(string.Join('-', Enumerable.Repeat("requests", 40))).Verdict);
    }

    [Fact]
    public void Checking_is_thread_safe_and_deterministic()
    {
        string[] names = ["reqeusts", "colourama", "pilow", "python3-dateutil", "jeIlyfish", "numpy", "crypt", "yaml"];
        var expected = names.Select(n => string.Join(";", Checker.Matches(n))).ToArray();
        var work = Enumerable.Range(0, 2000).Select(i => names[i % names.Length]).ToArray();
        var actual = new string[work.Length];
        Parallel.For(0, work.Length, i => actual[i] = string.Join(";", Checker.Matches(work[i])));
        for (var i = 0; i < work.Length; i++) Assert.Equal(expected[i % names.Length], actual[i]);
    }
}
