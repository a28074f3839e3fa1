using Moat.Analysis.Secrets;

namespace Moat.Analysis.Tests.Secrets;

public class SecretShapesTests
{
    // Fake tokens in each shape Redact hides; the part after the shown prefix must not survive.
    [Theory]
    [InlineData("hook = 'https://discord.com/api/webhooks/123456789012/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789'", "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789")]
    [InlineData("url = f'https://api.telegram.org/bot123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQ/sendMessage'", "AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQ")]
    [InlineData("requests.post('https://hooks.slack.com/services/T0000000/B0000000/XXXXXXXXXXXXXXXXXXXXXXXX')", "XXXXXXXXXXXXXXXXXXXXXXXX")]
    [InlineData("token = 'ghp_0123456789abcdefghijABCDEFGHIJ012345'", "0123456789abcdefghijABCDEFGHIJ012345")]
    [InlineData("key = 'AKIAIOSFODNN7EXAMPLE' # example", "IOSFODNN7EXAMPLE")]
    [InlineData("t = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0'", "abcdefghijklmnopqrstuvwxyz0")]
    // A user token whose first part is not ASCII still has the shape (the pattern's \w takes every script's letters).
    [InlineData("t = 'ЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖ.GaBcDe.abcdefghijklmnopqrstuvwxyz0'", "abcdefghijklmnopqrstuvwxyz0")]
    public void Each_secret_shape_is_hidden_in_evidence(string evidence, string secretTail)
    {
        var redacted = SecretShapes.Redact(evidence);
        Assert.NotEqual(evidence, redacted);
        Assert.DoesNotContain(secretTail, redacted, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("return subprocess.check_output(['git', 'describe', '--tags'], text=True).strip()")]
    [InlineData("self.session.get(f'{self.base}/{path.lstrip(\"/\")}', params=params, timeout=10)")]
    // Near misses of each shape: a dot after 23 word characters, a webhook id without a token, a lower-case key id.
    [InlineData("x = 'abcdefghijklmnopqrstuvw.GaBcDe.abcdefghijklmnopqrstuvwxyz0'")]
    [InlineData("see https://discord.com/api/webhooks/ for how to make one")]
    [InlineData("akia_iosfodnn7example = high_ghost_value")]
    public void Text_without_a_secret_shape_is_kept_as_it_is(string evidence) => Assert.Equal(evidence, SecretShapes.Redact(evidence));
}
