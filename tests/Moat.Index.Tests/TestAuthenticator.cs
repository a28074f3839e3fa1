using System.Buffers.Text;
using System.Buffers.Binary;
using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Moat.Index.Tests;

/// <summary>
/// A software FIDO2 authenticator for tests: a real ES256 (P-256) or RS256 (2048-bit) key pair, producing the
/// exact bytes a browser hands to the server — clientDataJSON, a CBOR attestation object with COSE key, and
/// assertions signed over authenticatorData || SHA-256(clientDataJSON).
/// </summary>
internal sealed class TestAuthenticator(bool rsa = false) : IDisposable
{
    private readonly ECDsa? _ec = rsa ? null : ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly RSA? _rsa = rsa ? RSA.Create(2048) : null;
    public byte[] CredentialId { get; } = RandomNumberGenerator.GetBytes(16);
    public uint Counter { get; set; }

    public string CredentialIdText => Base64Url.EncodeToString(CredentialId);

    public static byte[] ClientData(string type, string challenge, string origin) =>
        JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["type"] = type, ["challenge"] = challenge, ["origin"] = origin, ["crossOrigin"] = false });

    private byte[] AuthData(string rpId, bool attested, byte flags = 0x01 | 0x04)
    {
        var data = new List<byte>(SHA256.HashData(Encoding.UTF8.GetBytes(rpId)));
        data.Add((byte)(flags | (attested ? 0x40 : 0)));
        var counter = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(counter, Counter);
        data.AddRange(counter);
        if (attested)
        {
            data.AddRange(new byte[16]); // AAGUID
            data.Add((byte)(CredentialId.Length >> 8));
            data.Add((byte)CredentialId.Length);
            data.AddRange(CredentialId);
            data.AddRange(CoseKey());
        }
        return [.. data];
    }

    private byte[] CoseKey()
    {
        var w = new CborWriter(CborConformanceMode.Ctap2Canonical);
        if (_ec is not null)
        {
            var p = _ec.ExportParameters(false);
            w.WriteStartMap(5);
            w.WriteInt32(1); w.WriteInt32(2);
            w.WriteInt32(3); w.WriteInt32(-7);
            w.WriteInt32(-1); w.WriteInt32(1);
            w.WriteInt32(-2); w.WriteByteString(p.Q.X!);
            w.WriteInt32(-3); w.WriteByteString(p.Q.Y!);
        }
        else
        {
            var p = _rsa!.ExportParameters(false);
            w.WriteStartMap(4);
            w.WriteInt32(1); w.WriteInt32(3);
            w.WriteInt32(3); w.WriteInt32(-257);
            w.WriteInt32(-1); w.WriteByteString(p.Modulus!);
            w.WriteInt32(-2); w.WriteByteString(p.Exponent!);
        }
        w.WriteEndMap();
        return w.Encode();
    }

    /// <summary>navigator.credentials.create(): (clientDataJSON, attestationObject) with attestation "none".</summary>
    public (byte[] ClientDataJson, byte[] AttestationObject) Register(string challenge, string origin, string rpId)
    {
        var w = new CborWriter(CborConformanceMode.Ctap2Canonical);
        w.WriteStartMap(3);
        w.WriteTextString("fmt"); w.WriteTextString("none");
        w.WriteTextString("attStmt"); w.WriteStartMap(0); w.WriteEndMap();
        w.WriteTextString("authData"); w.WriteByteString(AuthData(rpId, attested: true));
        w.WriteEndMap();
        return (ClientData("webauthn.create", challenge, origin), w.Encode());
    }

    /// <summary>navigator.credentials.get(): (clientDataJSON, authenticatorData, signature); bumps the counter.</summary>
    public (byte[] ClientDataJson, byte[] AuthenticatorData, byte[] Signature) Assert(string challenge, string origin, string rpId, bool bump = true)
    {
        if (bump) Counter++;
        var clientData = ClientData("webauthn.get", challenge, origin);
        var authData = AuthData(rpId, attested: false);
        byte[] signed = [.. authData, .. SHA256.HashData(clientData)];
        var signature = _ec is not null
            ? _ec.SignData(signed, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence)
            : _rsa!.SignData(signed, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return (clientData, authData, signature);
    }


    public void Dispose()
    {
        _ec?.Dispose();
        _rsa?.Dispose();
    }
}
