using System.Security.Cryptography;
using System.Xml.Linq;
using Dapper;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.DependencyInjection;
using Moat.Index.Storage;

namespace Moat.Index.Hosting;

/// <summary>
/// ASP.NET's data-protection keys (they encrypt antiforgery tokens and flash messages) in the index's database, so
/// every node of a cluster reads and writes the same key ring, each key encrypted with AES-256-GCM under a
/// key-encryption key that never enters the database: a stolen backup of the database cannot forge a form.
/// </summary>
public static class DataProtectionKeys
{
    /// <summary>The environment variable holding the key-encryption key: 32 random bytes in base64 (<c>openssl rand -base64 32</c>).</summary>
    public const string KeyVariable = "MOAT_KEY_ENCRYPTION_KEY";

    internal static readonly string[][] Migrations =
    [
        ["CREATE TABLE data_protection_keys (name TEXT PRIMARY KEY, xml TEXT NOT NULL, created_at TEXT NOT NULL)"],
    ];

    public static void Add(IServiceCollection services, IndexOptions options, Database database, TimeProvider time)
    {
        var key = KeyEncryptionKey.Load(options, database);
        database.Migrate("data-protection", Migrations);
        var repository = new DatabaseXmlRepository(database, time);
        ImportFileKeys(repository, Path.Combine(options.DataDirectory, "keys"));
        services.AddSingleton(key);
        services.AddDataProtection().SetApplicationName("moat");
        services.Configure<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>(o =>
        {
            o.XmlRepository = repository;
            o.XmlEncryptor = new AesGcmXmlEncryptor(key);
        });
    }

    /// <summary>
    /// Keys an older build kept as plain files in the data directory move into the database (so forms open during the
    /// upgrade still post), and the unencrypted files go.
    /// </summary>
    private static void ImportFileKeys(DatabaseXmlRepository repository, string directory)
    {
        if (!Directory.Exists(directory)) return;
        foreach (var file in Directory.GetFiles(directory, "*.xml"))
        {
            try
            {
                repository.StoreElement(XElement.Load(file), Path.GetFileNameWithoutExtension(file));
                File.Delete(file);
            }
            catch (System.Xml.XmlException)
            {
                // Not a key ASP.NET wrote: left alone, never read.
            }
        }
    }
}

/// <summary>The key-encryption key of <see cref="DataProtectionKeys"/>.</summary>
public sealed class KeyEncryptionKey
{
    internal byte[] Bytes { get; }

    private KeyEncryptionKey(byte[] bytes) => Bytes = bytes;

    /// <summary>
    /// <see cref="IndexOptions.KeyEncryptionKey"/> (from <see cref="DataProtectionKeys.KeyVariable"/>) when set. Otherwise,
    /// on the embedded SQLite database, a key generated once into the data directory (owner-only); on PostgreSQL the
    /// nodes must share one, so it must be given.
    /// </summary>
    public static KeyEncryptionKey Load(IndexOptions options, Database database)
    {
        if (options.KeyEncryptionKey is { Length: > 0 } text)
        {
            var bytes = new byte[64];
            if (!Convert.TryFromBase64String(text.Trim(), bytes, out var length) || length != 32)
                throw new IndexConfigurationException($"{DataProtectionKeys.KeyVariable} must be 32 bytes in base64 (openssl rand -base64 32)");
            return new KeyEncryptionKey(bytes[..32]);
        }
        if (database.Engine == DatabaseEngine.PostgreSql)
            throw new IndexConfigurationException($"{DataProtectionKeys.KeyVariable} is not set: with a PostgreSQL database every node needs the same key-encryption key (openssl rand -base64 32)");
        var path = Path.Combine(options.DataDirectory, "key-encryption.key");
        if (File.Exists(path)) return new KeyEncryptionKey(Convert.FromBase64String(File.ReadAllText(path).Trim()));
        Directory.CreateDirectory(options.DataDirectory);
        var generated = RandomNumberGenerator.GetBytes(32);
        var temporary = path + ".tmp";
        var create = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite; // owner only
        using (var file = new FileStream(temporary, create))
        using (var writer = new StreamWriter(file))
        {
            writer.Write(Convert.ToBase64String(generated));
        }
        try
        {
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process (moat admin beside moat serve) made one first: theirs is the key.
            File.Delete(temporary);
            return new KeyEncryptionKey(Convert.FromBase64String(File.ReadAllText(path).Trim()));
        }
        return new KeyEncryptionKey(generated);
    }
}

/// <summary>Key XML rows: insert and select only (ASP.NET never changes a stored key; it adds a new one).</summary>
internal sealed class DatabaseXmlRepository(Database database, TimeProvider time) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = database.Connect();
        return [.. connection.Query<string>("SELECT xml FROM data_protection_keys ORDER BY created_at, name").Select(xml => XElement.Parse(xml))];
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var connection = database.Connect();
        connection.Execute("INSERT INTO data_protection_keys (name, xml, created_at) VALUES (@name, @xml, @at) ON CONFLICT (name) DO NOTHING",
            new { name = friendlyName, xml = element.ToString(SaveOptions.DisableFormatting), at = SqlMetadataStore.Text(time.GetUtcNow()) });
    }
}

/// <summary>Encrypts a key's XML with AES-256-GCM under the key-encryption key: a random nonce per key, the tag checked on decryption.</summary>
internal sealed class AesGcmXmlEncryptor(KeyEncryptionKey key) : IXmlEncryptor
{
    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        var plaintext = System.Text.Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[AesGcm.TagByteSizes.MaxSize];
        using (var aes = new AesGcm(key.Bytes, tag.Length)) aes.Encrypt(nonce, plaintext, ciphertext, tag);
        var element = new XElement("moatEncryptedKey",
            new XAttribute("nonce", Convert.ToBase64String(nonce)),
            new XAttribute("tag", Convert.ToBase64String(tag)),
            Convert.ToBase64String(ciphertext));
        return new EncryptedXmlInfo(element, typeof(AesGcmXmlDecryptor));
    }
}

/// <summary>The other half of <see cref="AesGcmXmlEncryptor"/>; ASP.NET creates it with the app's services.</summary>
internal sealed class AesGcmXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        var key = services.GetRequiredService<KeyEncryptionKey>();
        var nonce = Convert.FromBase64String((string?)encryptedElement.Attribute("nonce") ?? "");
        var tag = Convert.FromBase64String((string?)encryptedElement.Attribute("tag") ?? "");
        var ciphertext = Convert.FromBase64String(encryptedElement.Value);
        var plaintext = new byte[ciphertext.Length];
        // A wrong key-encryption key fails here (AuthenticationTagMismatchException): the key is unusable, never misread.
        using (var aes = new AesGcm(key.Bytes, tag.Length)) aes.Decrypt(nonce, ciphertext, tag, plaintext);
        return XElement.Parse(System.Text.Encoding.UTF8.GetString(plaintext));
    }
}
