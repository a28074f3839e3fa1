using Konscious.Security.Cryptography;

namespace Moat.Index.Upload;

/// <summary>Incremental unkeyed BLAKE2b with a 256-bit digest (twine's <c>blake2_256_digest</c>); .NET has no BLAKE2 of its own.</summary>
public sealed class Blake2b256 : IDisposable
{
    private readonly HMACBlake2B _hash = new(256);

    public Blake2b256() => _hash.Initialize();

    public void Append(byte[] buffer, int count) => _hash.TransformBlock(buffer, 0, count, null, 0);

    public string FinishHex()
    {
        _hash.TransformFinalBlock([], 0, 0);
        return Convert.ToHexStringLower(_hash.Hash!);
    }

    public void Dispose() => _hash.Dispose();
}
