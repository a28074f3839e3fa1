using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Moat.Index.Provenance;

namespace Moat.Benchmarks;

/// <summary>
/// The cost of verifying one PEP 740 attestation completely (the target is at most 2 ms on one core): a real one PyPI
/// serves (pypi-attestations 0.0.19's sdist, the test fixture) against the embedded public-good root — Fulcio's P-384
/// chain built at the signed time, Rekor's signed entry timestamp, its 13-hash inclusion proof and checkpoint, the
/// DSSE signature, the statement — and the same with parsing the upload field included.
/// dotnet run -c Release --project bench/Moat.Benchmarks -- --filter '*Provenance*'
/// </summary>
[MemoryDiagnoser]
public class ProvenanceBenchmarks
{
    private const string Filename = "pypi_attestations-0.0.19.tar.gz";
    private const string Sha256 = "9bb1add04b1b4e182be6b0b80931593f7a291eb49d69b4fd728a5d4cbcdc4bd3";
    private readonly AttestationVerifier _verifier = new(SigstoreTrustRoot.PublicGood);
    private readonly TrustedPublisherIdentity _publisher = new(PublisherKind.GitHub, "trailofbits/pypi-attestations", "release.yml", "https://token.actions.githubusercontent.com");
    private string _field = "";
    private Attestation _attestation = null!;

    [GlobalSetup]
    public void Setup()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Moat.slnx"))) root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("run inside the repository");
        var json = File.ReadAllText(Path.Combine(root, "tests", "fixtures", "provenance", Filename + ".publish.attestation"));
        _field = "[" + json + "]";
        _attestation = Attestation.TryParse(JsonDocument.Parse(json).RootElement, out var error) ?? throw new InvalidOperationException(error);
        if (Verify() is not AttestationVerified) throw new InvalidOperationException("the fixture must verify");
    }

    [Benchmark(Baseline = true)]
    public AttestationCheck Verify() => _verifier.Verify(_attestation, Filename, Sha256, _publisher);

    [Benchmark]
    public AttestationCheck ParseAndVerify() =>
        _verifier.Verify(Attestation.TryParseList(_field, out _)![0], Filename, Sha256, _publisher);
}
