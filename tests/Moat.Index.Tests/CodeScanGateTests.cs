using System.Net;
using Moat.Testing;

namespace Moat.Index.Tests;

/// <summary>The upload gate runs the malicious-package scanner: a real-shaped malicious sdist is refused, a benign one is served.</summary>
public sealed class CodeScanGateTests : IDisposable
{
    private readonly DirectoryInfo _packed = Directory.CreateTempSubdirectory("moat-gate-");

    private (string Name, string Version, string File, byte[] Content) Pack(string kind, string sample)
    {
        var directory = TestPaths.Fixtures("code", "corpus", kind, sample);
        var meta = FixturePacker.ReadSample(directory);
        var archive = FixturePacker.Pack(directory, _packed.FullName);
        return (meta.Name, meta.Version, Path.GetFileName(archive), File.ReadAllBytes(archive));
    }

    [Fact]
    public async Task A_malicious_upload_is_rejected_with_the_reason_and_its_verdict_is_stored()
    {
        await using var index = await TestIndex.StartAsync();
        var (name, version, file, content) = Pack("malicious", "m002-setup-module-exec-b64");
        using var response = await index.UploadAsync(await index.TokenAsync(name),
            TestDistributions.UploadForm(name, version, file, content, wheel: file.EndsWith(".whl", StringComparison.Ordinal)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("malicious", response.ReasonPhrase);
        Assert.Contains("MOAT-CODE", await response.Content.ReadAsStringAsync());
        var page = await index.Client.GetAsync($"/simple/{name}/");
        Assert.NotEqual(HttpStatusCode.OK, page.StatusCode); // nothing of it is served
    }

    [Fact]
    public async Task A_benign_c_extension_sdist_is_accepted_and_listed()
    {
        await using var index = await TestIndex.StartAsync();
        var (name, version, file, content) = Pack("benign", "b001-cext-build-ext-optional");
        using var response = await index.UploadAsync(await index.TokenAsync(name),
            TestDistributions.UploadForm(name, version, file, content, wheel: file.EndsWith(".whl", StringComparison.Ordinal)));

        Assert.True(response.IsSuccessStatusCode, response.ReasonPhrase);
        Assert.Contains(file, await index.GetAsync($"/simple/{name}/", "text/html"));
    }

    public void Dispose() => _packed.Delete(recursive: true);
}
