using System.Security.Cryptography;
using System.Text;
using Moat.Analysis.Code;

namespace Moat.Analysis.Tests.Code;

public class DecoderTests
{
    [Fact]
    public void Fernet_tokens_decrypt_with_their_key_and_fail_with_another()
    {
        // Built the way cryptography.fernet does it: 0x80 ‖ time ‖ IV ‖ AES-CBC(PKCS7) ‖ HMAC-SHA256.
        var key = RandomNumberGenerator.GetBytes(32);
        var iv = RandomNumberGenerator.GetBytes(16);
        using var aes = Aes.Create();
        aes.Key = key[16..];
        var cipher = aes.EncryptCbc(Encoding.ASCII.GetBytes("print('x')"), iv, PaddingMode.PKCS7);
        var body = new byte[] { 0x80, 0, 0, 0, 0, 0x65, 0, 0, 0 }.Concat(iv).Concat(cipher).ToArray();
        var token = body.Concat(HMACSHA256.HashData(key[..16], body)).ToArray();
        string Url(byte[] b) => Convert.ToBase64String(b).Replace('+', '-').Replace('/', '_');
        Assert.Equal("print('x')", Decoders.Fernet(Url(key), Url(token)));
        Assert.Null(Decoders.Fernet(Url(RandomNumberGenerator.GetBytes(32)), Url(token)));
    }

    [Fact]
    public void Base64_of_a_large_wrapped_payload_decodes_like_the_standard_decoder()
    {
        // Megabyte payloads go through pooled buffers larger than the input: the output is still exactly the payload.
        var payload = new byte[3 * 1024 * 1024 + 1];
        new Random(7).NextBytes(payload);
        var wrapped = Convert.ToBase64String(payload, Base64FormattingOptions.InsertLineBreaks);
        Assert.Equal(Encoding.Latin1.GetString(payload), Decoders.Base64(wrapped));
        Assert.Equal("hello", Decoders.Base64("aGVsbG8=!!! trailing text after the padding is ignored"));
        Assert.Null(Decoders.Base64("aGVsb")); // five symbols: one too many for a whole byte
    }

    [Fact]
    public void Base_encodings_and_compression_round_trip()
    {
        Assert.Equal("hello", Decoders.Base64("aGVsbG8")); // missing padding tolerated
        Assert.Equal("hello", Decoders.Base32("NBSWY3DP"));
        Assert.Equal("hello", Decoders.Hex("68656c6c6f"));
        Assert.Equal("hello", Decoders.Rot13("uryyb"));
        Assert.Equal("hello", Decoders.Base85("Xk~0{Zv", ascii85: false));
        using var buffer = new MemoryStream();
        using (var z = new System.IO.Compression.ZLibStream(buffer, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true)) z.Write("hello"u8);
        Assert.Equal("hello", Decoders.Zlib(Encoding.Latin1.GetString(buffer.ToArray())));
        Assert.Null(Decoders.Zlib("not compressed at all"));
    }

    [Fact]
    public void A_constant_decoded_again_gives_the_same_value_and_each_decoder_its_own()
    {
        // Decoder outputs are remembered per evaluator by decoder and input. The same literal through two remembered
        // decoders (hex and rot13), and through base64 with and without an alternative alphabet, gives each decoder its
        // own value; zlib twice gives what one decode gives.
        var evaluator = new Evaluator();
        Value Eval(string expression) => evaluator.Eval(((ExprStmt)PyParser.Parse(expression + "\n").Body[0]).Value);
        Assert.Equal("\u00ab\u00cd", Eval("bytes.fromhex('abcd')").Text);
        Assert.Equal("nopq", Eval("__import__('codecs').decode('abcd', 'rot13')").Text);
        Assert.Equal("\u00ab\u00cd", Eval("bytes.fromhex('abcd')").Text);

        const string literal = "'PDw!Pz4*'";
        Assert.Equal("<<??>>", Eval($"__import__('base64').b64decode({literal}, '*!')").Text);
        Assert.Equal(Decoders.Base64("PDw!Pz4*"), Eval($"__import__('base64').b64decode({literal})").Text);

        var compressed = Convert.ToBase64String(ZlibOf("print('layer')"));
        var first = Eval($"__import__('zlib').decompress(__import__('base64').b64decode('{compressed}'))");
        var second = Eval($"__import__('zlib').decompress(__import__('base64').b64decode('{compressed}'))");
        Assert.Equal("print('layer')", first.Text);
        Assert.Equal(first.Text, second.Text);
        Assert.Equal(first.Layers, second.Layers);
    }

    // Python's own results for each slice (python3 -c "print(repr('abcdefghij'[8:2:-2]))").
    [Theory]
    [InlineData("[::-1]", "jihgfedcba")]
    [InlineData("[::2]", "acegi")]
    [InlineData("[1::3]", "beh")]
    [InlineData("[-3:]", "hij")]
    [InlineData("[:-3]", "abcdefg")]
    [InlineData("[8:2:-2]", "ige")]
    [InlineData("[2:8:-1]", "")]
    [InlineData("[::-3]", "jgda")]
    [InlineData("[5:5]", "")]
    [InlineData("[-100:100]", "abcdefghij")]
    [InlineData("[100:]", "")]
    [InlineData("[::-11]", "j")]
    [InlineData("[3:-3:2]", "df")]
    public void A_slice_of_a_constant_is_pythons(string slice, string expected)
    {
        var evaluator = new Evaluator();
        Assert.Equal(expected, evaluator.Eval(((ExprStmt)PyParser.Parse($"'abcdefghij'{slice}\n").Body[0]).Value).Text);
        var list = evaluator.Eval(((ExprStmt)PyParser.Parse($"list('abcdefghij'){slice}\n").Body[0]).Value);
        Assert.Equal(expected, string.Concat(list.Items!.Select(i => i.Text)));
    }

    [Fact]
    public void An_attribute_taken_again_of_a_new_value_is_the_new_values()
    {
        // The node remembers the attribute of the last target value it was taken of: a loop turn binds a new value to the
        // name, and the method must be that value's, not the last turn's.
        var evaluator = new Evaluator();
        var call = ((ExprStmt)PyParser.Parse("s.upper()\n").Body[0]).Value;
        evaluator.Bind("s", Value.Str("abc"));
        Assert.Equal("ABC", evaluator.Eval(call).Text);
        evaluator.ForgetEvaluations();
        Assert.Equal("ABC", evaluator.Eval(call).Text);
        evaluator.Bind("s", Value.Str("xyz"));
        evaluator.ForgetEvaluations();
        Assert.Equal("XYZ", evaluator.Eval(call).Text);
        // What the node remembers is not part of it: it equals the same attribute freshly parsed.
        var fresh = ((ExprStmt)PyParser.Parse("s.upper()\n").Body[0]).Value;
        Assert.Equal(((CallExpr)fresh).Func, ((CallExpr)call).Func);
    }

    private static byte[] ZlibOf(string text)
    {
        using var buffer = new MemoryStream();
        using (var zlib = new System.IO.Compression.ZLibStream(buffer, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
            zlib.Write(Encoding.UTF8.GetBytes(text));
        return buffer.ToArray();
    }
}
