using System.CommandLine;
using Microsoft.Extensions.Hosting;
using Moat.Index;
using Moat.Index.Hosting;

namespace Moat.Cli.Commands;

/// <summary><c>moat serve</c>: runs the package index. Defaults: SQLite and blobs under ./moat-data, http://127.0.0.1:8080.</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string?>("--urls") { Description = "Where to listen, e.g. http://127.0.0.1:8080 (several separated by ';')." };
        var data = new Option<string?>("--data") { Description = "Data directory: the SQLite database and the file blobs (default ./moat-data)." };
        var config = new Option<string?>("--config", "-c") { Description = "Configuration file (default ./moat.toml when it exists)." };
        var logLevel = new Option<string?>("--log-level") { Description = "trace, debug, information, warning or error." };
        var quiet = new Option<bool>("--no-request-log") { Description = "Do not log every request." };
        var command = new Command("serve", "Run the Moat package index (simple API, files, twine uploads, admin API).") { urls, data, config, logLevel, quiet };
        command.SetAction(async (parse, ct) =>
        {
            var options = LoadOptions(parse.GetValue(config), parse.GetValue(data));
            if (parse.GetValue(urls) is { } u) options = options with { Urls = u };
            if (parse.GetValue(logLevel) is { } level) options = options with { LogLevel = level };
            if (parse.GetValue(quiet)) options = options with { LogRequests = false };
            await using var app = Build(options);
            try
            {
                await app.StartAsync(ct);
            }
            catch (IOException ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
                throw new CliInputException($"cannot listen on {options.Urls}: the address is already in use (another moat serve? choose another with --urls)", ex);
            }
            try
            {
                await app.WaitForShutdownAsync(ct);
            }
            finally
            {
                await app.StopAsync(CancellationToken.None);
            }
            return ExitCodes.Clean;
        });
        return command;
    }

    /// <summary>The server; settings that contradict each other (checked once flags are applied) become exit code 2.</summary>
    private static Microsoft.AspNetCore.Builder.WebApplication Build(IndexOptions options)
    {
        try
        {
            return IndexServer.Build(options);
        }
        catch (IndexConfigurationException ex)
        {
            throw new CliInputException(ex.Message, ex);
        }
    }

    /// <summary>moat.toml (or the given file), then <c>--data</c> on top; configuration errors become exit code 2.</summary>
    internal static IndexOptions LoadOptions(string? config, string? data)
    {
        IndexOptions options;
        try
        {
            options = IndexOptions.Load(config);
        }
        catch (IndexConfigurationException ex)
        {
            throw new CliInputException(ex.Message, ex);
        }
        return data is null ? options : options with { DataDirectory = data };
    }
}
