using System.Numerics;

namespace Moat.Analysis.Names;

/// <summary>One bit of one character flipped (<c>o</c> 0x6F → <c>m</c> 0x6D): bitsquatting, from memory and transmission errors.</summary>
internal static class BitFlip
{
    public static string? Describe(char typed, char meant) =>
        typed < 0x80 && meant < 0x80 && BitOperations.PopCount((uint)(typed ^ meant)) == 1
            ? $"'{meant}' (0x{(int)meant:X2}) bit-flipped to '{typed}' (0x{(int)typed:X2})"
            : null;
}
