using System.Security.Cryptography;
using System.Text;
using Moat.Index.Accounts;
using Moat.Index.Auth;

namespace Moat.Index.Tests;

public sealed class CryptoPrimitiveTests
{
    // RFC 6238 appendix B: the seeds are the ASCII strings below; codes are 8 digits.
    private static readonly byte[] Sha1Seed = Encoding.ASCII.GetBytes("12345678901234567890");
    private static readonly byte[] Sha256Seed = Encoding.ASCII.GetBytes("12345678901234567890123456789012");
    private static readonly byte[] Sha512Seed = Encoding.ASCII.GetBytes("1234567890123456789012345678901234567890123456789012345678901234");

    [Theory]
    [InlineData(59, "94287082", "46119246", "90693936")]
    [InlineData(1111111109, "07081804", "68084774", "25091201")]
    [InlineData(1111111111, "14050471", "67062674", "99943326")]
    [InlineData(1234567890, "89005924", "91819424", "93441116")]
    [InlineData(2000000000, "69279037", "90698825", "38618901")]
    [InlineData(20000000000, "65353130", "77737706", "47863826")]
    public void Totp_matches_the_rfc_6238_test_vectors(long unixTime, string sha1, string sha256, string sha512)
    {
        var step = Totp.StepAt(DateTimeOffset.FromUnixTimeSeconds(unixTime));
        Assert.Equal(sha1, Totp.Code(Sha1Seed, step, 8));
        Assert.Equal(sha256, Totp.Code(Sha256Seed, step, 8, HashAlgorithmName.SHA256));
        Assert.Equal(sha512, Totp.Code(Sha512Seed, step, 8, HashAlgorithmName.SHA512));
    }

    [Fact]
    public void Totp_accepts_one_step_of_skew_and_nothing_further()
    {
        var key = Totp.NewKey();
        var now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        var step = Totp.StepAt(now);
        Assert.Equal(step, Totp.Match(key, Totp.Code(key, step), now));
        Assert.Equal(step - 1, Totp.Match(key, Totp.Code(key, step - 1), now));
        Assert.Equal(step + 1, Totp.Match(key, Totp.Code(key, step + 1), now));
        Assert.Null(Totp.Match(key, Totp.Code(key, step + 2), now));
        Assert.Null(Totp.Match(key, "12345", now));
        Assert.Null(Totp.Match(key, "abcdef", now));
    }

    [Fact]
    public async Task A_totp_step_is_accepted_once()
    {
        await using var index = await TestIndex.StartAsync();
        var user = new UserAccount("u1", "u1", "u1@example.com", EmailVerified: false, "x", DateTimeOffset.UtcNow, 0, null, 0, null, IsDisabled: false);
        Assert.True(await index.Accounts.CreateUserAsync(user));
        Assert.True(await index.Accounts.ConsumeTotpStepAsync("u1", 100));
        Assert.False(await index.Accounts.ConsumeTotpStepAsync("u1", 100)); // replay
        Assert.False(await index.Accounts.ConsumeTotpStepAsync("u1", 99)); // an older code
        Assert.True(await index.Accounts.ConsumeTotpStepAsync("u1", 101));
    }

    [Fact]
    public void Provisioning_uri_and_qr_code_carry_the_secret()
    {
        var key = Sha1Seed;
        var uri = Totp.ProvisioningUri(key, "alice", "Moat");
        Assert.Equal("otpauth://totp/Moat:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Moat&algorithm=SHA1&digits=6&period=30", uri);
        Assert.Equal(key, Base32.Decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"));
        Assert.Contains("<svg", Totp.QrSvg(uri));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], Totp.QrPng(uri)[..4]);
    }

    [Fact]
    public void Passwords_use_pbkdf2_sha256_at_600000_iterations_and_verify_in_constant_time()
    {
        var hash = Passwords.Hash("blue-Harbor-lantern-42");
        Assert.StartsWith("pbkdf2_sha256$600000$", hash);
        Assert.True(Passwords.Verify("blue-Harbor-lantern-42", hash, out var rehash));
        Assert.False(rehash);
        Assert.False(Passwords.Verify("blue-Harbor-lantern-43", hash, out _));
        Assert.False(Passwords.Verify("x", "md5$garbage", out _));
        var old = Passwords.Hash("blue-Harbor-lantern-42", 1000);
        Assert.True(Passwords.Verify("blue-Harbor-lantern-42", old, out rehash));
        Assert.True(rehash); // raised on the next login
    }

    [Theory]
    [InlineData("short1!", "Passwords must be at least")]
    [InlineData("password123", "common or breached")]
    [InlineData("Qwertyuiop!!", "common or breached")]
    [InlineData("correcthorsebatterystaple", "common or breached")]
    [InlineData("aaaaaaaaaaaaaa", "too few different")]
    [InlineData("my-alice-password-x", "must not contain the username")]
    public void Weak_passwords_are_refused(string password, string why) =>
        Assert.Contains(why, Passwords.Weakness(password, "alice"));

    [Fact]
    public void A_long_uncommon_password_is_accepted() => Assert.Null(Passwords.Weakness("blue-Harbor-lantern-42", "alice"));

    [Fact]
    public void Macaroon_caveats_narrow_a_token_and_cannot_be_removed()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        var token = Macaroons.Mint("id1", key, [Macaroons.ProjectsCaveat(["alpha", "beta"])]);
        Assert.StartsWith("moat-", token);
        var parsed = Macaroons.Parse(token)!;
        Assert.True(Macaroons.VerifySignature(parsed, key));
        Assert.Null(Macaroons.Check(parsed.Caveats, new CaveatContext("beta", now)));
        Assert.Contains("scoped to", Macaroons.Check(parsed.Caveats, new CaveatContext("gamma", now)));

        // Client-side attenuation: no key needed, and the result still verifies with the server's key.
        var narrowed = Macaroons.Attenuate(Macaroons.Attenuate(token, Macaroons.ProjectsCaveat(["alpha"])), Macaroons.ExpiresCaveat(now.AddMinutes(5)));
        var n = Macaroons.Parse(narrowed)!;
        Assert.True(Macaroons.VerifySignature(n, key));
        Assert.Null(Macaroons.Check(n.Caveats, new CaveatContext("alpha", now)));
        Assert.Contains("scoped to 'alpha'", Macaroons.Check(n.Caveats, new CaveatContext("beta", now)));
        Assert.Equal("The token has expired.", Macaroons.Check(n.Caveats, new CaveatContext("alpha", now.AddMinutes(5))));

        // Dropping a caveat (or re-ordering, or editing one) breaks the chain.
        var stripped = new Macaroon(n.Id, [n.Caveats[0], n.Caveats[1]], n.Signature);
        Assert.False(Macaroons.VerifySignature(stripped, key));
        var edited = new Macaroon(n.Id, [Macaroons.ProjectsCaveat(["gamma"]), n.Caveats[1], n.Caveats[2]], n.Signature);
        Assert.False(Macaroons.VerifySignature(edited, key));
        Assert.False(Macaroons.VerifySignature(n, RandomNumberGenerator.GetBytes(32)));
    }

    [Fact]
    public void Not_before_and_unknown_caveats_fail_closed()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        Assert.Equal("The token is not valid yet.", Macaroons.Check([Macaroons.NotBeforeCaveat(now.AddSeconds(1))], new CaveatContext("a", now)));
        Assert.Null(Macaroons.Check([Macaroons.NotBeforeCaveat(now)], new CaveatContext("a", now)));
        Assert.Contains("unknown caveat", Macaroons.Check(["{\"ip\":\"10.0.0.1\"}"], new CaveatContext("a", now)));
        Assert.Contains("malformed", Macaroons.Check(["not json"], new CaveatContext("a", now)));
        Assert.Throws<ArgumentException>(() => Macaroons.Attenuate(Macaroons.Mint("i", new byte[32], []), "{\"ip\":\"x\"}"));
        Assert.Null(Macaroons.Parse("moat-" + Convert.ToBase64String(new byte[32]).TrimEnd('='))); // a legacy random token
        Assert.Null(Macaroons.Parse("moat-!!!"));
    }
}
