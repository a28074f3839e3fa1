using System.Buffers.Text;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Moat.Index.Accounts;
using Moat.Index.Auth;
using Moat.Index.Errors;
using Moat.Index.Metrics;
using Moat.Index.Policy;
using Moat.Index.Publishing;
using Moat.Index.Security;
using Moat.Index.Simple;
using Moat.Index.Storage;
using Moat.Packaging;
using Moat.Packaging.Distributions;

namespace Moat.Index.Upload;

/// <summary>
/// The legacy upload API that twine, flit, poetry and uv publish to (<c>POST /legacy/</c>, multipart form with
/// <c>:action=file_upload</c>). Errors carry their text in the reason phrase (what twine prints; in ASCII, see
/// <see cref="ReasonPhrase"/>) and, exactly, in the UTF-8 body; a POST is never redirected (clients would
/// re-send it as a GET). The order of checks: credentials, form, digests, authorization for the project, duplicate
/// filename, the policy gate; then blob commit, then the row.
/// </summary>
public static class UploadEndpoint
{
    public static void Map(WebApplication app)
    {
        // Matches /legacy and /legacy/ alike (the router ignores a trailing slash): no redirect for a POST.
        app.MapPost("/legacy/", HandleAsync);
    }

    private static async Task HandleAsync(
        HttpContext context, IMetadataStore store, IBlobStore blobs, IndexAuthorization authorization, PolicyGate gate,
        SimplePageCache cache, ReleaseApprovals approvals, IndexOptions options, AccountStore accounts, AccountMail mail, SecurityEvents events, ILoggerFactory loggers,
        Provenance.ProvenanceService provenance, IndexMetrics metrics)
    {
        var log = loggers.CreateLogger("Moat.Index.Upload");
        var ct = context.RequestAborted;
        var bodyLimit = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        var maxBody = options.MaxUploadBytes + FormOverhead;
        if (bodyLimit is { IsReadOnly: false }) bodyLimit.MaxRequestBodySize = maxBody;
        if (context.Request.ContentLength > maxBody)
        {
            // Answered before a byte is read (and nothing drained): the announced length alone is too much.
            await FailAsync(context, IndexError.TooLarge,
                $"Upload too large: the request announces {context.Request.ContentLength} bytes; the limit is {options.MaxUploadBytes / (1024 * 1024)} MiB per file.");
            return;
        }

        var principal = await authorization.IdentifyAsync(context.Request, ct);
        if (IndexAuthorization.Unauthenticated(principal) is { } denied)
        {
            if (denied.Error == IndexError.Unauthenticated) IndexAuthorization.Challenge(context.Response);
            await FailAsync(context, denied.Error!, denied.Message!);
            return;
        }

        UploadForm form;
        try
        {
            form = await UploadFormReader.ReadAsync(context.Request, blobs, options.MaxUploadBytes, ct);
        }
        catch (UploadRejectedException ex)
        {
            await FailAsync(context, ex.Error, ex.Message);
            return;
        }

        using (form)
        {
            if (Validate(form) is { } invalid)
            {
                await FailAsync(context, IndexError.Invalid, invalid);
                return;
            }
            var staged = form.Content!;
            var project = NormalizedName.Of(form["name"]!);
            var decision = await authorization.AuthorizeUploadAsync(principal, project, ct, context);
            if (!decision.Allowed)
            {
                await RefusedEventAsync(events, context, principal, accounts, project, form.Filename!, "authorization", decision.Message!);
                await FailAsync(context, decision.Error!, decision.Message!);
                return;
            }

            var filename = form.Filename!;
            // Compared in canonical form: Hostile-3.0.0.tar.gz is the stored hostile-3.0.tar.gz, a blocked one too.
            var existing = await store.GetSameFileAsync(filename, ct);
            if (existing is not null)
            {
                if (existing.State == FileState.Blocked)
                {
                    // Not even an identical re-upload is "OK": the uploader must learn the file will never be served.
                    await FailAsync(context, IndexError.Refused,
                        $"{existing.Filename} was blocked by an administrator and cannot be uploaded again{SpelledAs(filename, existing)}; use a different version.");
                }
                else if (existing.Sha256 == staged.Sha256)
                {
                    // The same bytes again: the same answer as the first time, held or staged included.
                    metrics.Uploads.Inc("identical");
                    await OkAsync(context, existing.State switch
                    {
                        FileState.Staged => ReleaseApprovals.StagedMessage(project, existing.Version),
                        FileState.Quarantined => Held(existing.StateReason ?? $"{existing.Filename} is quarantined"),
                        _ => null,
                    });
                }
                else
                {
                    await FailAsync(context, IndexError.Refused, FileExists(filename, existing));
                }
                return;
            }

            if (DistributionInspector.ParseFilename(filename, out var filenameError) is not { } parsedName)
            {
                await FailAsync(context, IndexError.Invalid, filenameError!);
                return;
            }
            // Attestations (PEP 740): verified against the Trusted Publisher that authenticated this upload; the
            // project's requirement and provenance continuity decide what an upload without one gets.
            var provenanceCheck = await provenance.CheckUploadAsync(form["attestations"], project, filename, staged.Sha256, principal.Token?.PublisherId, ct);
            if (provenanceCheck is Provenance.UploadProvenance.Refused refusedProvenance)
            {
                await RefusedEventAsync(events, context, principal, accounts, project, filename, "provenance", refusedProvenance.Reason);
                await FailAsync(context, IndexError.Invalid, refusedProvenance.Reason);
                return;
            }
            var (provenanceJson, provenanceHold) = provenanceCheck is Provenance.UploadProvenance.Accepted accepted ? (accepted.ProvenanceJson, accepted.HoldReason) : (null, null);

            var existingProject = await store.GetProjectAsync(project, ct);
            var fields = form.Fields.ToDictionary(f => f.Key, f => f.Value[0], StringComparer.Ordinal);
            var candidate = new UploadCandidate(filename, project, form["version"]!.Trim(), staged.Sha256, new DistributionRead(staged.Path, filename, parsedName))
            {
                FormFields = fields,
                ExistingProject = existingProject,
            };
            var judged = await gate.JudgeAsync(candidate, ct);
            metrics.Verdicts.Inc(Moat.Analysis.Reporting.ReportNames.Of(judged.Verdict), judged.ActionName);
            if (judged.Action == GateAction.Reject)
            {
                // The message may quote metadata or form text: escaped, so no control or bidi character reaches the log raw.
                log.LogWarning("Upload of {Filename} rejected by the policy gate: {Reason}", filename, Printable.Escape(judged.Message ?? ""));
                var by = await RefusedEventAsync(events, context, principal, accounts, project, filename, "policy", judged.Message!);
                await mail.UploadRefusedAsync(project, filename, judged.Message!, principal.UserId, by);
                await FailAsync(context, IndexError.Rejected, judged.Message!);
                return;
            }

            // A provenance continuity break holds the file for an administrator like a gate quarantine.
            var quarantined = judged.Action == GateAction.Quarantine || provenanceHold is not null;
            var holdReason = judged.Action == GateAction.Quarantine ? judged.Message : provenanceHold;
            // Release approval: a file the gate let through waits for a second maintainer (a quarantined one waits for an admin anyway).
            var awaitsApproval = !quarantined && await approvals.RequiredAsync(project);

            // The gate read the file (a consistent one) before it let it through.
            var inspected = await candidate.Contents.InspectAsync(ct);
            // Blob first, row second: a crash in between leaves an orphan blob (harmless, swept), never a row without content.
            // PEP 658 metadata for wheels only: an sdist's PKG-INFO may leave dependencies dynamic (Metadata-Version < 2.2).
            var metadataSha256 = inspected is { PackageType: PackageType.Wheel, CoreMetadataBytes: { } metadata } ? await blobs.PutAsync(metadata, ct) : null;
            await blobs.CommitAsync(staged, ct);
            var record = new FileRecord(
                filename, project, parsedName.Version.ToString(), parsedName.PackageType, NonEmpty(form["pyversion"]),
                NonEmpty(inspected.Metadata?.Single("Requires-Python")),
                staged.Sha256, form.Blake2b256, form.Md5!, staged.Size, DateTimeOffset.UtcNow, metadataSha256,
                Yanked: false, YankedReason: null,
                quarantined ? FileState.Quarantined : awaitsApproval ? FileState.Staged : FileState.Available,
                quarantined ? holdReason : null,
                provenanceJson, principal.TokenId)
            {
                Uploader = await Uploaders.DescribeAsync(accounts, principal),
            };
            var (outcome, raced) = await store.AddFileAsync(record, form["name"]!.Trim(), ct);
            switch (outcome)
            {
                case AddFileOutcome.Added:
                    cache.Invalidate(project);
                    await authorization.UploadedAsync(context, principal, project, filename, awaitsApproval ? record.Version : null, decision, record.Uploader);
                    if (awaitsApproval) await approvals.NotifyReviewersAsync(project, record.Version, principal.UserId, options.Security.Origin.TrimEnd('/'), ct);
                    metrics.Uploads.Inc(quarantined ? "quarantined" : awaitsApproval ? "staged" : "accepted");
                    metrics.UploadBytes.Add(staged.Size);
                    log.LogInformation("Stored {Filename} ({Size} bytes, sha256 {Sha256}) for {Project} {Version}: {Verdict}, {Action}",
                        filename, staged.Size, staged.Sha256, project, record.Version, Moat.Analysis.Reporting.ReportNames.Of(judged.Verdict), judged.ActionName);
                    if (quarantined)
                    {
                        await mail.UploadHeldAsync(project, filename, holdReason!, principal.UserId, record.Uploader ?? "an unknown uploader");
                        await OkAsync(context, Held(holdReason!));
                    }
                    else await OkAsync(context, awaitsApproval ? ReleaseApprovals.StagedMessage(project, record.Version) : null);
                    break;
                case AddFileOutcome.IdenticalExists:
                    metrics.Uploads.Inc("identical");
                    await OkAsync(context);
                    break;
                case AddFileOutcome.FilenameTaken:
                    await FailAsync(context, IndexError.Refused, FileExists(filename, raced));
                    break;
                case AddFileOutcome.FilenameDeleted:
                    await FailAsync(context, IndexError.Refused,
                        $"This filename has already been used, use a different version: {filename} (or another spelling of it) was deleted and cannot be reused.");
                    break;
                default:
                    await FailAsync(context, IndexError.Refused, $"Project '{project}' accepts no new uploads.");
                    break;
            }
        }
    }

    /// <summary>The status line of a stored upload the gate held: accepted, yet nobody can install it until an administrator releases it.</summary>
    internal static string Held(string reason) => $"accepted but held for review: {reason}";

    /// <summary>
    /// Records a refused upload (<c>file:upload-refused</c>) naming the token and who holds it, so an owner or admin can
    /// see which credential tried to publish what; returns that holder's description. Anonymous attempts are not
    /// recorded: there is no token or user to name, and the request log has them.
    /// </summary>
    private static async Task<string> RefusedEventAsync(SecurityEvents events, HttpContext context, Principal principal, AccountStore accounts,
        string project, string filename, string stage, string reason)
    {
        var by = await Uploaders.DescribeAsync(accounts, principal) ?? "an unknown uploader";
        if (principal.Authenticated)
            await events.RecordAsync("file:upload-refused", context, principal.UserId, project, new { filename, token = principal.TokenId, by, stage, reason });
        return by;
    }

    /// <summary>The form-level checks: action, protocol, required fields, and every digest the client sent.</summary>
    internal static string? Validate(UploadForm form)
    {
        if (form[":action"] is { } action && action != "file_upload") return $"Unsupported action '{action}': only file_upload is accepted.";
        if (form[":action"] is null) return "Invalid upload: missing :action.";
        if (form["protocol_version"] is { } protocol && protocol != "1") return $"Unknown protocol_version '{protocol}'.";
        if (form.Content is null || string.IsNullOrEmpty(form.Filename)) return "Upload payload does not have a file (the 'content' part).";
        if (Printable.FilenameRefusal(form.Filename) is { } badFilename) return badFilename;
        if (string.IsNullOrWhiteSpace(form["name"])) return "'name' is a required field.";
        if (!ProjectName.IsValid(form["name"]!.Trim())) return $"'{form["name"]}' is an invalid value for Name: see PEP 508.";
        if (string.IsNullOrWhiteSpace(form["version"])) return "'version' is a required field.";
        if (!PackageTypeNames.TryParse(form["filetype"], out _)) return $"Invalid value for filetype: '{form["filetype"]}' (bdist_wheel or sdist).";

        var sha256 = form["sha256_digest"];
        var blake2 = form["blake2_256_digest"];
        var md5 = form["md5_digest"];
        if (sha256 is null && blake2 is null && md5 is null) return "Include at least one message digest (sha256_digest, blake2_256_digest or md5_digest).";
        if (sha256 is not null && !Same(sha256, form.Content.Sha256)) return "The digest supplied does not match a digest calculated from the uploaded file (sha256).";
        if (blake2 is not null && !Same(blake2, form.Blake2b256)) return "The digest supplied does not match a digest calculated from the uploaded file (blake2_256).";
        if (md5 is not null && !Same(md5, form.Md5) && !Same(md5, Md5Base64Url(form.Md5))) return "The digest supplied does not match a digest calculated from the uploaded file (md5).";
        return null;
    }

    private static bool Same(string given, string? computed) => computed is not null && string.Equals(given.Trim(), computed, StringComparison.OrdinalIgnoreCase);

    /// <summary>Old clients sent md5 as unpadded base64url rather than hex; PyPI accepts both.</summary>
    private static string? Md5Base64Url(string? hex) =>
        hex is null ? null : Base64Url.EncodeToString(Convert.FromHexString(hex));

    private static string FileExists(string filename, FileRecord? stored) =>
        $"File already exists ('{filename}'{SpelledAs(filename, stored)}, with different content). See the index's file reuse policy: a filename, once used, always names the same bytes.";

    /// <summary>", stored as X" when the stored file is another spelling of the uploaded name.</summary>
    private static string SpelledAs(string filename, FileRecord? stored) =>
        stored is not null && stored.Filename != filename ? $", stored as '{stored.Filename}'" : "";

    /// <summary>Room for the form fields around the file in a multipart body.</summary>
    private const long FormOverhead = 16 * 1024 * 1024;

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>200 "OK", or with a notice (a staged release) as the reason phrase and body: twine --verbose prints both.</summary>
    private static Task OkAsync(HttpContext context, string? notice = null)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/plain; charset=utf-8";
        if (notice is null) return context.Response.WriteAsync("OK\n");
        if (context.Features.Get<IHttpResponseFeature>() is { } feature) feature.ReasonPhrase = ReasonPhrase.From("OK, " + notice);
        return context.Response.WriteAsync($"OK\n{notice}\n");
    }

    /// <summary>Answers with the message as reason phrase (what twine shows) and as the body.</summary>
    private static async Task FailAsync(HttpContext context, IndexError error, string message)
    {
        context.RequestServices.GetRequiredService<IndexMetrics>().Uploads.Inc(error.Metric);
        if (error == IndexError.TooLarge)
        {
            // Draining gigabytes to be polite is what the limit exists to prevent: close the connection instead.
            context.Response.Headers.Connection = "close";
        }
        else if (context.Request.ContentLength is > 0 && !context.Request.Body.CanSeek)
        {
            // Let the client finish sending so it reads our answer rather than a reset connection (bounded by the body limit).
            try { await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted); } catch (Exception ex) when (ex is IOException or BadHttpRequestException) { }
        }
        await IndexErrorResult.WriteAsync(context, error, message, $"{error.Status} {message}\n");
    }
}
