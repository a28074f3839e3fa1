namespace Moat.Analysis.Dependencies.Advisories;

/// <summary>
/// The PyPA advisory database snapshot shipped inside moat (see data/README.md for its date): the default for
/// <c>moat audit</c>. Embedded pre-parsed (<see cref="AdvisorySnapshot"/>), so an audit does not parse YAML.
/// </summary>
public static class EmbeddedAdvisories
{
    public const string ResourceName = "Moat.Data.pypa-advisories.json.gz";

    public static OsvDatabase Load()
    {
        using var stream = typeof(EmbeddedAdvisories).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException("the embedded advisory database is missing");
        return AdvisorySnapshot.Read(stream);
    }
}
