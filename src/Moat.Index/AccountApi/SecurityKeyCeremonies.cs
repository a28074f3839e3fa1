namespace Moat.Index.AccountApi;

// The WebAuthn ceremony options the browser's navigator.credentials calls take, as the JSON API writes them
// (camelCase, binary fields base64url): W3C Web Authentication, PublicKeyCredentialCreationOptions and
// PublicKeyCredentialRequestOptions, reduced to the members Moat sets.

/// <summary>The options for <c>navigator.credentials.create()</c>.</summary>
public sealed record KeyCreationOptions(
    string Challenge,
    RelyingParty Rp,
    KeyUser User,
    IReadOnlyList<KeyAlgorithm> PubKeyCredParams,
    IReadOnlyList<KeyDescriptor> ExcludeCredentials,
    string Attestation,
    KeySelection AuthenticatorSelection);

/// <summary>The options for <c>navigator.credentials.get()</c>.</summary>
public sealed record KeyRequestOptions(string Challenge, string RpId, IReadOnlyList<KeyDescriptor> AllowCredentials, string UserVerification);

public sealed record RelyingParty(string Id, string Name);

/// <summary>The account a new key is for; <see cref="Id"/> is the user id's UTF-8 bytes, base64url.</summary>
public sealed record KeyUser(string Id, string Name, string DisplayName);

/// <summary>A COSE algorithm the server verifies (-7 ES256, -257 RS256).</summary>
public sealed record KeyAlgorithm(string Type, int Alg);

/// <summary>A registered key, by its base64url credential id.</summary>
public sealed record KeyDescriptor(string Type, string Id);

public sealed record KeySelection(string UserVerification);
