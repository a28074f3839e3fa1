using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Moat.Index.Provenance;

/// <summary>
/// The transparency log's two proofs that an entry was logged (Rekor v1): the signed entry timestamp — the log's
/// signature over the entry's body, integrated time, log id and index, which is what makes the integrated time a
/// trustworthy signing time — and the inclusion proof, an RFC 6962 audit path from the entry's leaf to a tree root
/// that a checkpoint signed by the log commits to. Each returns null when it holds, else why not.
/// </summary>
public static class TransparencyEntryCheck
{
    /// <summary>
    /// The SET is an ECDSA signature over the RFC 8785 canonical JSON of <c>{body, integratedTime, logID, logIndex}</c>.
    /// The four values are base64, an integer, lower-case hex and an integer — text that needs no JSON escaping and
    /// whose keys are already in canonical order — so the canonical form is written directly.
    /// </summary>
    public static string? SignedEntryTimestamp(TransparencyEntry entry, TransparencyLogKey log)
    {
        if (entry.SignedEntryTimestamp is not { } set) return "the transparency entry has no signed entry timestamp";
        var payload = string.Create(CultureInfo.InvariantCulture,
            $"{{\"body\":\"{Convert.ToBase64String(entry.CanonicalizedBody)}\",\"integratedTime\":{entry.IntegratedTime},\"logID\":\"{Convert.ToHexStringLower(entry.LogId)}\",\"logIndex\":{entry.LogIndex}}}");
        return Verify(log, Encoding.UTF8.GetBytes(payload), set) ? null : "the signed entry timestamp does not verify against the transparency log's key";
    }

    public static string? InclusionProof(TransparencyEntry entry, TransparencyLogKey log)
    {
        if (entry.Proof is not { } proof) return "the transparency entry has no inclusion proof";
        if (proof.TreeSize <= 0 || proof.LogIndex < 0 || proof.LogIndex >= proof.TreeSize) return "the inclusion proof's index is outside its tree";
        var leaf = LeafHash(entry.CanonicalizedBody);
        if (RootFromAuditPath(proof.LogIndex, proof.TreeSize, leaf, proof.Hashes) is not { } computed || !CryptographicOperations.FixedTimeEquals(computed, proof.RootHash))
            return "the inclusion proof does not lead to its root hash";
        return Checkpoint(proof, log);
    }

    /// <summary>RFC 6962 leaf hash: SHA-256(0x00 || entry).</summary>
    public static byte[] LeafHash(ReadOnlySpan<byte> entry)
    {
        var buffer = new byte[entry.Length + 1];
        entry.CopyTo(buffer.AsSpan(1));
        return SHA256.HashData(buffer);
    }

    /// <summary>RFC 6962 interior node: SHA-256(0x01 || left || right).</summary>
    public static byte[] NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        Span<byte> buffer = stackalloc byte[1 + left.Length + right.Length];
        buffer[0] = 1;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[(1 + left.Length)..]);
        return SHA256.HashData(buffer);
    }

    /// <summary>The root an audit path leads to (RFC 9162 §2.1.3.2), or null when the path has the wrong length for the tree.</summary>
    public static byte[]? RootFromAuditPath(long index, long treeSize, byte[] leafHash, IReadOnlyList<byte[]> path)
    {
        long fn = index, sn = treeSize - 1;
        var r = leafHash;
        foreach (var p in path)
        {
            if (sn == 0 || p.Length != 32) return null;
            if ((fn & 1) == 1 || fn == sn)
            {
                r = NodeHash(p, r);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else r = NodeHash(r, p);
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 ? r : null;
    }

    /// <summary>
    /// The checkpoint is a signed note (<c>origin\nsize\nbase64(root)\n[extensions]\n\n— name base64(keyhint‖signature)\n</c>):
    /// its size and root must be the proof's, and one signature line whose 4-byte key hint is the log id's start must
    /// verify over the note's text (everything up to and including the blank line's first newline).
    /// </summary>
    private static string? Checkpoint(InclusionProof proof, TransparencyLogKey log)
    {
        var envelope = proof.Checkpoint;
        var split = envelope.IndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0) return "the inclusion proof's checkpoint is not a signed note";
        var note = envelope[..(split + 1)];
        var lines = note.Split('\n');
        if (lines.Length < 4 || !long.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size) || size != proof.TreeSize)
            return "the checkpoint's tree size is not the inclusion proof's";
        byte[] root;
        try { root = Convert.FromBase64String(lines[2]); } catch (FormatException) { return "the checkpoint's root hash is not base64"; }
        if (!root.AsSpan().SequenceEqual(proof.RootHash)) return "the checkpoint's root hash is not the inclusion proof's";
        var noteBytes = Encoding.UTF8.GetBytes(note);
        foreach (var line in envelope[(split + 2)..].Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // "— <name> <base64>": the em dash, the signer's name, then the key hint and signature.
            if (!line.StartsWith("\u2014 ", StringComparison.Ordinal)) continue;
            var space = line.LastIndexOf(' ');
            byte[] signed;
            try { signed = Convert.FromBase64String(line[(space + 1)..]); } catch (FormatException) { continue; }
            if (signed.Length < 5 || !signed.AsSpan(0, 4).SequenceEqual(log.LogId.AsSpan(0, 4))) continue;
            if (Verify(log, noteBytes, signed[4..])) return null;
            return "the checkpoint's signature does not verify against the transparency log's key";
        }
        return "the checkpoint carries no signature by the transparency log";
    }

    private static bool Verify(TransparencyLogKey log, byte[] data, byte[] derSignature)
    {
        try { return log.Key.VerifyData(data, derSignature, log.Hash, DSASignatureFormat.Rfc3279DerSequence); }
        catch (CryptographicException) { return false; }
    }
}
