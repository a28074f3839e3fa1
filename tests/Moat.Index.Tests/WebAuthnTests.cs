using System.Buffers.Text;
using System.Net;
using Moat.Index.Accounts;

namespace Moat.Index.Tests;

public sealed class WebAuthnTests
{
    private const string Origin = "https://moat.example.com";
    private const string RpId = "moat.example.com";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Registration_and_assertion_verify_for_es256_and_rs256(bool rsa)
    {
        using var key = new TestAuthenticator(rsa);
        var (clientData, attestation) = key.Register("reg-challenge", Origin, RpId);
        var credential = WebAuthn.VerifyRegistration(clientData, attestation, "reg-challenge", Origin, RpId);
        Assert.Equal(key.CredentialId, credential.Id);

        var (cd, ad, sig) = key.Assert("login-challenge", Origin, RpId);
        Assert.Equal(1u, WebAuthn.VerifyAssertion(cd, ad, sig, credential.CosePublicKey, credential.SignCount, "login-challenge", Origin, RpId));
    }

    [Fact]
    public void Wrong_challenge_origin_rp_signature_or_counter_are_refused()
    {
        using var key = new TestAuthenticator();
        var (clientData, attestation) = key.Register("c1", Origin, RpId);
        Assert.Contains("challenge", Assert.Throws<WebAuthnException>(() => WebAuthn.VerifyRegistration(clientData, attestation, "c2", Origin, RpId)).Message);
        Assert.Contains("origin", Assert.Throws<WebAuthnException>(() => WebAuthn.VerifyRegistration(clientData, attestation, "c1", "https://evil.example.com", RpId)).Message);
        Assert.Contains("relying party", Assert.Throws<WebAuthnException>(() => WebAuthn.VerifyRegistration(clientData, attestation, "c1", Origin, "evil.example.com")).Message);
        var credential = WebAuthn.VerifyRegistration(clientData, attestation, "c1", Origin, RpId);

        var (cd, ad, sig) = key.Assert("c3", Origin, RpId);
        Assert.Contains("not a webauthn.create", Assert.Throws<WebAuthnException>(() => WebAuthn.VerifyRegistration(cd, attestation, "c3", Origin, RpId)).Message);
        var tampered = (byte[])ad.Clone();
        tampered[^1] ^= 1; // counter byte
        Assert.Contains("signature", Assert.Throws<WebAuthnException>(() => WebAuthn.VerifyAssertion(cd, tampered, sig, credential.CosePublicKey, 0, "c3", Origin, RpId)).Message);
        Assert.Equal(1u, WebAuthn.VerifyAssertion(cd, ad, sig, credential.CosePublicKey, 0, "c3", Origin, RpId));
        // The same counter again: a cloned authenticator (or a replayed assertion).
        Assert.Contains("counter", Assert.Throws<WebAuthnException>(() => WebAuthn.VerifyAssertion(cd, ad, sig, credential.CosePublicKey, 1, "c3", Origin, RpId)).Message);
        using var other = new TestAuthenticator();
        var (ocd, oad, osig) = other.Assert("c4", Origin, RpId);
        Assert.Throws<WebAuthnException>(() => WebAuthn.VerifyAssertion(ocd, oad, osig, credential.CosePublicKey, 1, "c4", Origin, RpId));
        Assert.Throws<WebAuthnException>(() => WebAuthn.VerifyRegistration("{"u8.ToArray(), attestation, "c1", Origin, RpId));
        Assert.Throws<WebAuthnException>(() => WebAuthn.VerifyRegistration(clientData, [0xff, 0x00], "c1", Origin, RpId));
    }

    [Fact]
    public async Task A_security_key_registers_through_the_api_and_completes_a_later_login()
    {
        await using var index = await TestIndex.StartAsync();
        var alice = await AccountClient.RegisterAsync(index, "alice", totp: false);
        using var key = new TestAuthenticator();

        using var begin = await alice.PostAsync("/_/account/2fa/webauthn/register/begin");
        var options = await AccountClient.JsonAsync(begin);
        Assert.Equal("localhost", options.GetProperty("rp").GetProperty("id").GetString());
        var (cd, att) = key.Register(options.GetProperty("challenge").GetString()!, "http://localhost", "localhost");
        using var finish = await alice.PostAsync("/_/account/2fa/webauthn/register/finish",
            new { clientDataJson = Base64Url.EncodeToString(cd), attestationObject = Base64Url.EncodeToString(att), name = "yubikey" });
        Assert.Equal(HttpStatusCode.Created, finish.StatusCode);
        Assert.Equal(8, (await AccountClient.JsonAsync(finish)).GetProperty("recovery_codes").GetArrayLength());

        // A new login stops at the second factor until the key signs the server's challenge.
        alice.Cookie = null;
        using var login = await alice.LoginAsync();
        Assert.True((await AccountClient.JsonAsync(login)).GetProperty("two_factor_required").GetBoolean());
        Assert.Equal(HttpStatusCode.Unauthorized, (await alice.SendAsync(HttpMethod.Get, "/_/account/me")).StatusCode);

        using var assertBegin = await alice.PostAsync("/_/account/2fa/webauthn/assert/begin");
        var challenge = (await AccountClient.JsonAsync(assertBegin)).GetProperty("challenge").GetString()!;
        // A phishing site's origin is refused even with the right challenge.
        var (pcd, pad, psig) = key.Assert(challenge, "http://evil.invalid", "localhost");
        using var phished = await alice.PostAsync("/_/account/2fa/webauthn/assert/finish",
            new { credentialId = key.CredentialIdText, clientDataJson = Base64Url.EncodeToString(pcd), authenticatorData = Base64Url.EncodeToString(pad), signature = Base64Url.EncodeToString(psig) });
        Assert.Equal(HttpStatusCode.Unauthorized, phished.StatusCode);

        using var again = await alice.PostAsync("/_/account/2fa/webauthn/assert/begin");
        challenge = (await AccountClient.JsonAsync(again)).GetProperty("challenge").GetString()!;
        var (acd, aad, asig) = key.Assert(challenge, "http://localhost", "localhost");
        using var ok = await alice.PostAsync("/_/account/2fa/webauthn/assert/finish",
            new { credentialId = key.CredentialIdText, clientDataJson = Base64Url.EncodeToString(acd), authenticatorData = Base64Url.EncodeToString(aad), signature = Base64Url.EncodeToString(asig) });
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await alice.SendAsync(HttpMethod.Get, "/_/account/me")).StatusCode);
        // The challenge was single-use: replaying the same assertion fails.
        using var replay = await alice.PostAsync("/_/account/2fa/webauthn/assert/finish",
            new { credentialId = key.CredentialIdText, clientDataJson = Base64Url.EncodeToString(acd), authenticatorData = Base64Url.EncodeToString(aad), signature = Base64Url.EncodeToString(asig) });
        Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
    }

    [Fact]
    public async Task A_security_key_is_removed_only_by_its_owner_and_then_no_longer_signs_in()
    {
        await using var index = await TestIndex.StartAsync();
        var alice = await AccountClient.RegisterAsync(index, "alice"); // TOTP too, so removing the key leaves a second factor
        var mallory = await AccountClient.RegisterAsync(index, "mallory");
        using var key = new TestAuthenticator();
        using var begin = await alice.PostAsync("/_/account/2fa/webauthn/register/begin");
        var (cd, att) = key.Register((await AccountClient.JsonAsync(begin)).GetProperty("challenge").GetString()!, "http://localhost", "localhost");
        using var finish = await alice.PostAsync("/_/account/2fa/webauthn/register/finish", new { clientDataJson = Base64Url.EncodeToString(cd), attestationObject = Base64Url.EncodeToString(att), name = "desk key" });
        Assert.Equal(HttpStatusCode.Created, finish.StatusCode);
        var id = (await AccountClient.JsonAsync(finish)).GetProperty("credential_id").GetString()!;

        Assert.Equal(HttpStatusCode.NotFound, (await mallory.SendAsync(HttpMethod.Delete, $"/_/account/2fa/webauthn/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await alice.SendAsync(HttpMethod.Delete, $"/_/account/2fa/webauthn/{id}")).StatusCode);
        Assert.Null(await index.Accounts.CredentialAsync(id));

        alice.Cookie = null;
        await alice.LoginAsync();
        using var assertBegin = await alice.PostAsync("/_/account/2fa/webauthn/assert/begin");
        var challenge = (await AccountClient.JsonAsync(assertBegin)).GetProperty("challenge").GetString()!;
        var (acd, aad, asig) = key.Assert(challenge, "http://localhost", "localhost");
        using var refused = await alice.PostAsync("/_/account/2fa/webauthn/assert/finish",
            new { credentialId = key.CredentialIdText, clientDataJson = Base64Url.EncodeToString(acd), authenticatorData = Base64Url.EncodeToString(aad), signature = Base64Url.EncodeToString(asig) });
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("Unknown security key", await refused.Content.ReadAsStringAsync());
    }

}
