using Moat.Index.Errors;

namespace Moat.Index.Tests;

/// <summary>The ASCII rendering of a refusal for the HTTP reason phrase (what twine and pip print): readable, one line, bounded.</summary>
public sealed class ReasonPhraseTests
{
    [Theory]
    [InlineData("Decoded data is executed: base64 → exec", "Decoded data is executed: base64 -> exec")]
    [InlineData("fernet → zlib → exec … and more — see “the rule”", "fernet -> zlib -> exec ... and more -- see \"the rule\"")]
    [InlineData("café naïve Ångström", "cafe naive Angstrom")]
    [InlineData("evil\u202Elhw.exe", "evilU+202Elhw.exe")]
    [InlineData("line one\r\nX-Injected: yes", "line one  X-Injected: yes")]
    [InlineData("snake 🐍 emoji", "snake U+1F40D emoji")]
    public void Non_ascii_characters_become_readable_ascii(string message, string expected) => Assert.Equal(expected, ReasonPhrase.From(message));

    [Fact]
    public void The_phrase_is_bounded_and_never_cuts_an_escape_in_half()
    {
        var phrase = ReasonPhrase.From(new string('a', ReasonPhrase.MaxLength - 3) + "→→");
        Assert.Equal(new string('a', ReasonPhrase.MaxLength - 3) + "->", phrase);
        Assert.All(ReasonPhrase.From(string.Concat(Enumerable.Repeat("\u202E", 200))).Split("U+202E"), part => Assert.Equal("", part));
    }
}
