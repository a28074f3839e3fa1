using Moat.Analysis.Code;

namespace Moat.Analysis.Tests.Code;

/// <summary>The parser's table of token spellings: one string per spelling, the right text always, bounded work per lookup.</summary>
public class SpellingTableTests
{
    [Fact]
    public void A_spelling_is_made_once_and_each_lookup_gives_its_text()
    {
        var table = new SpellingTable();
        var source = "self.value = self.values + value_ + Value + ＶＡＬＵＥ";
        string At(string word, int from = 0) => table.Intern(source.AsSpan(source.IndexOf(word, from, StringComparison.Ordinal), word.Length));
        var first = At("self");
        Assert.Equal("self", first);
        Assert.Same(first, At("self", 5));
        Assert.Equal("value", At("value"));
        Assert.Equal("values", At("values"));
        Assert.Equal("value_", At("value_"));
        Assert.Equal("Value", At("Value"));
        Assert.Equal("ＶＡＬＵＥ", At("ＶＡＬＵＥ"));
        Assert.Equal(6, table.Count);
        Assert.Equal(4 + 5 + 6 + 6 + 5 + 5, table.Chars);
    }

    [Fact]
    public void Growing_keeps_every_spelling()
    {
        var table = new SpellingTable();
        var names = Enumerable.Range(0, 20_000).Select(i => $"name_{i}").ToArray();
        var made = names.Select(n => table.Intern(n.AsSpan())).ToArray();
        Assert.Equal(names, made);
        Assert.Equal(names.Length, table.Count);
        Assert.True(table.Capacity >= 2 * names.Length);
        for (var i = 0; i < names.Length; i += 997) Assert.Same(made[i], table.Intern(new string(names[i].AsSpan()).AsSpan()));
        table.Clear();
        Assert.Equal(0, table.Count);
        Assert.Equal(0, table.Chars);
        Assert.NotSame(made[0], table.Intern(names[0].AsSpan()));
    }

    [Fact]
    public void Spellings_crafted_to_collide_still_give_their_text_with_bounded_searching()
    {
        // 140 names that land in one slot of the starting table (1,024 slots): past the probe bound a name is no longer
        // shared, and every lookup still returns its own text.
        var colliding = Enumerable.Range(0, int.MaxValue).Select(i => $"x{i}").Where(n => (SpellingTable.Hash(n) & 1023) == 7).Take(140).ToArray();
        var table = new SpellingTable();
        var made = colliding.Select(n => table.Intern(n.AsSpan())).ToArray();
        Assert.Equal(colliding, made);
        Assert.True(table.Count < colliding.Length, "the names past the probe bound are not kept");
        Assert.Same(made[0], table.Intern(colliding[0].AsSpan()));
        var unkept = table.Intern(colliding[^1].AsSpan());
        Assert.Equal(colliding[^1], unkept);
        Assert.NotSame(made[^1], unkept);
    }
}
