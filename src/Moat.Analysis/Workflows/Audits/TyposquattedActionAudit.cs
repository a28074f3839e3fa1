using System.Collections.Frozen;
using Moat.Analysis.Text;

namespace Moat.Analysis.Workflows.Audits;

/// <summary>An action whose owner/name is one or two edits away from a popular action (<c>actons/checkout</c>).</summary>
public static class TyposquattedActionAudit
{
    public static readonly Rule Rule = new(
        "MOAT-CI-007",
        "typosquatted-action",
        "An action's name is a near miss of a popular action (actons/checkout, action/checkout).",
        Severity.High,
        "Attackers register GitHub owners that differ from popular actions by one character (`actons/checkout`, " +
        "`action/checkout`) and wait for a typo; the squatted action runs with the job's token and secrets. Moat " +
        "compares each action's owner/name with a built-in list of popular actions and reports names within a small " +
        "edit distance that are not themselves on the list.",
        ["https://www.orca.security/resources/blog/typosquatting-in-github-actions/"]);

    /// <summary>Popular actions (owner/repo, lower-case). Exact matches are never reported.</summary>
    public static readonly FrozenSet<string> Popular = FrozenSet.Create(StringComparer.Ordinal,
    [
        "actions/checkout", "actions/setup-python", "actions/setup-node", "actions/setup-go", "actions/setup-java",
        "actions/setup-dotnet", "actions/cache", "actions/upload-artifact", "actions/download-artifact",
        "actions/github-script", "actions/labeler", "actions/stale", "actions/create-release", "actions/upload-release-asset",
        "actions/attest-build-provenance", "actions/dependency-review-action", "actions/configure-pages",
        "actions/deploy-pages", "actions/upload-pages-artifact", "actions/first-interaction", "actions/add-to-project",
        "github/codeql-action", "github/super-linter", "pypa/gh-action-pypi-publish", "pypa/cibuildwheel",
        "pypa/gh-action-pip-audit", "docker/login-action", "docker/build-push-action", "docker/setup-buildx-action",
        "docker/setup-qemu-action", "docker/metadata-action", "codecov/codecov-action", "peaceiris/actions-gh-pages",
        "softprops/action-gh-release", "aws-actions/configure-aws-credentials", "google-github-actions/auth",
        "google-github-actions/setup-gcloud", "azure/login", "astral-sh/setup-uv", "astral-sh/ruff-action",
        "snok/install-poetry", "pre-commit/action", "golangci/golangci-lint-action", "dtolnay/rust-toolchain",
        "actions-rs/toolchain", "actions-rs/cargo", "jamesives/github-pages-deploy-action", "peter-evans/create-pull-request",
        "stefanzweifel/git-auto-commit-action", "tj-actions/changed-files", "hashicorp/setup-terraform", "ruby/setup-ruby",
        "shivammathur/setup-php", "gradle/gradle-build-action", "gradle/actions", "slackapi/slack-github-action",
        "ncipollo/release-action", "conda-incubator/setup-miniconda", "mamba-org/setup-micromamba", "pyo3/maturin-action",
        "sigstore/gh-action-sigstore-python", "step-security/harden-runner", "ossf/scorecard-action",
        "release-drafter/release-drafter", "dorny/paths-filter", "mikepenz/action-junit-report", "reviewdog/action-setup",
        "pnpm/action-setup", "denoland/setup-deno", "oven-sh/setup-bun", "crazy-max/ghaction-import-gpg",
        "webfactory/ssh-agent", "appleboy/ssh-action", "actions/setup-ruby", "julia-actions/setup-julia", "r-lib/actions",
        "prefix-dev/setup-pixi", "extractions/setup-just", "taiki-e/install-action", "swatinem/rust-cache",
        "coverallsapp/github-action", "sonarsource/sonarcloud-github-action", "anchore/scan-action", "aquasecurity/trivy-action",
    ]);

    public static IEnumerable<Finding> Run(Workflow workflow)
    {
        foreach (var (where, uses) in ActionUses.All(workflow))
        {
            if (ActionReference.Parse(uses.Value).Name is not { } name || Popular.Contains(name)) continue;
            if (NearestPopular(name) is { } target)
                yield return Finding.Of(Rule, Confidence.High, $"{where} uses {name}, a near miss of the popular action {target}",
                    workflow.At(uses.Line, uses.Column), uses.Value);
        }
    }

    /// <summary>The popular action <paramref name="name"/> imitates, or null. One edit for short names, two for longer ones.</summary>
    public static string? NearestPopular(string name)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in Popular)
        {
            if (Math.Abs(candidate.Length - name.Length) > 2) continue;
            var allowed = candidate.Length >= 12 ? 2 : 1;
            var distance = EditDistance.Bounded(name, candidate, allowed);
            if (distance <= allowed && distance < bestDistance && !SameOwnerDifferentRepo(name, candidate, distance))
            {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best;
    }

    /// <summary>
    /// actions/setup-go vs actions/setup-goo is a squat, but a real owner's other repositories (docker/setup-qemu-action vs
    /// docker/setup-buildx-action) differ by more; within one trusted owner only a one-letter change counts.
    /// </summary>
    private static bool SameOwnerDifferentRepo(string name, string candidate, int distance) =>
        distance > 1 && name.Split('/')[0] == candidate.Split('/')[0];
}
