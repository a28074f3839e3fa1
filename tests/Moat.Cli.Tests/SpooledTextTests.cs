using System.Text;
using Moat.Cli.Commands;

namespace Moat.Cli.Tests;

/// <summary>A report for standard output appears whole or not at all, however large.</summary>
public class SpooledTextTests
{
    [Theory]
    [InlineData(100)]
    [InlineData(3_000_000)] // past the in-memory part: spilled to a temporary file, then copied
    public void What_is_written_reaches_the_output_unchanged(int length)
    {
        var text = new StringBuilder();
        var random = new Random(length);
        while (text.Length < length) text.Append("résultat ").Append(random.Next()).Append(" 🐍\n");
        var output = new StringWriter();
        SpooledText.WriteWhole(output, writer =>
        {
            foreach (var chunk in text.GetChunks()) writer.Write(chunk.Span);
            writer.Write('!');
        });
        Assert.Equal(text + "!", output.ToString());
    }

    [Fact]
    public void Without_a_writable_temporary_directory_the_report_is_held_in_memory()
    {
        var text = new string('r', 3_000_000);
        var output = new StringWriter();
        SpooledText.WriteWhole(output, writer => writer.Write(text), Path.Combine(Path.GetTempPath(), $"moat-missing-{Guid.NewGuid():N}", "tmp"));
        Assert.Equal(text, output.ToString());
    }

    [Fact]
    public void A_report_whose_writer_fails_writes_nothing()
    {
        var output = new StringWriter();
        Assert.Throws<CliInputException>(() => SpooledText.WriteWhole(output, writer =>
        {
            writer.Write(new string('x', 2_000_000));
            throw new CliInputException("cannot read b-1.0.tar.gz");
        }));
        Assert.Equal("", output.ToString());
    }
}
