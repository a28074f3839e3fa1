using BenchmarkDotNet.Attributes;
using Moat.Analysis.Secrets;

namespace Moat.Benchmarks;

/// <summary>
/// Scans generated text for secrets in memory (no disk): ~8 MiB of source, configs and docs with a few fake
/// secrets. The 1 GB on-disk tree is measured whole-process by bench/ci-secrets-bench.sh.
/// dotnet run -c Release --project bench/Moat.Benchmarks -- --filter '*SecretsBenchmarks*'
/// </summary>
[MemoryDiagnoser]
public class SecretsBenchmarks
{
    private List<(string Path, string Text)> _files = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        string[] paragraphs =
        [
            "def connect(host, token=None):\n    token = token or os.environ[\"API_TOKEN\"]\n    return Client(host, auth=token)\n",
            "import json\nfrom pathlib import Path\n\nclass Config:\n    def __init__(self, path):\n        self.data = json.loads(Path(path).read_text())\n",
            "[tool.poetry]\nname = \"example\"\nversion = \"1.2.3\"\n[tool.poetry.dependencies]\npython = \"^3.10\"\nrequests = \"^2.31\"\n",
            "## Usage\n\nSee https://docs.example.com/guide for details. Set `PASSWORD` in your environment.\n",
            "    for item in items:\n        if item.secret_name in cache:\n            continue\n        results.append(process(item))\n",
            "{\"id\": 12345, \"name\": \"widget\", \"tags\": [\"a\", \"b\"], \"url\": \"https://api.example.com/v1/widgets/12345\"}\n",
        ];
        for (var i = 0; i < 2000; i++)
        {
            var builder = new System.Text.StringBuilder();
            while (builder.Length < 4096) builder.Append(paragraphs[random.Next(paragraphs.Length)]);
            if (i % 200 == 0) builder.Append("DB_PASSWORD = \"Xk9#mQ2vL8pR4tW7zN1c\"\n");
            _files.Add(($"src/module{i}.py", builder.ToString()));
        }
    }

    [Benchmark(Description = "scan 2,000 files (8 MiB) in memory")]
    public int ScanInMemory()
    {
        var findings = 0;
        foreach (var (path, text) in _files) findings += SecretScanner.ScanText(text, path).Count;
        return findings;
    }
}
