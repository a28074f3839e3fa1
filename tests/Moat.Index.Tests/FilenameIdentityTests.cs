using Moat.Packaging;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Moat.Index.Storage;
using Moat.Testing;

namespace Moat.Index.Tests;

/// <summary>
/// A filename, once used, names the same bytes forever — in every spelling PyPI treats as the same: the project name
/// normalized, the version PEP 440-normalized (3.0.0 is 3.0), tags lower-cased. Deleted, blocked and yanked files do
/// not come back through another spelling; filename variants uploaded in parallel end with exactly one stored.
/// Filenames carry no control, bidi or markup characters, and an oversized request is a 413.
/// </summary>
public sealed class FilenameIdentityTests
{
    private const string Json = "application/vnd.pypi.simple.v1+json";

    private static Task<HttpResponseMessage> UploadSdistAsync(TestIndex index, string token, string filename, string version, string module = "pkg", byte[]? content = null) =>
        index.UploadAsync(token, TestDistributions.UploadForm("hostile", version, filename, content ?? SdistWith(version, module), wheel: false));

    /// <summary>An sdist of hostile with <paramref name="module"/> varying its bytes.</summary>
    private static byte[] SdistWith(string version, string module) => TestDistributions.Sdist("hostile", version, module: module);

    private static async Task<JsonElement> PageAsync(TestIndex index) => JsonDocument.Parse(await index.GetAsync("/simple/hostile/", Json)).RootElement;

    [Fact]
    public async Task Another_spelling_of_a_stored_filename_is_the_same_file()
    {
        await using var index = await TestIndex.StartAsync();
        var token = await index.TokenAsync("hostile");
        var stored = SdistWith("3.0", "pkg");
        Assert.Equal(HttpStatusCode.OK, (await UploadSdistAsync(index, token, "hostile-3.0.tar.gz", "3.0", content: stored)).StatusCode);
        var wheel = TestDistributions.Wheel("hostile", "3.0");
        Assert.Equal(HttpStatusCode.OK, (await index.UploadAsync(token, TestDistributions.UploadForm("hostile", "3.0", "hostile-3.0-py3-none-any.whl", wheel))).StatusCode);

        foreach (var (filename, version) in new[] { ("Hostile-3.0.tar.gz", "3.0"), ("hostile-3.0.0.tar.gz", "3.0.0"), ("HOSTILE-3.0.0.tar.gz", "3.0.0") })
        {
            using var variant = await UploadSdistAsync(index, token, filename, version, module: "payload");
            Assert.Equal(HttpStatusCode.BadRequest, variant.StatusCode);
            Assert.Contains("File already exists", variant.ReasonPhrase);
            Assert.Contains("stored as 'hostile-3.0.tar.gz'", variant.ReasonPhrase);
        }
        foreach (var (filename, version) in new[] { ("Hostile-3.0-py3-none-any.whl", "3.0"), ("hostile-3.0-PY3-none-any.whl", "3.0"), ("hostile-3.0.0-py3-NONE-any.whl", "3.0.0") })
        {
            var other = TestDistributions.Wheel("hostile", version, module: "payload");
            using var variant = await index.UploadAsync(token, TestDistributions.UploadForm("hostile", version, filename, other));
            Assert.Equal(HttpStatusCode.BadRequest, variant.StatusCode);
            Assert.Contains("File already exists", variant.ReasonPhrase);
        }
        // The identical bytes under another spelling are the same upload again: OK, and still one file.
        Assert.Equal(HttpStatusCode.OK, (await UploadSdistAsync(index, token, "Hostile-3.0.tar.gz", "3.0", content: stored)).StatusCode);
        Assert.Equal(2, (await PageAsync(index)).GetProperty("files").GetArrayLength());
    }

    [Fact]
    public async Task A_deleted_or_blocked_filename_does_not_come_back_in_another_spelling()
    {
        await using var index = await TestIndex.StartAsync();
        var token = await index.TokenAsync("hostile");
        Assert.Equal(HttpStatusCode.OK, (await UploadSdistAsync(index, token, "hostile-3.0.tar.gz", "3.0")).StatusCode);
        Assert.True((await index.Admin.DeleteFileAsync("hostile-3.0.tar.gz")).Ok);
        using var deleted = await UploadSdistAsync(index, token, "Hostile-3.0.0.tar.gz", "3.0.0", module: "payload");
        Assert.Equal(HttpStatusCode.BadRequest, deleted.StatusCode);
        Assert.Contains("was deleted and cannot be reused", deleted.ReasonPhrase);

        Assert.Equal(HttpStatusCode.OK, (await UploadSdistAsync(index, token, "hostile-3.1.tar.gz", "3.1")).StatusCode);
        // An administrator's block (what a release or block of a quarantined upload ends in).
        Assert.True(await index.Store.ChangeFileStateAsync("hostile-3.1.tar.gz", FileState.Available, FileState.Blocked, "malware"));
        using var blocked = await UploadSdistAsync(index, token, "HOSTILE-3.1.tar.gz", "3.1", module: "payload");
        Assert.Equal(HttpStatusCode.BadRequest, blocked.StatusCode);
        Assert.Contains("hostile-3.1.tar.gz was blocked by an administrator", blocked.ReasonPhrase);
        Assert.Equal(0, (await PageAsync(index)).GetProperty("files").GetArrayLength());
    }

    [Fact]
    public async Task A_yank_covers_every_spelling_of_the_release_and_later_files_join_it_yanked()
    {
        await using var index = await TestIndex.StartAsync();
        var token = await index.TokenAsync("hostile");
        Assert.Equal(HttpStatusCode.OK, (await index.UploadWheelAsync(token, "hostile", "3.0")).StatusCode);
        Assert.True((await index.Admin.YankAsync("hostile", "3.0.0", true, "broken")).Ok); // yanked by another spelling of 3.0

        // The same release under 3.0.0: it joins release 3.0, yanked with it, rather than reinstalling around the yank.
        Assert.Equal(HttpStatusCode.OK, (await UploadSdistAsync(index, token, "hostile-3.0.0.tar.gz", "3.0.0")).StatusCode);
        var page = await PageAsync(index);
        Assert.Equal(["3.0"], page.GetProperty("versions").EnumerateArray().Select(v => v.GetString()));
        Assert.All(page.GetProperty("files").EnumerateArray(), f => Assert.Equal("broken", f.GetProperty("yanked").GetString()));
        Assert.Equal("3.0", (await index.Store.GetFileAsync("hostile-3.0.0.tar.gz"))!.Version);

        Assert.True((await index.Admin.YankAsync("hostile", "3", false, null)).Ok);
        Assert.All((await PageAsync(index)).GetProperty("files").EnumerateArray(), f => Assert.False(f.GetProperty("yanked").GetBoolean()));
    }

    [Fact]
    public async Task Filename_variants_uploaded_in_parallel_end_with_exactly_one_stored()
    {
        await using var index = await TestIndex.StartAsync();
        var token = await index.TokenAsync("hostile");
        // Different bytes under eight spellings of one filename, all sent at once.
        var spellings = new[] { "hostile-3.0.tar.gz", "Hostile-3.0.tar.gz", "HOSTILE-3.0.tar.gz", "hostile-3.0.0.tar.gz", "Hostile-3.0.0.tar.gz", "hostile-3.00.tar.gz", "hoStile-3.0.tar.gz", "hostile-3.0.0.0.tar.gz" };
        var forms = spellings.Select((f, i) => TestDistributions.UploadForm("hostile", f["hostile-".Length..^".tar.gz".Length], f, SdistWith(f["hostile-".Length..^".tar.gz".Length], $"m{i}"), wheel: false)).ToList();
        var start = new TaskCompletionSource();
        var uploads = forms.Select(async form =>
        {
            await start.Task;
            using var response = await index.UploadAsync(token, form);
            return response.StatusCode;
        }).ToList();
        start.SetResult();
        var statuses = await Task.WhenAll(uploads);

        Assert.Equal(1, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(spellings.Length - 1, statuses.Count(s => s == HttpStatusCode.BadRequest));
        Assert.Single((await PageAsync(index)).GetProperty("files").EnumerateArray());
    }

    [Theory]
    [InlineData("hostile-3.0-py3-none-any\u202Egpj.whl", "U+202E (a bidirectional text control)")]
    [InlineData("hostile-3.0-py3-none-any\0.whl", "U+0000 (a control character)")]
    [InlineData("hostile-3.0-py3-none-<script>.whl", "'<' (U+003C)")]
    [InlineData("hostile-3.0-py3-none-any\u200B.whl", "U+200B (an invisible formatting character)")]
    public async Task Control_bidi_and_markup_characters_in_a_filename_are_refused_with_the_character_named(string filename, string named)
    {
        await using var index = await TestIndex.StartAsync();
        using var response = await index.UploadAsync(await index.TokenAsync("hostile"), Form(filename, "3.0"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(named + " is not allowed", response.ReasonPhrase);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(body, c => c is '\0' or '\u202E' or '\u200B');
        Assert.Null(await index.Store.GetProjectAsync(NormalizedName.Of("hostile")));
    }

    [Fact]
    public async Task Form_text_quoted_in_a_refusal_reaches_the_log_escaped()
    {
        var log = new CapturedLog();
        await using var index = await TestIndex.StartAsync(o => o with { LogLevel = "information" }, builder => builder.Logging.AddProvider(log));
        // A valid filename, but a version field with a bidi override: the gate refuses it and logs the refusal.
        using var response = await index.UploadAsync(await index.TokenAsync("hostile"), Form("hostile-3.0-py3-none-any.whl", "3.0\u202E1"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var refusal = Assert.Single(log.Lines, l => l.Contains("rejected by the policy gate", StringComparison.Ordinal));
        Assert.Contains("3.0\\u202E1", refusal);
        Assert.DoesNotContain(log.Lines, l => l.Any(c => c is '\u202E' or '\0'));
    }

    [Fact]
    public async Task A_two_gibibyte_content_length_is_answered_413_without_reading_the_body()
    {
        await using var index = await TestIndex.StartAsync();
        var body = new EndlessStream();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/legacy/") { Content = new StreamContent(body) };
        request.Content.Headers.ContentLength = 2L * 1024 * 1024 * 1024;
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=x");
        request.Headers.Authorization = TestIndex.Basic(await index.TokenAsync("hostile"));
        using var response = await index.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("Upload too large", response.ReasonPhrase);
        Assert.True(body.BytesRead < 64L * 1024 * 1024, $"{body.BytesRead} bytes were read");
    }

    /// <summary>A wheel upload form whose content part carries <paramref name="filename"/> as given (RFC 5987 for non-ASCII).</summary>
    private static MultipartFormDataContent Form(string filename, string version)
    {
        var form = TestDistributions.UploadForm("hostile", version, "placeholder.whl", TestDistributions.Wheel("hostile", "3.0"));
        var content = form.Last();
        content.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = "\"content\"", FileNameStar = filename };
        return form;
    }

    /// <summary>Zero bytes for as long as anyone reads, counting them.</summary>
    private sealed class EndlessStream : Stream
    {
        public long BytesRead;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count)
        {
            Array.Clear(buffer, offset, count);
            Interlocked.Add(ref BytesRead, count);
            return count;
        }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
