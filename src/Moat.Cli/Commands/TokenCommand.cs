using System.CommandLine;
using Moat.Index.Auth;

namespace Moat.Cli.Commands;

/// <summary>
/// <c>moat token attenuate TOKEN [--project P]... [--expires 1h] [--not-before UNIX]</c>: narrows an API token
/// locally, with no server call and no key (macaroon caveats, <see cref="Macaroons.Attenuate"/>), and prints the
/// narrower token — e.g. a token for one project that dies in an hour, to hand to a CI job.
/// </summary>
public static class TokenCommand
{
    public static Command Create()
    {
        var token = new Argument<string>("token") { Description = "The token to narrow (moat-…); '-' reads it from standard input." };
        var projects = new Option<string[]>("--project") { Description = "Only these projects (repeatable).", AllowMultipleArgumentsPerToken = false };
        var expires = new Option<string?>("--expires") { Description = "Expire after this long: 30m, 12h, 7d." };
        var notBefore = new Option<long?>("--not-before") { Description = "Not valid before this Unix time." };
        var attenuate = new Command("attenuate", "Add restrictions to a token offline and print the narrower token.") { token, projects, expires, notBefore };
        attenuate.SetAction(parse =>
        {
            var value = parse.GetValue(token)!;
            if (value == "-") value = Console.In.ReadLine()?.Trim() ?? "";
            if (Macaroons.Parse(value) is null) throw new CliInputException("not a Moat macaroon token (tokens created before caveats cannot be attenuated)");
            var names = parse.GetValue(projects) ?? [];
            if (names.FirstOrDefault(p => !Moat.Packaging.ProjectName.IsValid(p)) is { } bad) throw new CliInputException($"'{bad}' is not a valid project name");
            if (names.Length > 0) value = Macaroons.Attenuate(value, Macaroons.ProjectsCaveat(names.Select(Moat.Packaging.ProjectName.Normalize).Distinct()));
            if (parse.GetValue(expires) is { } duration) value = Macaroons.Attenuate(value, Macaroons.ExpiresCaveat(DateTimeOffset.UtcNow + ParseDuration(duration)));
            if (parse.GetValue(notBefore) is { } nbf) value = Macaroons.Attenuate(value, Macaroons.NotBeforeCaveat(DateTimeOffset.FromUnixTimeSeconds(nbf)));
            parse.InvocationConfiguration.Output.WriteLine(value);
            return ExitCodes.Clean;
        });
        return new Command("token", "Work with Moat API tokens locally.") { attenuate };
    }

    internal static TimeSpan ParseDuration(string text)
    {
        if (text.Length >= 2 && long.TryParse(text[..^1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0)
        {
            switch (text[^1])
            {
                case 's': return TimeSpan.FromSeconds(n);
                case 'm': return TimeSpan.FromMinutes(n);
                case 'h': return TimeSpan.FromHours(n);
                case 'd': return TimeSpan.FromDays(n);
            }
        }
        throw new CliInputException($"--expires '{text}': use a number and s, m, h or d (e.g. 30m)");
    }
}
