using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Moat.EndToEnd.Tests;

/// <summary>A real <c>moat serve</c> process on a free 127.0.0.1 port, with its log captured; always stopped on dispose.</summary>
internal sealed class MoatServer : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    public string DataDirectory { get; }
    public int Port { get; }
    public string Url => $"http://127.0.0.1:{Port}";

    private MoatServer(Process process, string data, int port)
    {
        _process = process;
        DataDirectory = data;
        Port = port;
    }

    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    /// <param name="environment">Variables for the server process (the S3 endpoint and credentials of <see cref="ServerStorage"/>).</param>
    public static async Task<MoatServer> StartAsync(string dataDirectory, int? port = null, string? config = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        port ??= FreePort();
        var process = config is null
            ? Moat("serve", "--urls", $"http://127.0.0.1:{port}", "--data", dataDirectory)
            : Moat("serve", "--urls", $"http://127.0.0.1:{port}", "--data", dataDirectory, "--config", config);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) process.StartInfo.Environment[name] = value;
        var server = new MoatServer(process, dataDirectory, port.Value);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (server._log) server._log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (server._log) server._log.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // Bounds, not speed checks: on a loaded two-core machine a cold server's first answer (JIT, migrations) has taken
        // over 10 s, and a client that gives up each try after 2 s never sees it.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (process.HasExited) throw new InvalidOperationException("moat serve exited: " + server.Log);
            try
            {
                if ((await http.GetAsync(server.Url + "/healthz")).StatusCode == HttpStatusCode.OK) return server;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(100);
        }
        server.Dispose();
        throw new TimeoutException("moat serve did not become healthy: " + server.Log);
    }

    /// <summary>A <c>moat</c> command (not started) with its output redirected.</summary>
    public static Process Moat(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "moat.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        return new Process { StartInfo = start };
    }

    /// <summary>Runs a moat admin command against this server's data directory; returns standard output.</summary>
    public string Admin(params string[] args) => Tools.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "moat.dll"), "admin", "--data", DataDirectory, .. args]).Output.Trim();

    /// <summary>Kills the process at once (no graceful shutdown): what a crash looks like.</summary>
    public void Kill()
    {
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _process.WaitForExit(10_000);
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Runs the real Python tools (twine, pip, python3 -m build), bounded in time.</summary>
internal static class Tools
{
    public const string Python = "/usr/bin/python3";

    public static (int Exit, string Output, string Error) Run(string file, IEnumerable<string> args, string? workingDirectory = null, IDictionary<string, string>? env = null, int timeoutSeconds = 120)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory ?? "" };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["PIP_DISABLE_PIP_VERSION_CHECK"] = "1";
        start.Environment["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"; // twine must not wait on a desktop keyring
        start.Environment["NO_COLOR"] = "1";
        foreach (var (key, value) in env ?? new Dictionary<string, string>()) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} took more than {timeoutSeconds} s");
        }
        return (process.ExitCode, output.Result, error.Result);
    }

    public static string Check(string file, IEnumerable<string> args, string? workingDirectory = null)
    {
        var (exit, output, error) = Run(file, args, workingDirectory);
        if (exit != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({exit}):\n{output}\n{error}");
        return output;
    }

    /// <summary>Builds a real wheel and sdist with <c>python3 -m build --no-isolation</c> (offline: Debian's setuptools).</summary>
    public static string[] Build(string root, string name, string version, string? requiresPython = null, params string[] dependencies)
    {
        var project = Path.Combine(root, $"{name}-{version}");
        var package = Path.Combine(project, "src", name.Replace('-', '_'));
        Directory.CreateDirectory(package);
        File.WriteAllText(Path.Combine(package, "__init__.py"), $"VERSION = \"{version}\"\n");
        var deps = string.Join(", ", dependencies.Select(d => $"\"{d}\""));
        File.WriteAllText(Path.Combine(project, "pyproject.toml"), $"""
            [build-system]
            requires = ["setuptools"]
            build-backend = "setuptools.build_meta"

            [project]
            name = "{name}"
            version = "{version}"
            dependencies = [{deps}]
            {(requiresPython is null ? "" : $"requires-python = \"{requiresPython}\"")}
            """);
        Check(Python, ["-m", "build", "--no-isolation", "--outdir", Path.Combine(project, "dist"), project], project);
        return Directory.GetFiles(Path.Combine(project, "dist"));
    }
}
