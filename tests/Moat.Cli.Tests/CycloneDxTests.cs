using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Moat.Testing;

namespace Moat.Cli.Tests;

/// <summary><c>moat audit --format cyclonedx</c>, validated against the official CycloneDX 1.6 JSON schema.</summary>
public sealed class CycloneDxTests : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("moat-cyclonedx-");

    public void Dispose() => _work.Delete(recursive: true);


    private static EvaluationResults Validate(string document)
    {
        // The BOM schema refers to the other two by relative $ref, resolved against its $id.
        var options = new EvaluationOptions { OutputFormat = OutputFormat.List };
        JsonSchema? bom = null;
        foreach (var name in new[] { "spdx.schema.json", "jsf-0.82.schema.json", "bom-1.6.schema.json" })
        {
            bom = JsonSchema.FromText(File.ReadAllText(TestPaths.Fixtures("cyclonedx", name)));
            options.SchemaRegistry.Register(new Uri($"http://cyclonedx.org/schema/{name}"), bom);
        }
        return bom!.Evaluate(JsonNode.Parse(document), options);
    }

    private static string Errors(EvaluationResults results) =>
        string.Join("\n", (results.Details ?? []).Where(d => d.Errors is { Count: > 0 }).Take(10)
            .Select(d => $"{d.InstanceLocation} ({d.EvaluationPath}): {string.Join("; ", d.Errors!.Values)}"));

    [Fact]
    public void The_audited_set_with_its_vulnerabilities_is_a_valid_cyclonedx_1_6_bom()
    {
        var requirements = Path.Combine(_work.FullName, "requirements.txt");
        File.WriteAllText(requirements, "django==2.2.0\njinja2==2.7.1\nflask>=2\nrequests==2.32.3\n");
        var (exit, output, error) = CliTests.Run("audit", requirements, "--format", "cyclonedx", "--no-names", "--osv", TestPaths.Data("pypa-advisory-database.tar.gz"));
        Assert.True(exit == 1, error);

        var results = Validate(output);
        Assert.True(results.IsValid, Errors(results));

        using var bom = JsonDocument.Parse(output);
        var root = bom.RootElement;
        Assert.Equal("CycloneDX", root.GetProperty("bomFormat").GetString());
        Assert.Equal("1.6", root.GetProperty("specVersion").GetString());
        var components = root.GetProperty("components").EnumerateArray().ToList();
        Assert.Equal(["pkg:pypi/django@2.2.0", "pkg:pypi/jinja2@2.7.1", "pkg:pypi/flask", "pkg:pypi/requests@2.32.3"],
            components.Select(c => c.GetProperty("purl").GetString()));
        string Verdict(JsonElement component) => component.GetProperty("properties").EnumerateArray()
            .Single(p => p.GetProperty("name").GetString() == "moat:verdict").GetProperty("value").GetString()!;
        Assert.Equal("vulnerable", Verdict(components[0]));

        var vulnerabilities = root.GetProperty("vulnerabilities").EnumerateArray().ToList();
        var jinja = vulnerabilities.Single(v => v.GetProperty("id").GetString() == "PYSEC-2014-8");
        Assert.Contains(jinja.GetProperty("references").EnumerateArray(), r => r.GetProperty("id").GetString() == "CVE-2014-1402");
        var affects = Assert.Single(jinja.GetProperty("affects").EnumerateArray());
        Assert.Equal("pkg:pypi/jinja2@2.7.1", affects.GetProperty("ref").GetString());
        Assert.Contains(affects.GetProperty("versions").EnumerateArray(), v => v.TryGetProperty("range", out var r) && r.GetString() == "vers:pypi/<2.7.2");
        Assert.Equal("high", jinja.GetProperty("ratings")[0].GetProperty("severity").GetString());
        Assert.True(vulnerabilities.Count(v => v.GetProperty("affects")[0].GetProperty("ref").GetString() == "pkg:pypi/django@2.2.0") > 20);
        Assert.Contains(root.GetProperty("metadata").GetProperty("properties").EnumerateArray(), p => p.GetProperty("name").GetString() == "moat:advisories:as-of");
    }

    [Fact]
    public void A_cvss_rating_keeps_its_score_vector_and_method()
    {
        var requirements = Path.Combine(_work.FullName, "requirements.txt");
        File.WriteAllText(requirements, "cdo-local-uuid==0.5.0 --hash=sha256:" + new string('A', 64) + "\n");
        var (_, output, _) = CliTests.Run("audit", requirements, "--format", "cyclonedx", "--no-names", "--osv", TestPaths.Data("pypa-advisory-database.tar.gz"));
        Assert.True(Validate(output).IsValid, Errors(Validate(output)));
        using var bom = JsonDocument.Parse(output);
        var hash = bom.RootElement.GetProperty("components")[0].GetProperty("hashes")[0];
        Assert.Equal(("SHA-256", new string('a', 64)), (hash.GetProperty("alg").GetString(), hash.GetProperty("content").GetString()));
        var rating = bom.RootElement.GetProperty("vulnerabilities").EnumerateArray().Single(v => v.GetProperty("id").GetString() == "PYSEC-2024-6").GetProperty("ratings")[0];
        Assert.Equal(2.8, rating.GetProperty("score").GetDouble());
        Assert.Equal("low", rating.GetProperty("severity").GetString());
        Assert.StartsWith("CVSSv3", rating.GetProperty("method").GetString());
        Assert.StartsWith("CVSS:3", rating.GetProperty("vector").GetString());
    }

    [Fact]
    public void The_schema_check_is_real_a_broken_bom_fails_it()
    {
        Assert.False(Validate("""{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"type": "gadget", "name": "x"}]}""").IsValid);
        Assert.False(Validate("""{"bomFormat": "SPDX", "specVersion": "1.6"}""").IsValid);
    }
}
