using System.Security.Cryptography;
using System.Text;
using Moat.Analysis.Code;

namespace Moat.Analysis.Tests.Code;

/// <summary>Hard benign cases: they must stay clean (false positives matter as much as recall).</summary>
public class BenignPackageTests
{
    private static Verdict Judge(params (string Path, string Text)[] files)
    {
        var dir = Directory.CreateTempSubdirectory("moat-benign-");
        try
        {
            foreach (var (path, text) in files)
            {
                var full = Path.Combine(dir.FullName, path);
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                File.WriteAllText(full, text);
            }
            var result = PackageScanner.Scan(dir.FullName);
            Assert.True(result.Verdict == Verdict.Clean, string.Join(" | ", result.Findings.Where(f => f.Severity >= Severity.Medium).Select(f => f.RuleId + " " + f.Message)));
            return result.Verdict;
        }
        finally { dir.Delete(recursive: true); }
    }

    private const string Module = "def answer():\n    return 42  # the package has a real module\n";

    [Fact]
    public void C_extension_setup_with_build_ext_and_compiler_probe() => Judge(
        ("setup.py", "import os, subprocess, sys\nfrom setuptools import setup, Extension\nfrom setuptools.command.build_ext import build_ext\n\nclass BuildExt(build_ext):\n    def build_extensions(self):\n        if subprocess.call(['pkg-config', '--exists', 'libffi']) == 0:\n            self.compiler.define_macro('HAVE_FFI')\n        build_ext.build_extensions(self)\n\nsetup(name='fast', ext_modules=[Extension('fast._c', ['src/c.c'], include_dirs=[os.environ.get('FFI_INCLUDE', '/usr/include')])], cmdclass={'build_ext': BuildExt})\n"),
        ("fast/__init__.py", Module));

    [Fact]
    public void Version_from_git_and_exec_of_version_file() => Judge(
        ("setup.py", "import subprocess\nfrom setuptools import setup\nns = {}\nexec(open('pkg/_version.py').read(), ns)\ntry:\n    rev = subprocess.check_output(['git', 'rev-parse', 'HEAD']).decode()\nexcept Exception:\n    rev = ''\nsetup(name='pkg', version=ns['__version__'])\n"),
        ("pkg/__init__.py", Module), ("pkg/_version.py", "__version__ = '1.2.3'\n"));

    [Fact]
    public void Http_client_library_with_auth_tokens() => Judge(
        ("client/__init__.py", "import os, requests, base64, platform\n\nclass Client:\n    def __init__(self, token=None):\n        self.token = token or os.environ.get('EXAMPLE_API_TOKEN')\n        self.session = requests.Session()\n        self.session.headers['User-Agent'] = 'client/1.0 ' + platform.system()\n\n    def get(self, path):\n        auth = base64.b64encode(self.token.encode()).decode()\n        return self.session.get('https://api.example.com' + path, headers={'Authorization': 'Basic ' + auth}).json()\n"));

    [Fact]
    public void Cryptography_library_using_fernet_with_user_keys() => Judge(
        ("vault/__init__.py", "from cryptography.fernet import Fernet\nimport base64, hashlib\n\ndef key_from(password):\n    return base64.urlsafe_b64encode(hashlib.sha256(password.encode()).digest())\n\ndef decrypt(token, password):\n    return Fernet(key_from(password)).decrypt(token)\n"));

    [Fact]
    public void Cli_that_spawns_processes_hidden_on_windows() => Judge(
        ("tool/__init__.py", Module),
        ("tool/cli.py", "import subprocess, sys, shutil\n\ndef main():\n    flags = subprocess.CREATE_NO_WINDOW if sys.platform == 'win32' else 0\n    git = shutil.which('git')\n    subprocess.run([git, 'status'], creationflags=flags, check=True)\n\nif __name__ == '__main__':\n    main()\n"));

    [Fact]
    public void Test_suite_with_mocked_webhooks_and_network() => Judge(
        ("notify/__init__.py", "import requests\n\ndef send(url, text):\n    return requests.post(url, json={'content': text})\n"),
        ("tests/test_notify.py", "import responses, os\nfrom notify import send\nHOOK = 'https://discord.com/api/webhooks/1/abcdefghijklmnopqrstuvwxyz'\n\n@responses.activate\ndef test_send():\n    responses.add(responses.POST, HOOK)\n    send(HOOK, str(dict(os.environ)))\n"));

    [Fact]
    public void Namespace_package_pth_and_standard_build_backend() => Judge(
        ("example-nspkg.pth", "import sys, types, os;has_mfs = sys.version_info > (3, 5);p = os.path.join(sys._getframe(1).f_locals['sitedir'], *('example',));ie = os.path.exists(os.path.join(p,'__init__.py'));m = not ie and not has_mfs and sys.modules.setdefault('example', types.ModuleType('example'))\n"),
        ("pyproject.toml", "[build-system]\nrequires = ['setuptools>=61']\nbuild-backend = 'setuptools.build_meta'\n"),
        ("example/core/__init__.py", Module));

    [Fact]
    public void Api_client_sending_its_token_from_the_environment() => Judge(
        ("gh/__init__.py", "import os, requests\n\ndef repos():\n    token = os.environ['GITHUB_TOKEN']\n    return requests.get('https://api.github.com/user/repos', headers={'Authorization': 'token ' + token}).json()\n"));

    [Fact]
    public void Plugin_loader_compiling_a_config_file() => Judge(
        ("plug/__init__.py", "def load(path):\n    ns = {}\n    with open(path) as f:\n        exec(compile(f.read(), path, 'exec'), ns)\n    return ns\n\nload('plugins.py')\n"));

    [Fact]
    public void Package_embedding_base64_data_and_ssh_config_reader() => Judge(
        ("assets/__init__.py", "import base64, os\nLOGO = base64.b64decode('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==')\nKNOWN_HOSTS = os.path.expanduser('~/.ssh/known_hosts')\nCONFIG = os.path.expanduser('~/.ssh/config')\n"));
}
