using System.Security.Cryptography;
using Dapper;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Moat.Index.Storage;
using Moat.Testing;

namespace Moat.Index.Tests;

/// <summary>The data-protection key ring (antiforgery, flash messages) lives in the database, encrypted, shared by every node.</summary>
public sealed class DataProtectionKeyTests
{
    [Fact]
    public async Task A_token_protected_by_one_node_is_read_by_another_on_the_same_database_and_the_stored_keys_are_encrypted()
    {
        await using var first = await TestIndex.StartAsync();
        var token = first.App.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Protect("hello");

        await using var second = await TestIndex.StartAsync(o => o with { Database = first.Options.Database, DataDirectory = first.DataDirectory });
        Assert.Equal("hello", second.App.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Unprotect(token));

        using var databases = IndexDatabases.Open(first.Options);
        using var connection = databases.Index.Connect();
        var stored = (await connection.QueryAsync<string>("SELECT xml FROM data_protection_keys")).ToList();
        Assert.NotEmpty(stored);
        Assert.All(stored, xml =>
        {
            Assert.Contains("moatEncryptedKey", xml, StringComparison.Ordinal);
            Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal); // the key material never sits in the database in clear
        });
        Assert.False(Directory.Exists(Path.Combine(first.DataDirectory, "keys")));
    }

    [Fact]
    public async Task A_node_with_another_key_encryption_key_cannot_use_the_key_ring()
    {
        await using var first = await TestIndex.StartAsync();
        var token = first.App.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Protect("hello");

        var otherKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using var other = await TestIndex.StartAsync(o => o with { Database = first.Options.Database, DataDirectory = first.DataDirectory, KeyEncryptionKey = otherKey });
        Assert.ThrowsAny<CryptographicException>(() => other.App.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Unprotect(token));
    }

    [Fact]
    public async Task A_malformed_key_encryption_key_stops_the_start_with_one_line()
    {
        var error = await Assert.ThrowsAsync<IndexConfigurationException>(() => TestIndex.StartAsync(o => o with { KeyEncryptionKey = "c2hvcnQ=" }));
        Assert.Contains("MOAT_KEY_ENCRYPTION_KEY must be 32 bytes", error.Message, StringComparison.Ordinal);
    }
}
