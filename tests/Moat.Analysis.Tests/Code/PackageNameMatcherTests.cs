using Moat.Analysis.Code;
using Moat.Analysis.Names;

namespace Moat.Analysis.Tests.Code;

public class PackageNameMatcherTests
{
    [Fact]
    public void A_batch_checker_never_builds_the_edit_index_and_matches_as_an_indexed_one()
    {
        var corpus = PopularCorpus.Embedded.Top(3000);
        var batch = new NameChecker(corpus, new NameCheckerOptions(EditIndex: false));
        var indexed = new NameChecker(corpus);
        indexed.PrepareForManyNames();
        // More names than the checker answers by scanning before it would build the index on its own.
        var names = corpus.Projects.Take(EditCandidates.ScannedQueries + 100)
            .Select((p, i) => i % 3 == 0 ? p.Name[1..] : i % 3 == 1 ? p.Name + "s" : p.Name[..^1] + "x").ToList();
        foreach (var name in names)
            Assert.Equal(indexed.Matches(name).Select(m => (m.Target, m.Technique, m.Score)), batch.Matches(name).Select(m => (m.Target, m.Technique, m.Score)));
        Assert.False(batch.EditCandidatesIndexed);
        Assert.True(indexed.EditCandidatesIndexed);
    }

    [Fact]
    public void The_best_match_is_remembered_per_name()
    {
        var built = 0;
        var matcher = new PackageNameMatcher(() =>
        {
            built++;
            return new NameChecker(PopularCorpus.Embedded.Top(3000), new NameCheckerOptions(EditIndex: false));
        });
        Assert.Equal("requests", matcher.BestMatch("reqeusts")?.Target);
        Assert.Same(matcher.BestMatch("reqeusts"), matcher.BestMatch("reqeusts"));
        Assert.Null(matcher.BestMatch("an-unremarkable-name-of-its-own"));
        Assert.Equal(1, built);
    }
}
