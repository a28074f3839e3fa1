using System.Text;
using Moat.Analysis.Code;

namespace Moat.Analysis.Tests.Code;

/// <summary>How a Python file's bytes become text: the head of a huge file is decoded from a prefix of its bytes only.</summary>
public class SourceTextTests
{
    public static TheoryData<string, byte[]> Sources => new()
    {
        { "ascii", Encoding.UTF8.GetBytes("import os\nprint('x')\n") },
        { "two-byte", Encoding.UTF8.GetBytes("s = 'ÄÖÜ é ñ'\n") },
        { "three-byte", Encoding.UTF8.GetBytes("名前 = '値'\n# 注釈\n") },
        { "four-byte", Encoding.UTF8.GetBytes("x = '😀😀a😀'\n") },
        { "byte-order mark", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("ä = 1\n")] },
        // Not UTF-8 anywhere (here at the very end): the whole file, head included, is latin-1.
        { "latin-1", [.. Encoding.UTF8.GetBytes("名 = 1\n"), 0xE9, 0xFF] },
    };

    [Theory]
    [MemberData(nameof(Sources))]
    public void The_head_is_the_whole_text_cut_at_every_length(string name, byte[] bytes)
    {
        var text = PackageScanner.ReadText(bytes);
        for (var chars = 0; chars <= text.Length + 2; chars++)
            Assert.True(text[..Math.Min(chars, text.Length)] == PackageScanner.ReadTextHead(bytes, chars), $"{name}, {chars} chars");
    }
}
