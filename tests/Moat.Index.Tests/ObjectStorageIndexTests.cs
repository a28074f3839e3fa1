using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Moat.Index.Admin;
using Moat.Index.Storage;
using Moat.Testing;

namespace Moat.Index.Tests;

/// <summary>A whole index on each blob backend: what an upload commits, what a delete leaves to the sweep, pre-signed downloads, <c>[storage]</c> settings.</summary>
public sealed class ObjectStorageIndexTests
{
    [Theory]
    [InlineData(BlobBackend.FileSystem)]
    [ServerData(TestServer.S3, BlobBackend.S3)]
    public async Task An_upload_commits_file_and_metadata_and_the_sweep_removes_a_deleted_files_bytes_only(BlobBackend backend)
    {
        await using var index = await TestIndex.StartAsync(blobs: backend);
        var token = await index.TokenAsync(null, admin: true);
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(token, "alpha", "1.0")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(token, "alpha", "2.0")).StatusCode);
        var kept = await index.Store.GetFileAsync("alpha-1.0-py3-none-any.whl");
        var deleted = await index.Store.GetFileAsync("alpha-2.0-py3-none-any.whl");
        Assert.Equal(TestDistributions.Wheel("alpha", "2.0"), await index.Blobs.ReadAllAsync(deleted!.Sha256));
        Assert.True(await index.Blobs.ExistsAsync(kept!.MetadataSha256!, default)); // the PEP 658 metadata is a blob too
        Assert.DoesNotContain(await index.Blobs.ListAsync(), b => b.Staging);   // nothing left in staging

        Assert.True((await index.Admin.DeleteFileAsync(deleted.Filename)).Ok);
        var sweep = new BlobSweep(index.Store, index.App.Services.GetRequiredService<Proxy.ProxyStore>(), index.Blobs, index.Clock);
        Assert.Empty((await sweep.RunAsync(BlobSweep.DefaultGrace, delete: true)).Deleted); // within the grace period
        index.Clock.Advance(TimeSpan.FromHours(2));
        var report = await sweep.RunAsync(BlobSweep.DefaultGrace, delete: true);

        Assert.Equal(new[] { deleted.Sha256, deleted.MetadataSha256! }.Order(), report.Deleted.Select(b => b.Name).Order());
        Assert.False(await index.Blobs.ExistsAsync(deleted.Sha256, default));
        var download = await index.Client.GetByteArrayAsync($"/files/{kept.Sha256}/{kept.Filename}");
        Assert.Equal(kept.Sha256, Convert.ToHexStringLower(SHA256.HashData(download)));
        Assert.NotEmpty(await index.Client.GetStringAsync($"/files/{kept.Sha256}/{kept.Filename}.metadata"));
    }

    [ServerFact(TestServer.S3)]
    public async Task Presigned_downloads_redirect_to_the_bucket_which_serves_the_bytes_and_ranges()
    {
        await using var index = await TestIndex.StartAsync(o => o with { Blobs = BlobBackends.S3Options(presignedDownloads: true) });
        await index.UploadWheelAsync(await index.TokenAsync("alpha"), "alpha", "1.0");
        var wheel = TestDistributions.Wheel("alpha", "1.0");
        var sha = Convert.ToHexStringLower(SHA256.HashData(wheel));

        using var redirect = await index.Client.GetAsync($"/files/{sha}/alpha-1.0-py3-none-any.whl");
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.True(redirect.Headers.CacheControl!.NoStore); // the signature expires; the file's URL does not
        var location = redirect.Headers.Location!;
        Assert.StartsWith(TestServers.RequireS3().Endpoint, location.ToString());
        var expires = int.Parse(System.Text.RegularExpressions.Regex.Match(location.Query, "X-Amz-Expires=([0-9]+)").Groups[1].Value);
        Assert.InRange(expires, 290, 301); // five minutes (the SDK rounds up)

        using var bucket = new HttpClient();
        using var whole = await bucket.GetAsync(location);
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal(wheel, await whole.Content.ReadAsByteArrayAsync());
        Assert.Equal("application/zip", whole.Content.Headers.ContentType!.MediaType);
        using var ranged = new HttpRequestMessage(HttpMethod.Get, location);
        ranged.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(wheel.Length - 22, null);
        using var tail = await bucket.SendAsync(ranged);
        Assert.Equal(HttpStatusCode.PartialContent, tail.StatusCode);
        Assert.Equal(wheel[^22..], await tail.Content.ReadAsByteArrayAsync());

        // Refusals are still the index's: a quarantined project's file never redirects.
        Assert.True((await index.Admin.SetStatusAsync("alpha", "quarantined", "malware reported")).Ok);
        Assert.Equal(HttpStatusCode.Forbidden, (await index.Client.GetAsync($"/files/{sha}/alpha-1.0-py3-none-any.whl")).StatusCode);
    }

    [Fact]
    public void Storage_settings_read_from_moat_toml_and_bad_values_are_refused()
    {
        static IndexOptions Parse(string toml) => IndexOptions.Apply(new IndexOptions(), Tomlyn.TomlSerializer.Deserialize<Tomlyn.Model.TomlTable>(toml)!, "moat.toml");
        Assert.Null(new IndexOptions().Blobs.S3);
        var s3 = Parse("[storage]\nblobs = \"s3://moat-files/index/prod/\"\ns3-path-style = true\ns3-presigned-downloads = true\n").Blobs;
        Assert.Equal(new S3Location("moat-files", "index/prod/"), s3.S3);
        Assert.True(s3.S3PathStyle);
        Assert.True(s3.S3PresignedDownloads);
        Assert.Equal(new S3Location("moat-files", ""), Parse("[storage]\nblobs = \"s3://moat-files\"\n").Blobs.S3);

        Assert.Contains("must be \"s3://bucket/prefix\"", Assert.Throws<IndexConfigurationException>(() => Parse("[storage]\nblobs = \"/srv/blobs\"\n")).Message);
        Assert.Contains("bucket name", Assert.Throws<IndexConfigurationException>(() => Parse("[storage]\nblobs = \"s3://Moat_Files/x\"\n")).Message);
        Assert.Contains("\"..\"", Assert.Throws<IndexConfigurationException>(() => Parse("[storage]\nblobs = \"s3://moat-files/a/../b\"\n")).Message);
        Assert.Contains("true or false", Assert.Throws<IndexConfigurationException>(() => Parse("[storage]\nblobs = \"s3://moat-files\"\ns3-path-style = \"yes\"\n")).Message);
        Assert.Contains("need storage.blobs", Assert.Throws<IndexConfigurationException>(() => Parse("[storage]\ns3-presigned-downloads = true\n")).Message);
        Assert.Contains("did you mean 'blobs'?", Assert.Throws<IndexConfigurationException>(() => ConfigurationKeys.Check("[storage]\nblob = \"s3://moat-files\"\n", "moat.toml")).Message);
    }
}
