using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace Moat.Index.Accounts;

/// <summary>
/// Password hashing with PBKDF2-HMAC-SHA256 at OWASP's current work factor (600,000 iterations, 16-byte salt,
/// 32-byte key), stored as <c>pbkdf2_sha256$iterations$salt$hash</c> so the factor can be raised later and old
/// hashes still verify (and are re-hashed on the next login). Weak passwords are refused before hashing.
/// </summary>
public static class Passwords
{
    public const int OwaspIterations = 600_000;
    public const int MinLength = 10;
    public const int MaxLength = 1024; // bounds the KDF's input

    private static readonly Lazy<HashSet<string>> Common = new(LoadCommon);

    public static string Hash(string password, int iterations = OwaspIterations)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var key = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);
        return $"pbkdf2_sha256${iterations.ToString(CultureInfo.InvariantCulture)}${Convert.ToBase64String(salt)}${Convert.ToBase64String(key)}";
    }

    /// <summary>Constant-time check of <paramref name="password"/> against a stored hash; malformed hashes never match.</summary>
    public static bool Verify(string password, string stored, out bool needsRehash, int currentIterations = OwaspIterations)
    {
        needsRehash = false;
        var parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] != "pbkdf2_sha256" || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out var iterations) || iterations < 1) return false;
        if (password.Length > MaxLength) return false;
        byte[] salt, expected;
        try
        {
            salt = Convert.FromBase64String(parts[2]);
            expected = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            return false;
        }
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        needsRehash = iterations < currentIterations;
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>Why a password is refused (null when acceptable): length, the user's own name, or a common/breached password.</summary>
    public static string? Weakness(string password, string username)
    {
        if (password.Length < MinLength) return $"Passwords must be at least {MinLength} characters.";
        if (password.Length > MaxLength) return $"Passwords must be at most {MaxLength} characters.";
        var lower = password.ToLowerInvariant();
        if (username.Length >= 3 && lower.Contains(username.ToLowerInvariant(), StringComparison.Ordinal)) return "The password must not contain the username.";
        if (lower.Distinct().Count() < 4) return "The password repeats too few different characters.";
        // Common lists are mostly lower case with digits appended: check the password, and it without trailing digits/punctuation.
        var stem = lower.TrimEnd("0123456789!@#$%^&*.?".ToCharArray());
        if (Common.Value.Contains(lower) || (stem.Length > 0 && Common.Value.Contains(stem))) return "This password is on a list of common or breached passwords.";
        return null;
    }

    private static HashSet<string> LoadCommon()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Moat.Index.Accounts.CommonPasswords.txt")
            ?? throw new InvalidOperationException("embedded common password list missing");
        using var reader = new StreamReader(stream);
        var set = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0 && line[0] != '#') set.Add(line.Trim().ToLowerInvariant());
        }
        return set;
    }
}
