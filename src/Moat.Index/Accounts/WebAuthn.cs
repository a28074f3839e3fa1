using System.Buffers.Text;
using System.Buffers.Binary;
using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Moat.Index.Accounts;

/// <summary>A credential registered by an authenticator: its id, COSE public key and initial sign count.</summary>
public sealed record RegisteredCredential(byte[] Id, byte[] CosePublicKey, uint SignCount);

/// <summary>A WebAuthn ceremony the server refuses, with the reason.</summary>
public sealed class WebAuthnException(string message) : Exception(message);

/// <summary>
/// WebAuthn (Level 2) registration and assertion verification on the server, with System.Formats.Cbor and the
/// platform crypto: ES256 (COSE alg -7, P-256) and RS256 (alg -257). Checks the ceremony type, the challenge the
/// server issued, the origin, the RP ID hash, user presence, and (for assertions) the signature over
/// <c>authenticatorData || SHA-256(clientDataJSON)</c>. Attestation statements are not verified (format "none" is
/// what browsers send by default); the trust decision is the user's own registration behind password + session.
/// </summary>
public static class WebAuthn
{
    private const byte UserPresent = 0x01;
    private const byte AttestedData = 0x40;

    public static RegisteredCredential VerifyRegistration(byte[] clientDataJson, byte[] attestationObject, string expectedChallenge, string origin, string rpId)
    {
        CheckClientData(clientDataJson, "webauthn.create", expectedChallenge, origin);
        byte[] authData;
        try
        {
            var reader = new CborReader(attestationObject, CborConformanceMode.Lax);
            var count = reader.ReadStartMap();
            authData = [];
            for (var i = 0; count is null || i < count; i++)
            {
                if (count is null && reader.PeekState() == CborReaderState.EndMap) break;
                var key = reader.ReadTextString();
                if (key == "authData") authData = reader.ReadByteString();
                else reader.SkipValue(); // fmt, attStmt
            }
        }
        catch (Exception ex) when (ex is CborContentException or InvalidOperationException)
        {
            throw new WebAuthnException("The attestation object is not valid CBOR.");
        }
        var (flags, signCount, rest) = ParseAuthData(authData, rpId);
        if ((flags & AttestedData) == 0) throw new WebAuthnException("The authenticator data carries no credential.");
        if (rest.Length < 18) throw new WebAuthnException("The attested credential data is truncated.");
        var idLength = BinaryPrimitives.ReadUInt16BigEndian(rest.AsSpan(16, 2));
        if (rest.Length < 18 + idLength + 1) throw new WebAuthnException("The attested credential data is truncated.");
        var credentialId = rest[18..(18 + idLength)];
        var coseKey = rest[(18 + idLength)..];
        // Length of the COSE key is implicit: read one CBOR item to find its end (extensions may follow).
        var keyReader = new CborReader(coseKey, CborConformanceMode.Lax, allowMultipleRootLevelValues: true);
        try
        {
            keyReader.SkipValue();
        }
        catch (CborContentException)
        {
            throw new WebAuthnException("The credential public key is not valid CBOR.");
        }
        coseKey = coseKey[..(coseKey.Length - keyReader.BytesRemaining)];
        using (ImportKey(coseKey)) { } // refuses algorithms and curves we do not support, now rather than at login
        return new RegisteredCredential(credentialId, coseKey, signCount);
    }

    /// <summary>Verifies an assertion and returns the authenticator's new sign count.</summary>
    public static uint VerifyAssertion(byte[] clientDataJson, byte[] authenticatorData, byte[] signature, byte[] cosePublicKey, uint storedSignCount,
        string expectedChallenge, string origin, string rpId)
    {
        CheckClientData(clientDataJson, "webauthn.get", expectedChallenge, origin);
        var (_, signCount, _) = ParseAuthData(authenticatorData, rpId);
        var signed = new byte[authenticatorData.Length + 32];
        authenticatorData.CopyTo(signed, 0);
        SHA256.HashData(clientDataJson).CopyTo(signed, authenticatorData.Length);
        using var key = ImportKey(cosePublicKey);
        var valid = key switch
        {
            ECDsa ec => ec.VerifyData(signed, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence),
            RSA rsa => rsa.VerifyData(signed, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            _ => false,
        };
        if (!valid) throw new WebAuthnException("The assertion signature does not verify.");
        // A counter that does not grow means a cloned authenticator; 0 and 0 means the authenticator keeps no counter.
        if ((signCount != 0 || storedSignCount != 0) && signCount <= storedSignCount)
            throw new WebAuthnException("The authenticator's sign counter went backwards: the credential may be cloned.");
        return signCount;
    }

    private static void CheckClientData(byte[] clientDataJson, string type, string expectedChallenge, string origin)
    {
        try
        {
            using var doc = JsonDocument.Parse(clientDataJson);
            var root = doc.RootElement;
            if (root.GetProperty("type").GetString() != type) throw new WebAuthnException($"The client data is not a {type} ceremony.");
            var challenge = root.GetProperty("challenge").GetString() ?? "";
            if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(challenge), Encoding.ASCII.GetBytes(expectedChallenge)))
                throw new WebAuthnException("The challenge does not match the one this server issued.");
            if (root.GetProperty("origin").GetString() != origin) throw new WebAuthnException($"The origin is not {origin}.");
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new WebAuthnException("The client data is not valid JSON with type, challenge and origin.");
        }
    }

    private static (byte Flags, uint SignCount, byte[] Remaining) ParseAuthData(byte[] authData, string rpId)
    {
        if (authData.Length < 37) throw new WebAuthnException("The authenticator data is truncated.");
        if (!CryptographicOperations.FixedTimeEquals(authData.AsSpan(0, 32), SHA256.HashData(Encoding.UTF8.GetBytes(rpId))))
            throw new WebAuthnException($"The authenticator data is for another relying party than {rpId}.");
        var flags = authData[32];
        if ((flags & UserPresent) == 0) throw new WebAuthnException("The user was not present.");
        return (flags, BinaryPrimitives.ReadUInt32BigEndian(authData.AsSpan(33, 4)), authData[37..]);
    }

    /// <summary>Imports a COSE_Key: EC2 P-256 with ES256, or RSA with RS256.</summary>
    public static AsymmetricAlgorithm ImportKey(byte[] coseKey)
    {
        var reader = new CborReader(coseKey, CborConformanceMode.Lax);
        long? kty = null, alg = null, crv = null;
        byte[]? x = null, y = null, n = null, e = null;
        try
        {
            var count = reader.ReadStartMap() ?? throw new WebAuthnException("Indefinite-length COSE keys are not supported.");
            for (var i = 0; i < count; i++)
            {
                var label = reader.ReadInt64();
                switch (label)
                {
                    case 1: kty = reader.ReadInt64(); break;
                    case 3: alg = reader.ReadInt64(); break;
                    case -1 when kty == 2: crv = reader.ReadInt64(); break;
                    case -1 when kty == 3: n = reader.ReadByteString(); break;
                    case -2 when kty == 2: x = reader.ReadByteString(); break;
                    case -2 when kty == 3: e = reader.ReadByteString(); break;
                    case -3 when kty == 2: y = reader.ReadByteString(); break;
                    default: reader.SkipValue(); break;
                }
            }
        }
        catch (Exception ex) when (ex is CborContentException or InvalidOperationException)
        {
            throw new WebAuthnException("The COSE key is malformed.");
        }
        if (kty == 2 && alg == -7 && crv == 1 && x is { Length: 32 } && y is { Length: 32 })
            return ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = x, Y = y } });
        if (kty == 3 && alg == -257 && n is { Length: >= 256 } && e is not null)
            return RSA.Create(new RSAParameters { Modulus = n, Exponent = e });
        throw new WebAuthnException("Only ES256 (P-256) and RS256 (2048-bit or larger) credentials are supported.");
    }

    public static string NewChallenge() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
}
