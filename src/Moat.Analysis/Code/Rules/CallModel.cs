using System.Collections.Frozen;
using Moat.Analysis.Text;

namespace Moat.Analysis.Code;

/// <summary>What a call does, by qualified name: the capability vocabulary the rules are written in.</summary>
[Flags]
public enum CallKind
{
    None = 0,
    NetworkFetch = 1,
    NetworkSend = 2,
    Spawn = 4,
    Exec = 8,
    NativeLoad = 16,
    Clipboard = 32,
    Screenshot = 64,
    Keylogger = 128,
    Registry = 256,
    SocketConnect = 512,
    Dup2 = 1024,
    ShellcodeApi = 2048,
    Recon = 4096,
    Deserialize = 8192,
    FileWrite = 16384,
    Chmod = 32768,
    Image = 65536,
    Secrets = 131072,
    Download = 262144,
}

/// <summary>The call table: qualified names (after alias resolution) and the capability each one is.</summary>
public static class CallModel
{
    private static readonly FrozenDictionary<string, CallKind> Calls = Build();

    private static FrozenDictionary<string, CallKind> Build()
    {
        var table = new Dictionary<string, CallKind>(StringComparer.Ordinal);
        void Add(CallKind kind, params string[] names)
        {
            foreach (var name in names) table[name] = table.GetValueOrDefault(name) | kind;
        }

        Add(CallKind.NetworkFetch | CallKind.NetworkSend,
            "urllib.request.urlopen", "urllib.urlopen", "urllib2.urlopen", "requests.get", "requests.post", "requests.put",
            "requests.patch", "requests.request", "requests.head", "requests.delete", "requests.Session.get", "requests.Session.post",
            "requests.session.get", "requests.session.post", "requests.Session.request", "httpx.get", "httpx.post", "httpx.put",
            "httpx.request", "httpx.Client.get", "httpx.Client.post", "httpx.AsyncClient.get", "httpx.AsyncClient.post",
            "urllib3.PoolManager.request", "urllib3.request", "http.client.HTTPConnection.request", "http.client.HTTPSConnection.request",
            "httplib.HTTPConnection.request", "httplib.HTTPSConnection.request", "aiohttp.ClientSession.get", "aiohttp.ClientSession.post",
            "aiohttp.request", "pycurl.Curl.perform", "websocket.create_connection", "websockets.connect", "urllib.request.Request",
            "urllib2.Request", "http.client.HTTPConnection", "http.client.HTTPSConnection", "httplib.HTTPConnection", "httplib.HTTPSConnection");
        Add(CallKind.NetworkFetch | CallKind.Download, "urllib.request.urlretrieve", "urllib.urlretrieve", "wget.download");
        Add(CallKind.NetworkFetch, "socket.socket.recv", "socket.socket.recvfrom", "ftplib.FTP.retrbinary", "ftplib.FTP");
        Add(CallKind.NetworkSend, "socket.socket.send", "socket.socket.sendall", "socket.socket.sendto", "smtplib.SMTP.sendmail",
            "smtplib.SMTP.send_message", "smtplib.SMTP_SSL.sendmail", "smtplib.SMTP_SSL.send_message", "ftplib.FTP.storbinary",
            "discord_webhook.DiscordWebhook", "discord_webhook.DiscordWebhook.execute", "dhooks.Webhook", "dhooks.Webhook.send",
            "discord.SyncWebhook.from_url", "telebot.TeleBot.send_message", "telebot.TeleBot.send_document", "socket.gethostbyname", "socket.gethostbyname_ex", "socket.getaddrinfo",
            "dns.resolver.resolve", "dns.resolver.query");
        Add(CallKind.SocketConnect | CallKind.NetworkSend | CallKind.NetworkFetch, "socket.socket.connect", "socket.create_connection", "socket.socket.connect_ex");
        Add(CallKind.Spawn,
            "subprocess.Popen", "subprocess.call", "subprocess.run", "subprocess.check_call", "subprocess.check_output",
            "subprocess.getoutput", "subprocess.getstatusoutput", "os.system", "os.popen", "os.popen2", "os.popen3", "os.startfile",
            "os.execv", "os.execve", "os.execl", "os.execle", "os.execlp", "os.execvp", "os.execvpe", "os.spawnv", "os.spawnve",
            "os.spawnl", "os.spawnle", "os.spawnlp", "os.spawnvp", "os.posix_spawn", "os.posix_spawnp", "pty.spawn",
            "commands.getoutput", "commands.getstatusoutput", "platform.popen", "asyncio.create_subprocess_exec",
            "asyncio.create_subprocess_shell", "win32api.ShellExecute", "win32process.CreateProcess", "ctypes.windll.shell32.ShellExecuteW",
            "ctypes.windll.shell32.ShellExecuteA", "ctypes.windll.kernel32.WinExec");
        Add(CallKind.Exec, "exec", "eval", "execfile", "compile", "runpy.run_path", "runpy.run_module", "types.FunctionType",
            "code.InteractiveInterpreter.runsource", "code.InteractiveInterpreter.runcode", "builtins.exec");
        Add(CallKind.Deserialize, "pickle.loads", "cPickle.loads", "dill.loads", "marshal.loads", "pickle.load", "cloudpickle.loads");
        Add(CallKind.NativeLoad, "ctypes.CDLL", "ctypes.WinDLL", "ctypes.cdll.LoadLibrary", "ctypes.windll.LoadLibrary",
            "ctypes.OleDLL", "ctypes.PyDLL", "ctypes.LibraryLoader", "cffi.FFI.dlopen", "_ctypes.dlopen");
        Add(CallKind.ShellcodeApi, "ctypes.windll.kernel32.VirtualAlloc", "ctypes.windll.kernel32.VirtualAllocEx",
            "ctypes.windll.kernel32.RtlMoveMemory", "ctypes.windll.kernel32.CreateThread", "ctypes.windll.kernel32.CreateRemoteThread",
            "ctypes.windll.kernel32.WriteProcessMemory", "ctypes.windll.kernel32.VirtualProtect", "ctypes.memmove", "mmap.mmap");
        Add(CallKind.Clipboard, "pyperclip.paste", "win32clipboard.GetClipboardData", "clipboard.paste", "pyperclip.copy");
        Add(CallKind.Screenshot, "PIL.ImageGrab.grab", "ImageGrab.grab", "pyautogui.screenshot", "mss.mss", "mss.mss.grab", "pyscreenshot.grab");
        Add(CallKind.Keylogger, "pynput.keyboard.Listener", "keyboard.on_press", "keyboard.hook", "keyboard.on_release",
            "keyboard.record", "ctypes.windll.user32.GetAsyncKeyState", "ctypes.windll.user32.SetWindowsHookExA",
            "ctypes.windll.user32.SetWindowsHookExW", "win32api.GetAsyncKeyState", "pyHook.HookManager");
        Add(CallKind.Registry, "winreg.SetValueEx", "winreg.CreateKey", "winreg.CreateKeyEx", "winreg.OpenKey", "winreg.SetValue",
            "_winreg.SetValueEx", "_winreg.CreateKey", "_winreg.OpenKey", "win32api.RegSetValueEx", "winreg.OpenKeyEx");
        Add(CallKind.Dup2, "os.dup2");
        Add(CallKind.Recon, "socket.gethostname", "getpass.getuser", "os.getlogin", "platform.node", "platform.uname", "os.uname",
            "os.getcwd", "uuid.getnode", "socket.getfqdn", "os.getuid", "psutil.users");
        Add(CallKind.Secrets, "browser_cookie3.chrome", "browser_cookie3.firefox", "browser_cookie3.load", "browser_cookie3.edge",
            "browser_cookie3.brave", "browser_cookie3.opera", "win32crypt.CryptUnprotectData", "os.environ.copy", "os.environ.items", "os.environ.__str__", "os.environ.__repr__",
            "os.environ.values", "os.environ.keys", "getpass.getpass", "keyring.get_password", "pyperclip.paste",
            "win32clipboard.GetClipboardData", "PIL.ImageGrab.grab", "ImageGrab.grab", "pyautogui.screenshot",
            "ctypes.windll.crypt32.CryptUnprotectData");
        Add(CallKind.FileWrite, "open.write", "io.open.write", "codecs.open.write", "pathlib.Path.write_bytes", "pathlib.Path.write_text",
            "shutil.copy", "shutil.copyfile", "shutil.copy2", "shutil.move", "urllib.request.urlretrieve", "urllib.urlretrieve",
            "os.rename", "os.replace", "os.renames");
        Add(CallKind.Chmod, "os.chmod", "pathlib.Path.chmod", "os.fchmod");
        Add(CallKind.Image, "PIL.Image.open", "Image.open", "PIL.Image.open.getpixel", "PIL.Image.open.getdata", "PIL.Image.open.load",
            "cv2.imread", "imageio.imread", "stegano.lsb.reveal", "stegano.exifHeader.reveal");
        return table.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The capabilities of a call. Unknown receivers are matched by method name alone where it is unambiguous.</summary>
    public static CallKind Of(string? name, string? method)
    {
        if (name is not null && Calls.TryGetValue(name, out var kind)) return kind;
        if (name is not null)
        {
            // Attribute chains on instances: requests.Session().get → "requests.Session.get" already; socket.socket(...).connect → ok.
            // Two-level suffixes for instances stored in dotted variables: "...kernel32.VirtualAlloc".
            var dot = name.IndexOf('.', StringComparison.Ordinal);
            if (dot > 0 && name.Contains("kernel32.", StringComparison.Ordinal))
            {
                var tail = name[name.IndexOf("kernel32.", StringComparison.Ordinal)..];
                if (Calls.TryGetValue("ctypes.windll." + tail, out kind)) return kind;
            }
            if (name.Contains("user32.", StringComparison.Ordinal))
            {
                var tail = name[name.IndexOf("user32.", StringComparison.Ordinal)..];
                if (Calls.TryGetValue("ctypes.windll." + tail, out kind)) return kind;
            }
        }
        return CallKind.None;
    }

    /// <summary>The taint of what a source call returns (network data, secrets, recon), from its name and arguments.</summary>
    public static Taint SourceTaint(string name, string method, Value? receiver, IReadOnlyList<Value> args)
    {
        var kind = Of(name, method);
        var taint = Taint.None;
        if ((kind & CallKind.NetworkFetch) != 0)
        {
            taint |= Taint.Network;
            if (args.Count > 0 && IsWrittenDestination(args[0])) taint |= Taint.FromWrittenHost;
        }
        if ((kind & CallKind.Recon) != 0) taint |= Taint.Recon;
        if ((kind & CallKind.Secrets) != 0)
        {
            // A password the user types or keeps in the keyring is sent to log in; it weighs like a configured token.
            taint |= name is "getpass.getpass" or "keyring.get_password" ? Taint.Recon | Taint.Credential : Taint.Secrets;
        }
        if ((kind & CallKind.Image) != 0) taint |= Taint.Media;
        if ((kind & CallKind.Spawn) != 0 && args.Count > 0) taint |= CommandOutputTaint(args[0]);
        switch (name)
        {
            case "dict" or "str" or "repr" or "json.dumps" or "list" when args.Count > 0 && args[0] is { Kind: ValueKind.Ref, Text: "os.environ" }:
                taint |= Taint.Secrets;
                break;
            case "os.getenv" or "os.environ.get" when args.Count > 0 && args[0].Kind == ValueKind.Str && Evaluator.SecretEnvironmentName(args[0].Text!):
                // One named token is what API clients read to authenticate: it weighs like recon data (serious at
                // install time, not in a client's methods). Whole-environment dumps are Secrets.
                taint |= Taint.Recon | Taint.Credential;
                break;
        }
        // Fetching from a credential store over the network (the cloud metadata service's role credentials) is reading secrets.
        if ((kind & CallKind.NetworkFetch) != 0)
            foreach (var arg in args)
                if (arg.KnownText is { } url && Indicators.StealerTarget(url) != IndicatorKind.None) taint |= Taint.Secrets;
        // Reading a sensitive path: open(), sqlite3.connect(), shutil.copy(), glob, listdir, Path(...).
        if (name is "open" or "io.open" or "codecs.open" or "pathlib.Path" or "Path" or "sqlite3.connect" or "shutil.copy" or "shutil.copyfile"
            or "shutil.copy2" or "glob.glob" or "os.listdir" or "os.walk" or "os.scandir" or "zipfile.ZipFile.write" or "shutil.copytree" or "os.path.join")
        {
            foreach (var arg in args)
            {
                if (arg.KnownText is { } text)
                {
                    var sensitive = Indicators.StealerTarget(text);
                    if (sensitive != IndicatorKind.None) taint |= Taint.Secrets;
                    if (Indicators.IsMediaPath(text)) taint |= Taint.Media;
                }
                taint |= arg.Taint & (Taint.Secrets | Taint.Media);
            }
        }
        if (receiver is { Kind: ValueKind.Instance } && method is "read" or "readlines" or "read_text" or "read_bytes" or "readline" or "fetchall" or "fetchone" or "execute")
        {
            taint |= Taint.FileData | (receiver.Taint & (Taint.Secrets | Taint.Media | Taint.Network));
        }
        return taint;
    }

    /// <summary>
    /// What a command's output is, from its program: <c>whoami</c>, <c>hostname</c> or <c>ipconfig</c> print the same host
    /// identity <c>getpass.getuser()</c> returns, and <c>env</c> or <c>set</c> the whole environment.
    /// </summary>
    private static Taint CommandOutputTaint(Value command) => CommandWords(command) is [{ } program, ..]
        ? ShellWords.BaseName(program) switch
        {
            "env" or "printenv" or "set" => Taint.Secrets,
            "whoami" or "hostname" or "id" or "uname" or "pwd" or "ipconfig" or "ifconfig" or "systeminfo" or "ip" or "who"
                or "w" or "users" or "groups" or "sw_vers" or "wmic" or "net" or "getmac" or "nltest" => Taint.Recon,
            _ => Taint.None,
        }
        : Taint.None;

    /// <summary>
    /// The words of a command as a spawn call receives it: an argument list's items, or a command string split on white
    /// space (null for a part not known). Enough to name the program and its flags, not a shell parse.
    /// </summary>
    public static List<string?> CommandWords(Value command)
    {
        if (command.Kind == ValueKind.List) return [.. command.Items!.Select(i => i.KnownText)];
        return command.KnownText is { } text ? [.. text.Split([' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries)] : [];
    }

    /// <summary>
    /// A destination written into the package (a literal external host, or an address it decoded or fetched), as opposed
    /// to one its caller passes in, localhost, or the metadata service.
    /// </summary>
    public static bool IsWrittenDestination(Value? destination)
    {
        if (destination is null) return false;
        // A request object (urllib's Request(url, …)) goes where its URL says.
        if (destination.Kind == ValueKind.Instance) return destination.Items is [var url, ..] && url.Kind != ValueKind.Instance && IsWrittenDestination(url);
        if ((destination.Taint & (Taint.Decoded | Taint.Network | Taint.Blob)) != 0) return true;
        var text = destination.KnownText;
        if (text is null) return false;
        var host = text.Contains("://", StringComparison.Ordinal) ? Indicators.Host(text) : text.Trim();
        if (string.IsNullOrEmpty(host) || host.Contains("{}", StringComparison.Ordinal)) return false;
        return !IsLocalDestination(host);
    }

    private static bool IsLocalDestination(string host)
    {
        host = host.Trim('[', ']').ToLowerInvariant();
        if (host is "localhost" or "metadata" or "metadata.google.internal" or "::1" || host.EndsWith(".localhost", StringComparison.Ordinal)
            || host.EndsWith(".internal", StringComparison.Ordinal) || host.EndsWith(".local", StringComparison.Ordinal) || !host.Contains('.', StringComparison.Ordinal))
            return true;
        if (!System.Net.IPAddress.TryParse(host, out var ip)) return false;
        if (System.Net.IPAddress.IsLoopback(ip)) return true;
        var b = ip.GetAddressBytes();
        return b.Length == 4 && (b[0] is 0 or 10 || b[0] == 169 && b[1] == 254 || b[0] == 172 && b[1] is >= 16 and <= 31 || b[0] == 192 && b[1] == 168);
    }

    /// <summary>Name lookups: they send the name they resolve to whoever runs that domain's DNS (DNS exfiltration).</summary>
    public static bool IsNameLookup(string name) =>
        name is "socket.gethostbyname" or "socket.gethostbyname_ex" or "socket.getaddrinfo" or "dns.resolver.resolve" or "dns.resolver.query";

    public static bool IsWellKnownHost(string url)
    {
        var host = Indicators.Host(url);
        if (host is null) return false;
        foreach (var known in KnownHosts)
        {
            if (host.Equals(known, StringComparison.OrdinalIgnoreCase) || host.EndsWith("." + known, StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    private static readonly string[] KnownHosts =
    [
        "github.com", "githubusercontent.com", "pypi.org", "pythonhosted.org", "python.org", "sourceforge.net", "gitlab.com",
        "bitbucket.org", "googleapis.com", "amazonaws.com", "microsoft.com", "nvidia.com", "apache.org", "gnu.org", "kernel.org",
        "readthedocs.io", "conda.io", "anaconda.org", "debian.org", "ubuntu.com", "mozilla.org", "npmjs.org", "rust-lang.org",
    ];
}
