using Moat.Analysis.Dependencies.Checks;
using Moat.Analysis.Dependencies.Manifests;

namespace Moat.Analysis.Dependencies;

/// <summary>
/// <c>moat audit</c>'s engine: every check over every dependency of every manifest. One result per dependency
/// (target = the requirement as written, kind <see cref="TargetKind.Dependency"/>), plus one per manifest that has
/// findings of its own (index configuration, unreadable lines).
/// </summary>
public static class DependencyAudit
{
    public static readonly Rule UnreadableEntry = new(
        "MOAT-DEP-000", "unreadable-dependency", "A dependency entry could not be read.", Severity.Low,
        "The audit could not parse this line or entry, so it was not checked. pip may read it differently or refuse it; " +
        "fix the entry so that the whole file is audited.",
        ["https://pip.pypa.io/en/stable/reference/requirements-file-format/"]);

    private static readonly DependencyCheck[] Checks =
    [
        PinningCheck.Check,
        HashCheck.Check,
        UrlRequirementCheck.Check,
        InternalNameCheck.Check,
        AdvisoryCheck.Check,
        PackageScanCheck.Check,
        ProvenanceCheck.Check,
    ];

    public static IReadOnlyList<ScanResult> Run(IReadOnlyList<DependencyManifest> manifests, AuditOptions options) =>
        RunWithDependencies(manifests, options).Results;

    /// <summary>The results, and each dependency beside its own result (for a bill of materials of the audited set).</summary>
    public static AuditOutcome RunWithDependencies(IReadOnlyList<DependencyManifest> manifests, AuditOptions options)
    {
        var results = new List<ScanResult>();
        var audited = new List<AuditedDependency>();
        foreach (var manifest in manifests)
        {
            var manifestFindings = IndexConfigurationCheck.Check(manifest)
                .Concat(manifest.Problems.Select(p => Finding.Of(UnreadableEntry, Confidence.High, p.Message, new Location(p.File, p.Line))))
                .ToList();
            if (manifestFindings.Count > 0) results.Add(ScanResult.From(manifest.Path, TargetKind.File, manifestFindings));

            var perDependency = new ScanResult[manifest.Dependencies.Count];
            Parallel.For(0, manifest.Dependencies.Count, i =>
            {
                var context = new AuditContext(manifest.Dependencies[i], manifest, options);
                var findings = Checks.SelectMany(check => check(context)).ToList();
                if (options.CheckName is { } checkName)
                {
                    findings.AddRange(checkName(context.Dependency.Name).Select(f => f with { Location = context.Location }));
                }
                perDependency[i] = ScanResult.From(context.Dependency.Written, TargetKind.Dependency, findings);
            });
            results.AddRange(perDependency);
            audited.AddRange(perDependency.Select((result, i) => new AuditedDependency(manifest.Dependencies[i], result)));
        }
        return new AuditOutcome(results, audited);
    }
}

/// <summary>One dependency and the result the audit gave it.</summary>
public sealed record AuditedDependency(Dependency Dependency, ScanResult Result);

/// <summary>Everything one audit produced: the results in report order, and the dependencies with theirs.</summary>
public sealed record AuditOutcome(IReadOnlyList<ScanResult> Results, IReadOnlyList<AuditedDependency> Dependencies);
