using Moat.Analysis.Text;
using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace Moat.Index;

/// <summary>
/// Every section and key <c>moat.toml</c> may hold. A misspelt key would otherwise be ignored and the server would
/// start on a default the administrator meant to change (<c>[polcy] malicous = "quarantine"</c> serving malware), so
/// an unknown section or key stops the server with one line naming the file, the line, the key and the nearest
/// valid one. Values are checked where they are read (<see cref="IndexOptions.Apply"/>).
/// </summary>
public static class ConfigurationKeys
{
    /// <summary>The sections and their keys. <c>[[repository]]</c> entries are checked per kind by RepositoryLayout.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Sections = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["server"] = ["urls", "data", "max-upload-mb", "log-requests", "log-format", "log-level", "blob-sweep-hours", "blob-grace-minutes",
                      "trusted-proxies", "metrics", "metrics-token-env"],
        ["policy"] = ["suspicious", "malicious", "new-projects", "vulnerabilities", "attestations"],
        ["proxy"] = ["upstream", .. Proxy.ProxyOptions.SettingKeys],
        ["security"] = ["origin", "rp-id", "oidc-audience", "github-issuer", "gitlab-issuer", "disclosure-keys-url", "read", "admins", "github-api"],
        ["advisories"] = Advisories.AdvisoryOptions.SettingKeys,
        ["mail"] = Mail.MailOptions.Keys,
        ["repository"] = [],
        ["storage"] = ["database", .. Storage.BlobStorageOptions.SettingKeys],
        ["provenance"] = Provenance.ProvenanceOptions.SettingKeys,
    };

    /// <summary>Throws <see cref="IndexConfigurationException"/> for the first unknown section or key in <paramref name="text"/>.</summary>
    public static void Check(string text, string source)
    {
        var document = SyntaxParser.Parse(text, source, validate: false);
        foreach (var item in document.KeyValues)
        {
            if (item.Key is null) continue;
            var key = KeyText(text, item.Key);
            var section = key.Split('.')[0];
            if (!Sections.ContainsKey(section))
                throw Unknown(source, item.Span, $"key '{key}' outside any section", section, Sections.Keys);
            // A dotted key at the top (`policy.malicious = …`) belongs to its section.
            if (key.Contains('.')) CheckKey(source, item.Span, section, key[(section.Length + 1)..]);
        }
        foreach (var table in document.Tables)
        {
            if (table.Name is null) continue;
            var name = KeyText(text, table.Name);
            if (!Sections.ContainsKey(name))
                throw Unknown(source, table.Span, $"section [{name}]", name, Sections.Keys);
            if (name == "repository") continue;
            foreach (var item in table.Items)
            {
                if (item is KeyValueSyntax pair && pair.Key is not null) CheckKey(source, pair.Span, name, KeyText(text, pair.Key));
            }
        }
    }

    private static void CheckKey(string source, SourceSpan span, string section, string key)
    {
        var allowed = Sections[section];
        if (allowed.Contains(key, StringComparer.Ordinal)) return;
        // A key put in the wrong section (`[policy] min-release-age-hours`) is named with the section it belongs to.
        if (Nearest(key, allowed) is null
            && Sections.Where(s => s.Key != section).Select(s => (Section: s.Key, Key: Nearest(key, s.Value))).FirstOrDefault(s => s.Key is not null) is { Key: { } elsewhere } other)
            throw new IndexConfigurationException($"{source}:{span.Start.Line + 1}: unknown key '{key}' in [{section}]; did you mean '{elsewhere}' in [{other.Section}]?");
        throw Unknown(source, span, $"key '{key}' in [{section}]", key, allowed);
    }

    private static IndexConfigurationException Unknown(string source, SourceSpan span, string what, string name, IEnumerable<string> valid)
    {
        var hint = Nearest(name, valid) is { } nearest ? $"; did you mean '{nearest}'?" : $"; valid: {string.Join(", ", valid)}";
        return new IndexConfigurationException($"{source}:{span.Start.Line + 1}: unknown {what}{hint}");
    }

    /// <summary>The valid name within a typo's reach of <paramref name="name"/> (a third of its length, 2 to 4 edits), or null.</summary>
    private static string? Nearest(string name, IEnumerable<string> valid)
    {
        var reach = Math.Clamp(name.Length / 3, 2, 4);
        return valid.Select(v => (Valid: v, Distance: EditDistance.Bounded(name, v, reach)))
            .Where(c => c.Distance <= reach).OrderBy(c => c.Distance).Select(c => c.Valid).FirstOrDefault();
    }

    /// <summary>The key as written, without quotes or surrounding space (<c>"policy" . malicious</c> → <c>policy.malicious</c>).</summary>
    private static string KeyText(string text, SyntaxNode key)
    {
        var raw = text.Substring(key.Span.Offset, key.Span.Length);
        return string.Join('.', raw.Split('.').Select(part => part.Trim().Trim('"', '\'')));
    }
}
