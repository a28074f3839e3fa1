using Moat.Packaging.Metadata;

namespace Moat.Packaging.Tests.Metadata;

public class CoreMetadataTests
{
    private const string Metadata24 = """
        Metadata-Version: 2.4
        Name: friendly-bard
        Version: 1.0.0rc1
        Summary: A friendly bard
        Keywords: bard, song ,
        Author-email: Bard <bard@example.com>
        License-Expression: MIT OR Apache-2.0
        License-File: LICENSE
        License-File: licenses/NOTICE
        Classifier: Programming Language :: Python
        Classifier: Development Status :: 4 - Beta
        Requires-Python: >=3.9
        Requires-Dist: requests>=2.31
        Requires-Dist: tomli; python_version < "3.11"
        Requires-Dist: pytest; extra == "test"
        Provides-Extra: test
        Project-URL: Homepage, https://example.com/bard
        Project-URL: Source Code, https://example.com/bard/src
        Dynamic: Classifier
        Description-Content-Type: text/markdown

        # Friendly bard

          Indented line.
        """;

    [Fact]
    public void Parses_metadata_2_4_with_repeatable_fields_and_a_body_description()
    {
        var m = CoreMetadata.Parse(Metadata24.ReplaceLineEndings("\r\n"));
        Assert.Empty(m.Problems);
        Assert.Equal("2.4", m.MetadataVersion);
        Assert.Equal("friendly-bard", m.Name);
        Assert.Equal("1.0.0rc1", m.Version!.ToString());
        Assert.Equal(["bard", "song"], m.Keywords);
        Assert.Equal("MIT OR Apache-2.0", m.LicenseExpression);
        Assert.Equal(["LICENSE", "licenses/NOTICE"], m.LicenseFiles);
        Assert.Equal(2, m.Classifiers.Count);
        Assert.True(m.RequiresPython!.Contains("3.12"));
        Assert.Equal(["requests", "tomli", "pytest"], m.RequiresDist.Select(r => r.Name));
        Assert.Equal(["test"], m.ProvidesExtra);
        Assert.Equal(new ProjectUrl("Source Code", "https://example.com/bard/src"), m.ProjectUrls[1]);
        Assert.Equal(["Classifier"], m.Dynamic);
        Assert.Equal("# Friendly bard\n\n  Indented line.", m.Description);
        Assert.Equal("text/markdown", m.DescriptionContentType);
        Assert.Equal(["Programming Language :: Python", "Development Status :: 4 - Beta"], m.Raw["classifier"]);
    }

    [Fact]
    public void Unfolds_continuation_lines_and_pipe_style_descriptions()
    {
        var text = "Metadata-Version: 1.0\nName: old\nVersion: 0.1\nSummary: a summary\n  folded over two lines\n"
            + "Description: First line\n        |\n        |    indented\n        Second style\nLicense: BSD\n";
        var m = CoreMetadata.Parse(text);
        Assert.Empty(m.Problems);
        Assert.Equal("a summary folded over two lines", m.Summary);
        Assert.Equal("First line\n\n    indented\nSecond style", m.Description);
        Assert.Equal("BSD", m.License);
    }

    [Fact]
    public void Reports_problems_without_throwing()
    {
        var m = CoreMetadata.Parse("Metadata-Version: 9.9\nName: -bad-\nVersion: french toast\nRequires-Dist: ok>=1\nRequires-Dist: bad >= \nRequires-Python: >>3\nProject-URL: nocomma\n not a header at all\n");
        Assert.Contains("unknown Metadata-Version '9.9'", m.Problems);
        Assert.Contains(m.Problems, p => p.StartsWith("Name '-bad-'", StringComparison.Ordinal));
        Assert.Contains(m.Problems, p => p.StartsWith("Version 'french toast' is invalid", StringComparison.Ordinal));
        Assert.Contains(m.Problems, p => p.StartsWith("Requires-Dist 'bad >=' is invalid", StringComparison.Ordinal));
        Assert.Contains(m.Problems, p => p.StartsWith("Requires-Python '>>3' is invalid", StringComparison.Ordinal));
        Assert.Contains(m.Problems, p => p.Contains("no 'label, url' comma", StringComparison.Ordinal));
        Assert.Single(m.RequiresDist);
        Assert.Null(m.Version);
        Assert.Equal("french toast", m.VersionText);
    }

    [Fact]
    public void Missing_fields_invalid_utf8_and_garbage_lines_are_problems()
    {
        var m = CoreMetadata.Parse([0x4E, 0x61, 0x6D, 0x65, 0x3A, 0x20, 0xFF, 0x0A, 0x67, 0x61, 0x72, 0x62, 0x61, 0x67, 0x65, 0x0A]);
        Assert.Contains("Metadata-Version is missing", m.Problems);
        Assert.Contains("Version is missing", m.Problems);
        Assert.Contains(m.Problems, p => p.Contains("not valid UTF-8", StringComparison.Ordinal));
        Assert.Contains(m.Problems, p => p.Contains("line 2 is not a 'Name: value' header", StringComparison.Ordinal));
        Assert.Equal("garbage", m.Description);
    }

    [Fact]
    public void Header_and_body_description_together_is_a_problem()
    {
        var m = CoreMetadata.Parse("Metadata-Version: 2.1\nName: x\nVersion: 1\nDescription: header\n\nbody\n");
        Assert.Equal("body", m.Description);
        Assert.Contains(m.Problems, p => p.Contains("both", StringComparison.Ordinal));
    }
}
