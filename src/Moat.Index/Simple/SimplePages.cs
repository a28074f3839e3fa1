using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Moat.Index.Storage;
using Moat.Packaging.Versions;

namespace Moat.Index.Simple;

/// <summary>
/// Renders the simple repository API (PEP 503 HTML, PEP 691 JSON) at API version 1.4: hashes (PEP 503/691),
/// requires-python, yanked with reasons (PEP 592), core-metadata (PEP 658 and 714: <c>data-core-metadata</c> and the
/// legacy <c>data-dist-info-metadata</c> in HTML, only <c>core-metadata</c> in JSON), size, upload-time and versions
/// (PEP 700), and project status (PEP 792: a quarantined project lists no files). Pure functions of their input.
/// </summary>
public static class SimplePages
{
    public const string ApiVersion = "1.4";

    private static readonly HtmlEncoder Html = HtmlEncoder.Default;

    /// <summary>The files a client may see: a quarantined project shows none, a quarantined file is hidden.</summary>
    public static IEnumerable<FileRecord> VisibleFiles(ProjectListing listing) =>
        listing.Project.Status == ProjectStatus.Quarantined ? [] : listing.Files.Where(f => f.State == FileState.Available);

    public static string FileUrl(FileRecord file) => $"/files/{file.Sha256}/{Uri.EscapeDataString(file.Filename)}";

    public static byte[] RootHtml(IReadOnlyList<ProjectRecord> projects)
    {
        var html = new StringBuilder(64 + projects.Count * 64);
        html.Append("<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"").Append(ApiVersion)
            .Append("\">\n    <title>Simple index</title>\n  </head>\n  <body>\n");
        foreach (var project in projects)
        {
            html.Append("    <a href=\"/simple/").Append(project.Name).Append("/\">").Append(Html.Encode(project.DisplayName)).Append("</a>\n");
        }
        html.Append("  </body>\n</html>\n");
        return Encoding.UTF8.GetBytes(html.ToString());
    }

    public static byte[] RootJson(IReadOnlyList<ProjectRecord> projects, long serial)
    {
        var buffer = new ArrayBufferWriter<byte>(64 + projects.Count * 32);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            WriteMeta(json, serial);
            json.WriteStartArray("projects");
            foreach (var project in projects)
            {
                json.WriteStartObject();
                json.WriteString("name", project.DisplayName);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] ProjectHtml(ProjectListing listing)
    {
        var project = listing.Project;
        var html = new StringBuilder(512 + listing.Files.Count * 384);
        html.Append("<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"").Append(ApiVersion).Append("\">\n")
            .Append("    <meta name=\"pypi:project-status\" content=\"").Append(ProjectStatusNames.Of(project.Status)).Append("\">\n");
        if (!string.IsNullOrEmpty(project.StatusReason))
            html.Append("    <meta name=\"pypi:project-status-reason\" content=\"").Append(Html.Encode(project.StatusReason)).Append("\">\n");
        html.Append("    <title>Links for ").Append(project.Name).Append("</title>\n  </head>\n  <body>\n")
            .Append("    <h1>Links for ").Append(project.Name).Append("</h1>\n");
        foreach (var file in VisibleFiles(listing))
        {
            html.Append("    <a href=\"").Append(Html.Encode(FileUrl(file))).Append("#sha256=").Append(file.Sha256).Append('"');
            if (!string.IsNullOrEmpty(file.RequiresPython))
                html.Append(" data-requires-python=\"").Append(Html.Encode(file.RequiresPython)).Append('"');
            if (file.MetadataSha256 is { } metadata)
            {
                html.Append(" data-dist-info-metadata=\"sha256=").Append(metadata).Append('"')
                    .Append(" data-core-metadata=\"sha256=").Append(metadata).Append('"');
            }
            if (file.Yanked) html.Append(" data-yanked=\"").Append(Html.Encode(file.YankedReason ?? "")).Append('"');
            html.Append('>').Append(Html.Encode(file.Filename)).Append("</a><br />\n");
        }
        html.Append("  </body>\n</html>\n");
        return Encoding.UTF8.GetBytes(html.ToString());
    }

    public static byte[] ProjectJson(ProjectListing listing)
    {
        var project = listing.Project;
        var visible = VisibleFiles(listing).ToList();
        var buffer = new ArrayBufferWriter<byte>(512 + visible.Count * 512);
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            WriteMeta(json, project.LastSerial);
            json.WriteString("name", project.Name);
            json.WriteStartObject("project-status");
            json.WriteString("status", ProjectStatusNames.Of(project.Status));
            if (!string.IsNullOrEmpty(project.StatusReason)) json.WriteString("reason", project.StatusReason);
            json.WriteEndObject();

            json.WriteStartArray("versions");
            var versions = visible.Select(f => f.Version).Distinct(StringComparer.Ordinal)
                .OrderBy(v => PackageVersion.TryParse(v, out var parsed) ? parsed : null).ThenBy(v => v, StringComparer.Ordinal);
            foreach (var version in versions) json.WriteStringValue(version);
            json.WriteEndArray();

            json.WriteStartArray("files");
            foreach (var file in visible)
            {
                json.WriteStartObject();
                json.WriteString("filename", file.Filename);
                json.WriteString("url", FileUrl(file));
                json.WriteStartObject("hashes");
                json.WriteString("sha256", file.Sha256);
                json.WriteEndObject();
                if (!string.IsNullOrEmpty(file.RequiresPython)) json.WriteString("requires-python", file.RequiresPython);
                if (file.MetadataSha256 is { } metadata)
                {
                    json.WriteStartObject("core-metadata");
                    json.WriteString("sha256", metadata);
                    json.WriteEndObject();
                }
                else
                {
                    json.WriteBoolean("core-metadata", false);
                }
                json.WriteNumber("size", file.Size);
                if (file.UploadTime != default) json.WriteString("upload-time", SqlMetadataStore.Text(file.UploadTime)); // unknown for HTML-only upstreams
                if (!file.Yanked) json.WriteBoolean("yanked", false);
                else if (string.IsNullOrEmpty(file.YankedReason)) json.WriteBoolean("yanked", true);
                else json.WriteString("yanked", file.YankedReason);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteMeta(Utf8JsonWriter json, long serial)
    {
        json.WriteStartObject("meta");
        json.WriteString("api-version", ApiVersion);
        json.WriteNumber("_last-serial", serial);
        json.WriteEndObject();
    }
}
