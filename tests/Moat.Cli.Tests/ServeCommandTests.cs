using System.Net;
using System.Net.Sockets;

namespace Moat.Cli.Tests;

/// <summary><c>moat serve</c> refuses what it cannot honour with one line and exit 2, before serving anything.</summary>
public sealed class ServeCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("moat-serve-cli").FullName;

    [Theory]
    [InlineData("[polcy]\nmalicious = \"quarantine\"\n", 1, "unknown section [polcy]; did you mean 'policy'?")]
    [InlineData("[policy]\nsuspicious = \"accept\"\nmalicous = \"quarantine\"\n", 3, "unknown key 'malicous' in [policy]; did you mean 'malicious'?")]
    [InlineData("[security]\nadmin = [\"alice\"]\n", 2, "unknown key 'admin' in [security]; did you mean 'admins'?")]
    [InlineData("[proxy]\nmin-release-age-hour = 24\n", 2, "unknown key 'min-release-age-hour' in [proxy]; did you mean 'min-release-age-hours'?")]
    [InlineData("[policy]\nmin-release-age-hour = 3\n", 2, "unknown key 'min-release-age-hour' in [policy]; did you mean 'min-release-age-hours' in [proxy]?")]
    [InlineData("[server]\nmax-upload-md = 300\n", 2, "unknown key 'max-upload-md' in [server]; did you mean 'max-upload-mb'?")]
    [InlineData("policy.malicous = \"quarantine\"\n", 1, "unknown key 'malicous' in [policy]; did you mean 'malicious'?")]
    [InlineData("[mail]\nhost = \"smtp.example.com\"\npasword-env = \"X\"\n", 3, "unknown key 'pasword-env' in [mail]; did you mean 'password-env'?")]
    [InlineData("[policy]\nmalicious = \"quarantine\"\n[firewall]\nmode = \"strict\"\n", 3, "unknown section [firewall]; valid: server, policy, proxy, security, advisories, mail, repository, storage, provenance")]
    public void A_misspelt_setting_stops_the_server_naming_the_file_line_key_and_the_nearest_valid_key(string toml, int line, string message)
    {
        var config = Path.Combine(_root, "moat.toml");
        File.WriteAllText(config, toml);
        var (exit, output, error) = CliTests.Run("serve", "--config", config, "--data", Path.Combine(_root, "data"), "--urls", "http://127.0.0.1:0");
        Assert.Equal(2, exit);
        Assert.Equal($"moat: {config}:{line}: {message}", Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Empty(output);
    }

    [Fact]
    public void Every_documented_setting_is_accepted()
    {
        var config = Path.Combine(_root, "moat.toml");
        File.WriteAllText(config, """
            [server]
            urls = "http://127.0.0.1:0"
            max-upload-mb = 100
            log-requests = false
            [policy]
            suspicious = "accept"
            malicious = "quarantine"
            new-projects = "approved"
            [proxy]
            upstream = "http://127.0.0.1:9/simple/"
            min-release-age-hours = 24
            fail-closed = true
            [security]
            admins = ["alice"]
            read = "anyone"
            [mail]
            host = "smtp.example.com"
            port = 2525
            security = "tls"
            from = "Moat <moat@example.com>"
            directory = "mail-out"
            password-env = "MOAT_MAIL_PASSWORD"
            [storage]
            blobs = "s3://moat-files/index"
            s3-path-style = true
            s3-presigned-downloads = true
            """);
        var options = Commands.ServeCommand.LoadOptions(config, Path.Combine(_root, "data"));
        Assert.Equal("moat-files", options.Blobs.S3?.Bucket);
        Assert.Equal(Moat.Index.GatePolicyAction.Quarantine, options.OnMalicious);
        Assert.Equal(["alice"], options.Security.Admins);
        Assert.Equal(("smtp.example.com", 2525, Moat.Index.Mail.MailSecurity.Tls), (options.Mail.Host, options.Mail.EffectivePort, options.Mail.Security));
    }

    [Fact]
    public void A_port_already_in_use_is_one_line_and_exit_2()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var (exit, _, error) = CliTests.Run("serve", "--data", Path.Combine(_root, "data"), "--urls", $"http://127.0.0.1:{port}", "--no-request-log");
        Assert.Equal(2, exit);
        Assert.Equal($"moat: cannot listen on http://127.0.0.1:{port}: the address is already in use (another moat serve? choose another with --urls)",
            Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
