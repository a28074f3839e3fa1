using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Moat.Testing;

/// <summary>
/// A real SMTP server (aiosmtpd, Debian's <c>python3-aiosmtpd</c>, run by <c>tests/Shared/smtp_server.py</c>) on a free
/// 127.0.0.1 port, for tests of the mail the index sends: plain, STARTTLS or implicit TLS (with a certificate from a
/// test authority written to <see cref="AuthorityPem"/>), with AUTH when given a user. What it received is read back
/// from its directory. Bounded in time (it stops itself after two minutes) and stopped on dispose.
/// </summary>
internal sealed class LocalSmtpServer : IDisposable
{
    private readonly Process _process;
    private readonly string _root;
    public int Port { get; }
    public string Inbox { get; }
    /// <summary>The PEM of the authority that signed the server's certificate (for <c>[mail] ca-file</c>); null for a plain server.</summary>
    public string? AuthorityPem { get; }

    private LocalSmtpServer(Process process, string root, int port, string inbox, string? authority)
    {
        _process = process;
        _root = root;
        Port = port;
        Inbox = inbox;
        AuthorityPem = authority;
    }

    /// <param name="mode">none, starttls or tls.</param>
    public static async Task<LocalSmtpServer> StartAsync(string mode, string? user = null, string? password = null)
    {
        var root = Path.Combine(Path.GetTempPath(), "moat-smtp", Guid.NewGuid().ToString("N"));
        var inbox = Path.Combine(root, "inbox");
        Directory.CreateDirectory(inbox);
        var port = FreePort();
        var start = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var arg in new[] { Path.Combine(TestPaths.RepositoryRoot, "tests", "Shared", "smtp_server.py"), "--port", port.ToString(), "--directory", inbox, "--mode", mode })
            start.ArgumentList.Add(arg);
        string? authority = null;
        if (mode != "none")
        {
            (authority, var cert, var key) = WriteCertificates(root);
            foreach (var arg in new[] { "--cert", cert, "--key", key }) start.ArgumentList.Add(arg);
        }
        if (user is not null)
            foreach (var arg in new[] { "--user", user, "--password", password ?? "" }) start.ArgumentList.Add(arg);
        var process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        var server = new LocalSmtpServer(process, root, port, inbox, authority);
        var ready = process.StandardOutput.ReadLineAsync();
        if (await Task.WhenAny(ready, Task.Delay(TimeSpan.FromSeconds(30))) != ready || ready.Result != "ready")
        {
            // The reason (aiosmtpd missing, a port taken) is on its error output: read it before the process is disposed.
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            var reason = await process.StandardError.ReadToEndAsync();
            server.Dispose();
            throw new InvalidOperationException("the SMTP server did not start: " + reason);
        }
        return server;
    }

    /// <summary>The messages received so far, oldest first, as raw text (the X- headers say what the session negotiated).</summary>
    public IReadOnlyList<string> Received() =>
        [.. Directory.GetFiles(Inbox, "*.eml").Order(StringComparer.Ordinal).Select(File.ReadAllText)];

    /// <summary>Waits (at most <paramref name="seconds"/>) until <paramref name="count"/> messages have arrived.</summary>
    public async Task<IReadOnlyList<string>> WaitForAsync(int count, int seconds = 30)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            var received = Received();
            if (received.Count >= count) return received;
            await Task.Delay(50);
        }
        throw new TimeoutException($"{Received().Count} of {count} messages arrived at the SMTP server in {seconds} s");
    }

    /// <summary>A test authority and a certificate it signs for 127.0.0.1, as PEM files; returns their paths.</summary>
    private static (string Authority, string Certificate, string Key) WriteCertificates(string root)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Moat test mail authority", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(12), RandomNumberGenerator.GetBytes(8));

        var paths = (Path.Combine(root, "authority.pem"), Path.Combine(root, "server.pem"), Path.Combine(root, "server.key"));
        File.WriteAllText(paths.Item1, ca.ExportCertificatePem());
        File.WriteAllText(paths.Item2, certificate.ExportCertificatePem());
        File.WriteAllText(paths.Item3, serverKey.ExportPkcs8PrivateKeyPem());
        return paths;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close(); // the server stops when its input closes
            if (!_process.WaitForExit(5000)) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
