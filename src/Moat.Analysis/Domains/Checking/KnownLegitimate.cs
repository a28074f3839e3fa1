using System.Collections.Frozen;

namespace Moat.Analysis.Domains.Checking;

/// <summary>
/// Real, legitimate domains that sit next to a protected brand: one edit away (<c>pypy.org</c>), or the brand's own
/// other domains (<c>githubassets.com</c>). Each has its reason, so that the next engineer can tell an exception
/// from a hole. Only registrable domains are listed; their subdomains are legitimate too.
/// </summary>
public static class KnownLegitimate
{
    public static FrozenDictionary<string, string> Domains { get; } = new Dictionary<string, string>
    {
        ["pypy.org"] = "PyPy, the Python implementation: one letter from pypi.org, and older than it",
        ["pypa.io"] = "the Python Packaging Authority (www.pypa.io, pip.pypa.io)",
        ["pypistats.org"] = "PyPI download statistics, run with the PSF's blessing",
        ["pypi.io"] = "PSF-owned: Warehouse's preview address before pypi.org, now redirects there",
        ["jython.org"] = "Jython, Python on the JVM: one letter from python.org",
        ["cython.org"] = "Cython, the C-extension compiler: one letter from python.org",
        ["ipython.org"] = "IPython, the interactive shell: one letter from python.org",
        ["bpython-interpreter.org"] = "bpython, an alternative Python REPL",
        ["npmjs.org"] = "npm's original registry domain (registry.npmjs.org is live)",
        ["githubassets.com"] = "GitHub's static-asset CDN",
        ["githubstatus.com"] = "GitHub's status page",
        ["githubapp.com"] = "GitHub's application hosts",
        ["githubcopilot.com"] = "GitHub Copilot's API hosts",
        ["github.blog"] = "GitHub's blog",
        ["github.dev"] = "GitHub's web editor",
        ["github.io"] = "GitHub Pages (a public suffix: user-name.github.io is checked on its own)",
        ["gitlab.io"] = "GitLab Pages (a public suffix: user-name.gitlab.io is checked on its own)",
        ["gitlab.net"] = "GitLab's infrastructure domain",
        ["gitlab-static.net"] = "GitLab's static-asset CDN",
        ["readthedocs.io"] = "Read the Docs, where most Python projects' documentation lives",
        ["readthedocs.org"] = "Read the Docs",
    }.ToFrozenDictionary(StringComparer.Ordinal);
}
