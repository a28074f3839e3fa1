using System.Text;
using Moat.Analysis.Code;

namespace Moat.Analysis.Tests.Code;

/// <summary>The one-pass indicator search finds, for every needle, the position a search for that needle alone finds.</summary>
public class IndicatorSearchTests
{
    // Fragments that make needles, near-misses, word boundaries and case/culture traps (dotless i, long s, Kelvin sign).
    private static readonly string[] Pieces =
    [
        "discord.com/api/webhooks/", "webhook.site", "xwebhook.sitex", "file.io", "pbm.profile.IofilterInfo", "FILE.IO/x",
        "login data", "LOGIN DATA", "/etc/cron", "iex(", "ıex(", "ſchtasks /create", "\u212Aey4.db", "powershell -enc ", "-w hidden",
        "paste.ee/r/", "pastebin.com/raw", ".ngrok.io", "a.ngrok.iox", "transfer.sh", "transfer.shell", "temp.sh", "/.ssh/*",
        "~/.profile", "@reboot", "0x0.st", "gofile.io", "store1.gofile.io", " ", "/", ".", "-", "a", "Z", "é", "\n", "'", "\"",
    ];

    [Fact]
    public void One_pass_positions_equal_a_search_per_needle()
    {
        var random = new Random(1234);
        for (var round = 0; round < 2000; round++)
        {
            var text = new StringBuilder();
            for (var i = random.Next(1, 12); i > 0; i--) text.Append(Pieces[random.Next(Pieces.Length)]);
            AssertSamePositions(text.ToString());
        }
    }

    [Fact]
    public void Overlapping_and_repeated_needles_take_the_first_acceptable_occurrence()
    {
        // The first file.io is inside a word (not the host); the second counts.
        var text = "pbm.profile.IofilterInfo then https://file.io/abc and login data, LOGIN DATA";
        AssertSamePositions(text);
        var kinds = Indicators.Find(text).Select(i => i.Kind).ToList();
        Assert.Equal([IndicatorKind.PasteSite, IndicatorKind.BrowserData], kinds);
        Assert.Contains("https://file.io/abc", Indicators.Find(text)[0].Match, StringComparison.Ordinal);
    }

    [Fact]
    public void Windows_paths_are_searched_with_forward_slashes()
    {
        var found = Indicators.Find(@"C:\\Users\\me\\AppData\\Local\\Google\\Chrome\\User Data\\Default\\Login Data");
        var browser = Assert.Single(found, i => i.Kind == IndicatorKind.BrowserData);
        Assert.Equal("C:/Users/me/AppData/Local/Google/Chrome/User Data/Default/Login Data", browser.Match);
        Assert.Contains(Indicators.Find(@"%APPDATA%\Microsoft\Windows\Start Menu\Programs\Startup\x.vbs"), i => i.Kind == IndicatorKind.Persistence);
    }

    [Fact]
    public void A_long_run_of_base64_is_not_searched_but_the_same_words_in_text_are()
    {
        // An encoded payload's characters spell needles only by chance; its decoded text is what gets searched.
        var blob = new string('A', 600) + "requestbin" + new string('Q', 600) + "==";
        Assert.Empty(Indicators.Find(blob));
        Assert.Contains(Indicators.Find("post to requestbin " + blob), i => i.Kind == IndicatorKind.Collector);
        // Short base64-alphabet strings are ordinary words and paths.
        Assert.Contains(Indicators.Find("exclusionpath"), i => i.Kind == IndicatorKind.DefenderTampering);
    }

    [Fact]
    public void Every_needle_contains_a_trigger()
    {
        // What lets a string without any trigger be skipped, and the search start near the first trigger.
        foreach (var (_, needle) in Indicators.NeedleList)
        {
            Assert.True(Indicators.TriggerWords.Any(t => needle.Contains(t, StringComparison.OrdinalIgnoreCase)), $"needle '{needle}' holds no trigger");
            // Where the search stops at an ASCII character only needles starting with it are compared.
            Assert.True(char.IsAscii(needle[0]), $"needle '{needle}' starts with a character outside ASCII");
        }
    }

    [Fact]
    public void A_needle_that_starts_before_its_first_trigger_is_found_far_into_a_long_text()
    {
        // "/user data/default/login data" holds one trigger, "login data", 19 characters in; the filler holds none. The
        // search starts near the first trigger, and must still find this needle where it starts (the shorter needle
        // "login data" of the same kind would otherwise be reported, with less of the path).
        var filler = string.Concat(Enumerable.Repeat("x = compute(value, 42) + other_value; ", 20_000));
        var browser = Assert.Single(Indicators.Find(filler + " x/user data/default/login data " + filler));
        Assert.Equal((IndicatorKind.BrowserData, "x/user data/default/login data"), (browser.Kind, browser.Match));
        // Past the first megabyte nothing is searched.
        Assert.Empty(Indicators.Find(filler + filler + " x/user data/default/login data"));
    }

    [Theory]
    [InlineData(300)]       // searched after a pass for triggers
    [InlineData(40_000)]    // a long text: searched for needles at once
    public void A_needle_inside_a_long_encoded_run_is_not_looked_for_but_one_that_starts_or_ends_outside_it_is(int runLength)
    {
        var run = new string('A', runLength);
        // An encoded payload that happens to spell a needle names no host.
        Assert.Empty(Indicators.Find("blob = '" + run + "+requestbin+" + run + "'"));
        // The same needle beside the run (a quote ends it), one that starts before a run and runs into it, and one that
        // starts inside a run and ends after it are all found.
        Assert.Contains(Indicators.Find("blob = '" + run + "' + 'requestbin' + '" + run + "'"), i => i.Kind == IndicatorKind.Collector);
        Assert.Contains(Indicators.Find("url = 'https://pastebin.com/raw" + run + "'"), i => i.Kind == IndicatorKind.PasteSite);
        Assert.Contains(Indicators.Find("path = '" + run + "/user data/default/login data'"), i => i.Kind == IndicatorKind.BrowserData);
        // A short run is not encoded data.
        Assert.Contains(Indicators.Find("blob = '" + run + "' + 'AAAA+requestbin+AAAA' + '" + run + "'"), i => i.Kind == IndicatorKind.Collector);
    }

    private static void AssertSamePositions(string text)
    {
        var needles = Indicators.NeedleList;
        var found = new int[needles.Length];
        Indicators.FirstOccurrences(text, found);
        for (var i = 0; i < needles.Length; i++)
            Assert.True(Indicators.IndexOfNeedle(text, needles[i].Kind, needles[i].Needle) == found[i], $"needle '{needles[i].Needle}' in '{text}'");
    }
}
