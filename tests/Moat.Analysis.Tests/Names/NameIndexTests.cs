using System.IO.Compression;
using System.Text;
using Moat.Analysis.Names;
using Moat.Analysis.Text;
using Moat.Testing;

namespace Moat.Analysis.Tests.Names;

public class NameIndexTests
{
    [Fact]
    public void Deletion_index_finds_exactly_what_brute_force_finds_within_two_edits()
    {
        var corpus = PopularCorpus.Embedded.Projects.Take(3000).Select(p => p.Name).ToArray();
        var index = new DeletionIndex(corpus);
        var random = new Random(12345);
        var queries = Enumerable.Range(0, 400).Select(_ => Mutate(corpus[random.Next(corpus.Length)], random)).ToArray();
        foreach (var query in queries)
        {
            var found = new List<int>();
            index.Candidates(query, found);
            foreach (var (name, id) in corpus.Select((n, i) => (n, i)))
            {
                var allowed = name.Length >= DeletionIndex.TwoEditLength ? 2 : name.Length >= DeletionIndex.OneEditLength ? 1 : -1;
                if (allowed < 0 || EditDistance.Bounded(query, name, allowed) > allowed) continue;
                Assert.True(found.Contains(id), $"'{query}' should find '{name}'");
            }
        }
    }

    [Fact]
    public void Scanning_finds_what_the_deletion_index_finds_and_builds_nothing()
    {
        // A scan answers the first names a process checks; it must propose every target the index would propose that
        // really shares a deletion (the index alone may add hash collisions), and nothing else.
        var corpus = PopularCorpus.Embedded.Projects.Take(3000).Select(p => p.Name).ToArray();
        var index = new DeletionIndex(corpus);
        var candidates = new EditCandidates(corpus);
        var random = new Random(54321);
        string[] queries = [.. Enumerable.Range(0, 300).Select(_ => Mutate(corpus[random.Next(corpus.Length)], random)), "ab", "abc", new string('a', 70), "reqeusts",
            // Digits, separators and non-ASCII letters: the scan's character-class bound must not rule these targets out.
            "djang0-rest-framwork", "python_dateutil", "pyth0n-dateutil", "réquests", "numpy2", "google-cloud-storag3", "boto-3"];
        foreach (var query in queries)
        {
            List<int> indexed = [], scanned = [];
            index.Candidates(query, indexed);
            candidates.Scan(query, scanned);
            Assert.Equal(scanned.Count, scanned.Distinct().Count());
            Assert.Empty(scanned.Except(indexed));
            foreach (var id in indexed.Except(scanned))
            {
                var allowed = corpus[id].Length >= DeletionIndex.TwoEditLength ? 2 : 1;
                Assert.True(EditDistance.Bounded(query, corpus[id], allowed) > allowed, $"'{query}': the scan missed '{corpus[id]}'");
            }
        }
        var checker = new NameChecker(PopularCorpus.Embedded.Top(3000));
        Assert.Equal("requests", checker.Matches("reqeusts")[0].Target);
        Assert.Equal("matplotlib", checker.Matches("rnatplotlib")[0].Target);
        Assert.False(checker.EditCandidatesIndexed);
        Assert.False(checker.LookalikeMapBuilt);
        checker.PrepareForManyNames();
        Assert.True(checker.LookalikeMapBuilt);
        Assert.Equal("matplotlib", checker.Matches("rnatplotlib")[0].Target);
    }

    [Fact]
    public void Lookalike_readings_are_what_a_forward_search_of_each_replacement_finds_in_the_same_order()
    {
        // The map is built backwards from the corpus; checking a name forwards (each rn/m-style replacement at each
        // occurrence, looked up in the corpus) must give the same targets, replacements and order.
        var exact = PopularCorpus.Embedded.Projects.Take(3000).ToDictionary(p => p.Name, p => new Target(p.Name, p.Rank, false), StringComparer.Ordinal);
        var readings = AsciiLookalikeSquat.Readings(exact);
        string[] queries = [.. readings.Keys.Take(300), "rnatplotlib", "rnrn", "mm", "vvheel", "clj", "requests", "numpy"];
        foreach (var query in queries)
        {
            var forward = (AsciiLookalikeSquat.ReadingsOf(query, exact) ?? []).Select(r => (r.Target.Name, r.From, r.To)).ToList();
            var indexed = readings.GetValueOrDefault(query, []).Select(r => (r.Target.Name, r.From, r.To)).ToList();
            Assert.Equal(forward, indexed);
        }
        Assert.Contains(readings["rnatplotlib"], r => r.Target.Name == "matplotlib" && r.From == "rn" && r.To == "m");
    }

    [Fact]
    public void A_query_slices_words_from_the_normalized_name()
    {
        var query = new NameQuery("python-dateutil-extra", null);
        Assert.Equal(3, query.WordCount);
        Assert.Equal("pythondateutilextra", query.Stripped);
        Assert.Equal("python-dateutil", query.Words(0, 2).ToString());
        Assert.Equal("dateutil-extra", query.Words(1, 3).ToString());
        Assert.Equal("extra", query.Word(2).ToString());
        Assert.Equal(("dateutilextra", PythonAffix.Kind.Word), query.AffixCore);
    }

    private static string Mutate(string name, Random random)
    {
        var chars = name.ToList();
        for (var edits = random.Next(0, 3); edits > 0 && chars.Count > 1; edits--)
        {
            var at = random.Next(chars.Count - 1);
            switch (random.Next(4))
            {
                case 0: chars.RemoveAt(at); break;
                case 1: chars.Insert(at, (char)('a' + random.Next(26))); break;
                case 2: chars[at] = (char)('a' + random.Next(26)); break;
                default: (chars[at], chars[at + 1]) = (chars[at + 1], chars[at]); break;
            }
        }
        return new string([.. chars]);
    }

    [Theory]
    [InlineData("django-foo", "django-fsm", 3)]        // the edit is in the short last word
    [InlineData("mypy-boto3-ec2", "mypy-boto3-ecs", 3)]
    [InlineData("urlib3", "urllib3", 7)]
    [InlineData("reequests", "requests", 8)]
    [InlineData("python-dateutl", "python-dateutil", 8)]
    [InlineData("setup-tools", "setuptools", 10)]
    public void Edits_are_judged_on_the_words_they_touch(string candidate, string target, int expected) =>
        Assert.Equal(expected, EditTypos.JudgedLength(candidate, target));

    [Theory]
    [InlineData("python-dateutil", "dateutil", "Word")]
    [InlineData("dateutil-python3", "dateutil", "Word")]
    [InlineData("pythondateutil", "dateutil", "GluedPython")]
    [InlineData("pyyaml", "yaml", "GluedPy")]
    public void Python_affixes_are_removed(string name, string core, string kind) =>
        Assert.Equal((core, Enum.Parse<PythonAffix.Kind>(kind)), PythonAffix.Core(name));

    [Theory]
    [InlineData("requests")]
    [InlineData("py")]
    [InlineData("python-py")]
    public void Names_without_a_removable_affix_have_no_core(string name) => Assert.Null(PythonAffix.Core(name));

    [Fact]
    public void Stdlib_list_is_the_embedded_python_311_list()
    {
        var stdlib = StandardLibrary.Embedded;
        Assert.InRange(stdlib.Modules.Count, 200, 240);
        Assert.True(stdlib.Modules.ContainsKey("cprofile"));
        Assert.Equal("sqlite3", stdlib.Variants["sqlite"].Name);
        Assert.False(stdlib.Modules.ContainsKey("requests"));
    }

    [Fact]
    public void Import_names_come_from_data_curation_and_derivation()
    {
        var corpus = PopularCorpus.Embedded.Projects.ToDictionary(p => p.Name, p => new Target(p.Name, p.Rank, false));
        var traps = ImportNameTable.Embedded.Resolve(corpus);
        Assert.Equal(ImportNameTable.Source.Installed, traps["yaml"].Source);
        Assert.Equal("pyyaml", traps["yaml"].Target.Name);
        Assert.Equal(ImportNameTable.Source.Curated, traps["cv2"].Source);
        Assert.Equal("opencv-python", traps["cv2"].Target.Name);
        Assert.Equal("python-dotenv", traps["dotenv"].Target.Name);
        Assert.Contains(traps.Values, t => t.Source == ImportNameTable.Source.Derived);
    }
}

public class PopularCorpusTests
{
    [Fact]
    public void Embedded_list_read_from_bytes_equals_the_tsv_read_as_text()
    {
        List<PopularProject> asText;
        using (var reader = new StreamReader(PopularCorpus.OpenEmbeddedTsv())) asText = PopularCorpus.ParseTsv(reader);
        using var bytes = PopularCorpus.OpenEmbeddedTsv();

        var fromBytes = PopularCorpus.ParseTsv(bytes);

        Assert.True(asText.Count > 14_000);
        Assert.Equal(asText, fromBytes);
        Assert.Equal(asText, PopularCorpus.Embedded.Projects);
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    public void Bytes_and_text_read_the_same_rows_from_awkward_input(string newline)
    {
        var longName = new string('a', 40_000); // longer than the read buffer
        string[] lines =
        [
            "\uFEFF1\tfirst-row\t1.0", "rank\tname\tlatest_version", "# a comment", "", "2\tRequests_OAuthlib", "3\t  spaced  \tx",
            "x\tbroken-rank", "4\tnot valid!", "5\tcafé", "rankless", "6\t" + longName, "7\tlast-without-newline",
        ];
        var bytes = Encoding.UTF8.GetBytes(string.Join(newline, lines));

        var fromText = PopularCorpus.ParseTsv(new StreamReader(new MemoryStream(bytes)));
        var fromBytes = PopularCorpus.ParseTsv(new OneByteAtATimeStream(bytes));

        Assert.Equal(["first-row", "requests-oauthlib", "spaced", "rankless", longName, "last-without-newline"], fromText.Select(p => p.Name));
        Assert.Equal(fromText, fromBytes);
        Assert.Equal(fromText, PopularCorpus.ParseTsv(new MemoryStream(bytes)));
    }

    /// <summary>A stream that hands out one byte per read: every line and the BOM split across reads.</summary>
    private sealed class OneByteAtATimeStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, 1));
    }

    [Fact]
    public void Embedded_corpus_has_the_ranked_normalized_names_of_the_data_file()
    {
        var corpus = PopularCorpus.Embedded;
        Assert.Equal(14985, corpus.Projects.Count); // data/top-packages.tsv holds 14,985 rows (ranks 1–15,000 with gaps)
        Assert.Equal(new PopularProject("boto3", 1), corpus.Projects[0]);
        Assert.All(corpus.Projects.Take(500), p => Assert.Equal(Moat.Packaging.ProjectName.Normalize(p.Name), p.Name));
    }

    [Fact]
    public void Tsv_and_top_pypi_packages_json_both_load()
    {
        var dir = Directory.CreateTempSubdirectory("moat-corpus");
        try
        {
            var tsv = Path.Combine(dir.FullName, "top.tsv");
            File.WriteAllText(tsv, "rank\tname\tlatest_version\n2\tFlask\t3.0\n1\trequests\t2.0\n");
            Assert.Equal(["requests", "flask"], PopularCorpus.Load(tsv).Projects.Select(p => p.Name));

            var json = Path.Combine(dir.FullName, "top.json");
            File.WriteAllText(json, """{"last_update":"2026-11-01","rows":[{"project":"six","download_count":10},{"project":"Django_Rest","download_count":99}]}""");
            var loaded = PopularCorpus.Load(json);
            Assert.Equal([new PopularProject("django-rest", 1), new PopularProject("six", 2)], loaded.Projects);

            var broken = Path.Combine(dir.FullName, "broken.json");
            File.WriteAllText(broken, """{"rows": [ {"project": """);
            Assert.Throws<InvalidDataException>(() => PopularCorpus.Load(broken));
            var empty = Path.Combine(dir.FullName, "empty.tsv");
            File.WriteAllText(empty, "rank\tname\n");
            Assert.Throws<InvalidDataException>(() => PopularCorpus.Load(empty));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_corpus_is_put_in_rank_order_and_keeps_the_best_rank_of_a_name_listed_twice()
    {
        var dir = Directory.CreateTempSubdirectory("moat-corpus");
        try
        {
            // Out of order, one name under two spellings (the better rank wins), equal ranks in file order.
            var unordered = Path.Combine(dir.FullName, "unordered.tsv");
            File.WriteAllText(unordered, "rank\tname\n3\tpandas\n5\tFlask\n1\trequests\n2\tflask\n3\tnumpy\n");
            Assert.Equal([new PopularProject("requests", 1), new PopularProject("flask", 2), new PopularProject("pandas", 3), new PopularProject("numpy", 3)],
                PopularCorpus.Load(unordered).Projects);
            // Already in order (the embedded list's case): a name listed twice still appears once, at its first rank.
            var ordered = Path.Combine(dir.FullName, "ordered.tsv");
            File.WriteAllText(ordered, "rank\tname\n1\trequests\n2\tflask\n4\tFLASK\n");
            Assert.Equal([new PopularProject("requests", 1), new PopularProject("flask", 2)], PopularCorpus.Load(ordered).Projects);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_custom_corpus_changes_what_is_popular()
    {
        var checker = new NameChecker(PopularCorpus.FromNames(["acmelib", "requests"]));
        Assert.Equal("acmelib", checker.Matches("acmelbi").Single().Target);
        Assert.Empty(checker.Matches("colourama")); // colorama is not in this corpus
    }

    [Fact]
    public void A_brand_word_the_corpus_ranks_is_imitated_as_the_ranked_project_and_otherwise_as_the_brand()
    {
        var ranked = new NameChecker(PopularCorpus.FromNames(["requests", "paypal"])).Matches("paypall").Single();
        Assert.Equal(("paypal", 2, false), (ranked.Target, ranked.TargetRank, ranked.TargetIsBrand));
        var brand = new NameChecker(PopularCorpus.FromNames(["requests"])).Matches("paypall").Single();
        Assert.Equal(("paypal", (int?)null, true), (brand.Target, brand.TargetRank, brand.TargetIsBrand));
    }
}

public class DependencyConfusionTests
{
    private static readonly InternalNames Internal = new(["acme-billing", "acme_auth", "widgetcore"], ["acme-"]);

    [Fact]
    public void Internal_names_on_the_public_index_and_squats_of_them_are_reported()
    {
        string[] publicNames = ["requests", "Acme.Billing", "acme-new-thing", "widgetcroe", "widget-core", "unrelated"];
        var results = DependencyConfusion.Scan(publicNames, Internal, "pypi.org");
        var byTarget = results.ToDictionary(r => r.Target);
        Assert.Equal(NameRules.InternalNamePublic.Id, byTarget["acme-billing"].Findings.Single().RuleId);
        Assert.Contains("pypi.org", byTarget["acme-billing"].Findings.Single().Message);
        Assert.Equal(NameRules.InternalNamePublic.Id, byTarget["acme-new-thing"].Findings.Single().RuleId);
        Assert.Contains("acme-", byTarget["acme-new-thing"].Findings.Single().Message);
        Assert.Equal(NameRules.InternalNameSquat.Id, byTarget["widgetcroe"].Findings[0].RuleId);
        Assert.Equal(NameRules.InternalNameSquat.Id, byTarget["widget-core"].Findings[0].RuleId);
        Assert.False(byTarget.ContainsKey("requests"));
        Assert.False(byTarget.ContainsKey("unrelated"));
        Assert.All(results, r => Assert.NotEqual(Verdict.Clean, r.Verdict));
    }

    [Fact]
    public void Checked_names_that_squat_an_internal_name_are_reported_and_internal_names_are_not_squats()
    {
        var checker = new NameChecker(PopularCorpus.Embedded, new NameCheckerOptions(Internal: Internal));
        var squat = checker.CheckName("widgetcroe");
        Assert.Equal(NameRules.InternalNameSquat.Id, squat.Findings[0].RuleId);
        Assert.Contains("internal package 'widgetcore'", squat.Findings[0].Message);
        Assert.Empty(checker.Check("acme-requests")); // carries the internal prefix: ours, not a squat of requests
        Assert.Empty(checker.Check("widgetcore"));
    }

    [Fact]
    public void A_large_gzip_names_file_is_read_with_gzip_detected()
    {
        // The shape of PyPI's all-names export (one name per line, gzip, no extension hint), generated: the popular
        // corpus plus 200,000 made-up names. The full 886,000-name file is read by the names-pass benchmark.
        var dir = Directory.CreateTempSubdirectory("moat-names");
        try
        {
            var path = Path.Combine(dir.FullName, "all-names.bin");
            var written = PopularCorpus.Embedded.Projects.Select(p => p.Name).Concat(Enumerable.Range(0, 200_000).Select(i => $"generated-project-{i}")).ToList();
            using (var output = new StreamWriter(new GZipStream(File.Create(path), CompressionLevel.Fastest)))
            {
                foreach (var name in written) output.Write(name + "\n");
            }
            var names = PublicNames.ReadFile(path).ToList();
            Assert.Equal(written, names);
            // An internal name that is public: the scan over a slice around it reports it.
            var slice = names.Where(n => n.StartsWith("req", StringComparison.OrdinalIgnoreCase)).ToList();
            var results = DependencyConfusion.Scan(slice, new InternalNames(["requests"], []));
            Assert.Contains(results, r => r.Target == "requests" && r.Findings[0].RuleId == NameRules.InternalNamePublic.Id);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Plain_and_gzip_name_files_read_the_same()
    {
        var dir = Directory.CreateTempSubdirectory("moat-names");
        try
        {
            var plain = Path.Combine(dir.FullName, "names.txt");
            File.WriteAllText(plain, "# comment\nrequests\n\n  flask  \n");
            var gz = Path.Combine(dir.FullName, "names.bin");
            using (var output = new GZipStream(File.Create(gz), CompressionLevel.Fastest)) output.Write(File.ReadAllBytes(plain));
            Assert.Equal(["requests", "flask"], PublicNames.ReadFile(plain));
            Assert.Equal(["requests", "flask"], PublicNames.ReadFile(gz));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Simple_index_pages_parse_as_json_or_html()
    {
        Assert.Equal(["requests", "Flask"], PublicNames.ParseSimpleIndex("""{"meta":{"api-version":"1.1"},"projects":[{"name":"requests"},{"name":"Flask"},{"bad":1}]}"""));
        Assert.Equal(["requests", "a&b"], PublicNames.ParseSimpleIndex("<html><body><a href=\"/simple/requests/\">requests</a>\n<A HREF='/x/'>a&amp;b</A></body></html>"));
        Assert.Throws<InvalidDataException>(() => PublicNames.ParseSimpleIndex("{\"projects\": 3}"));
        Assert.Throws<InvalidDataException>(() => PublicNames.ParseSimpleIndex("{ not json"));
    }
}
