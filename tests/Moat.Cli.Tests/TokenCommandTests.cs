using System.Security.Cryptography;
using Moat.Index.Auth;

namespace Moat.Cli.Tests;

public class TokenCommandTests
{
    [Fact]
    public void Attenuate_adds_caveats_offline_that_the_server_key_still_verifies()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var token = Macaroons.Mint("id9", key, []);
        var (exit, output, _) = CliTests.Run("token", "attenuate", token, "--project", "Alpha_Pkg", "--expires", "1h");
        Assert.Equal(0, exit);
        var narrowed = Macaroons.Parse(output.Trim())!;
        Assert.True(Macaroons.VerifySignature(narrowed, key));
        Assert.Equal(2, narrowed.Caveats.Count);
        Assert.Null(Macaroons.Check(narrowed.Caveats, new CaveatContext("alpha-pkg", DateTimeOffset.UtcNow)));
        Assert.NotNull(Macaroons.Check(narrowed.Caveats, new CaveatContext("beta", DateTimeOffset.UtcNow)));
        Assert.Equal("The token has expired.", Macaroons.Check(narrowed.Caveats, new CaveatContext("alpha-pkg", DateTimeOffset.UtcNow.AddHours(2))));
    }

    [Fact]
    public void Bad_tokens_and_durations_are_usage_errors()
    {
        Assert.Equal(2, CliTests.Run("token", "attenuate", "moat-AAAA").Exit);
        Assert.Equal(2, CliTests.Run("token", "attenuate", Macaroons.Mint("i", new byte[32], []), "--expires", "soon").Exit);
    }
}
