using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Moat.Testing;

/// <summary>
/// A CI identity provider and a secret-scanning partner run by the test on 127.0.0.1: its own RSA key (RS256 JWTs,
/// OIDC discovery + JWKS) and ECDSA P-256 key (signed leak reports, GitHub's key-list format).
/// </summary>
internal sealed class TestIssuer : IAsyncDisposable
{
    private readonly WebApplication _app;
    public RSA Rsa { get; } = RSA.Create(2048);
    public ECDsa Partner { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    public string Kid { get; } = "test-key-1";
    public string PartnerKeyId { get; } = "partner-key-1";
    public string Url { get; }
    public int JwksFetches;

    private TestIssuer(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public static async Task<TestIssuer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        TestIssuer? self = null;
        app.MapGet("/.well-known/openid-configuration", () => Results.Json(new { issuer = self!.Url, jwks_uri = self.Url + "/jwks" }));
        app.MapGet("/jwks", () =>
        {
            Interlocked.Increment(ref self!.JwksFetches);
            var p = self.Rsa.ExportParameters(false);
            return Results.Json(new { keys = new[] { new { kty = "RSA", kid = self.Kid, alg = "RS256", use = "sig", n = B64(p.Modulus!), e = B64(p.Exponent!) } } });
        });
        app.MapGet("/partner-keys", () => Results.Json(new { public_keys = new[] { new { key_identifier = self!.PartnerKeyId, key = self.Partner.ExportSubjectPublicKeyInfoPem(), is_current = true } } }));
        await app.StartAsync();
        var address = app.Urls.First();
        self = new TestIssuer(app, address.TrimEnd('/'));
        return self;
    }

    /// <summary>A signed RS256 JWT with the given claims (iss defaults to this issuer).</summary>
    public string Jwt(IDictionary<string, object> claims, RSA? signWith = null, string? kid = null, string alg = "RS256")
    {
        var header = B64(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["alg"] = alg, ["typ"] = "JWT", ["kid"] = kid ?? Kid }));
        var payload = B64(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signature = (signWith ?? Rsa).SignData(Encoding.ASCII.GetBytes(header + "." + payload), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{header}.{payload}.{B64(signature)}";
    }

    /// <summary>The claims GitHub Actions puts in an identity token for owner/repo's workflow on refs/heads/main.</summary>
    public Dictionary<string, object> GitHubClaims(string repository, string ownerId, string workflow, string? environment = null, string eventName = "push", string audience = "moat")
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var claims = new Dictionary<string, object>
        {
            ["iss"] = Url, ["aud"] = audience, ["iat"] = now, ["nbf"] = now, ["exp"] = now + 300, ["jti"] = Guid.NewGuid().ToString(),
            ["sub"] = $"repo:{repository}:ref:refs/heads/main", ["repository"] = repository, ["repository_owner"] = repository.Split('/')[0],
            ["repository_owner_id"] = ownerId, ["repository_id"] = "99", ["job_workflow_ref"] = $"{repository}/.github/workflows/{workflow}@refs/heads/main",
            ["workflow_ref"] = $"{repository}/.github/workflows/{workflow}@refs/heads/main", ["ref"] = "refs/heads/main", ["sha"] = "0123456789abcdef0123456789abcdef01234567",
            ["event_name"] = eventName, ["actor"] = "someone", ["run_id"] = "1",
        };
        if (environment is not null) claims["environment"] = environment;
        return claims;
    }

    public string SignReport(byte[] body, ECDsa? key = null) => Convert.ToBase64String((key ?? Partner).SignData(body, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));

    public static string B64(byte[] bytes) => Base64Url.EncodeToString(bytes);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Rsa.Dispose();
        Partner.Dispose();
    }
}
