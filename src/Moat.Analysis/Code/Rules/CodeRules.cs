namespace Moat.Analysis.Code;

/// <summary>
/// Capability rules: what code can do. Alone they are information (most packages open sockets or spawn processes);
/// they matter as the ingredients of the threat and combination rules.
/// </summary>
public static class CapabilityRules
{
    private const string Guide = "https://github.com/DataDog/guarddog#source-code-heuristics";

    public static readonly Rule Network = new("MOAT-CODE-001", "network-access", "Code makes network requests.", Severity.Info,
        "The file calls an HTTP client, opens a socket or resolves names. Ordinary for client libraries; it becomes a threat " +
        "when it happens at install time, fetches code that is then run, or sends harvested data (see MOAT-CODE-021/022/023).",
        [Guide]);

    public static readonly Rule ProcessSpawn = new("MOAT-CODE-002", "process-spawn", "Code starts other programs.", Severity.Info,
        "subprocess, os.system, os.popen, os.exec*/spawn*, pty.spawn, ShellExecute. CLIs and build scripts do this all the " +
        "time (git describe, compilers); it matters when the program comes from the network or runs hidden.",
        [Guide]);

    public static readonly Rule DynamicCode = new("MOAT-CODE-003", "dynamic-code-execution", "Code runs strings as Python (exec/eval/compile).", Severity.Low,
        "exec, eval and compile of values that are not plain literals. setup.py files often exec their version file, which is " +
        "harmless; exec of decoded, downloaded or opaque data is reported separately as MOAT-CODE-020/021/049.",
        ["https://docs.python.org/3/library/functions.html#exec"]);

    public static readonly Rule EnvironmentHarvest = new("MOAT-CODE-004", "environment-harvest", "Code collects the whole environment or secret variables.", Severity.Low,
        "dict(os.environ), os.environ.items()/copy(), or variables named like TOKEN, SECRET, PASSWORD, AWS_*. CI systems keep " +
        "publishing tokens there; sent over the network this is credential theft (MOAT-CODE-022).",
        ["https://www.stepsecurity.io/blog/ghostaction-campaign-3-325-secrets-stolen"]);

    public static readonly Rule NativeLoad = new("MOAT-CODE-005", "native-code-loading", "Code loads native libraries with ctypes or cffi.", Severity.Info,
        "Loading a shared library runs its initialisers. Common in bindings; shellcode injection through kernel32 is reported " +
        "as MOAT-CODE-046.", [Guide]);

    public static readonly Rule Clipboard = new("MOAT-CODE-006", "clipboard-access", "Code reads or replaces the clipboard.", Severity.Low,
        "Clipboard access is how crypto-address swappers (clippers) work: they replace a copied wallet address with the attacker's.",
        ["https://www.bleepingcomputer.com/news/security/pypi-packages-caught-stealing-crypto-wallet-addresses/"]);

    public static readonly Rule Screenshot = new("MOAT-CODE-007", "screenshot-capture", "Code captures the screen.", Severity.Low,
        "ImageGrab.grab, pyautogui.screenshot, mss: stealers attach a screenshot to what they exfiltrate.", [Guide]);

    public static readonly Rule Keylogger = new("MOAT-CODE-008", "keyboard-capture", "Code hooks or polls the keyboard.", Severity.Medium,
        "pynput/keyboard listeners, GetAsyncKeyState, SetWindowsHookEx: keyloggers. Medium when the hook starts at install or " +
        "import time; low in functions the user calls (hotkey and automation libraries).",
        [Guide]);

    public static readonly Rule Registry = new("MOAT-CODE-009", "registry-write", "Code opens or writes Windows registry keys.", Severity.Low,
        "winreg writes. Together with a Run key path this is persistence (MOAT-CODE-040).", [Guide]);

    public static readonly Rule ExecutableWrite = new("MOAT-CODE-010", "executable-file-write", "Code writes an executable file or makes one executable.", Severity.Low,
        "Writing .exe/.bat/.vbs/.ps1/.scr files or chmod +x. Droppers write their second stage this way before running it " +
        "(MOAT-CODE-021).", [Guide]);
}

/// <summary>Threat rules: things ordinary packages almost never do, and the combinations that make a package malicious.</summary>
public static class ThreatRules
{
    private const string Phylum = "https://blog.phylum.io/";

    public static readonly Rule DecodeExec = new("MOAT-CODE-020", "decode-then-execute", "Encoded or encrypted data is decoded and executed.", Severity.Critical,
        "A payload hidden with base64, hex, zlib, marshal, reversed strings, XOR or Fernet is decoded and passed to exec/eval " +
        "(critical when the decoded input is something the package carries or fetches, or it runs at install/import time; " +
        "data a caller hands over at run time, as process-isolation helpers do, is low). " +
        "Legitimate packages have no reason to hide their code; this is the signature of PyPI malware droppers. The evidence " +
        "shows the decoding chain; Moat decodes and decrypts the payload (without running it) and scans it too.",
        ["https://checkmarx.com/blog/over-170k-users-affected-by-attack-using-fake-python-infrastructure/",
         "https://www.fortinet.com/blog/threat-research/supply-chain-attack-using-identical-pypi-packages-colorslib-httpslib-libhttps"]);

    public static readonly Rule DownloadExec = new("MOAT-CODE-021", "download-then-execute", "Code downloaded from the network is executed.", Severity.Critical,
        "Data fetched over the network is passed to exec/eval or a shell, or a downloaded file is written and then started. " +
        "This is how stage-one droppers pull their stealer. Installers that download, write and start a program only in " +
        "functions the user calls, from hosts that are not paste sites, drop boxes or raw IPs, are low. A file that names the " +
        "raw view of one fixed paste (pastebin.com/raw/ID, rentry.co/ID/raw) and executes code or starts programs is reported " +
        "with high confidence: that paste is a stage its author keeps editing.",
        ["https://blog.phylum.io/pypi-malware-campaign/", "https://attack.mitre.org/techniques/T1105/"]);

    public static readonly Rule HarvestExfil = new("MOAT-CODE-022", "harvest-then-exfiltrate", "Collected secrets or host data are sent over the network.", Severity.Critical,
        "Environment variables, credential files, browser or wallet data, or host reconnaissance (user, host name, directory) flow " +
        "into a network request, webhook or socket. Dependency-confusion probes send host data; stealers send secrets to a host " +
        "written into them. At run time, credentials sent where the caller points the library, or to the local metadata " +
        "service, are how clients log in (low). A module that posts a body (data=, json=, files=) to a raw IP, drop box or " +
        "decoded address when it is imported is reported at medium confidence even when Moat cannot trace what the body holds.",
        ["https://attack.mitre.org/techniques/T1041/", "https://medium.com/@alex.birsan/dependency-confusion-4a5d60fec610"]);

    public static readonly Rule InstallTimeNetwork = new("MOAT-CODE-023", "install-time-network", "The package reaches the network while it is being installed.", Severity.High,
        "setup.py (at module level or in an overridden install/develop/egg_info command) or a build backend makes a network " +
        "request. Installs should be reproducible from the archive; malware uses this moment to fetch or report.",
        ["https://blog.phylum.io/"]);

    public static readonly Rule StealerExfil = new("MOAT-CODE-024", "stealer-targets-with-network", "A file reads browser, wallet or token stores and talks to the network.", Severity.Critical,
        "One file names the stores stealers raid (browser Login Data/Cookies/Local State, wallet folders and extension ids, " +
        "Discord/Telegram token stores) and also makes network requests. That combination is an infostealer. So is a file " +
        "that names cloud, SSH or registry credential files (~/.aws/credentials, ~/.ssh/id_rsa, ~/.pypirc) and sends to a " +
        "complete chat-webhook or request-collector URL written into it.",
        ["https://blog.phylum.io/", "https://attack.mitre.org/techniques/T1555/003/"]);

    public static readonly Rule LoadTimePersistence = new("MOAT-CODE-025", "load-time-persistence", "An autostart entry is created while the package is installed or imported.", Severity.Critical,
        "Code that runs at install time, import time or interpreter start writes to (or registers) an autostart location: a " +
        "Run key, a scheduled task, cron, a systemd or LaunchAgent unit, a shell rc file. Tools that offer autostart do it " +
        "when the user asks (a command, a setting), never as a side effect of pip install or import.",
        ["https://attack.mitre.org/tactics/TA0003/", "https://attack.mitre.org/techniques/T1547/001/"]);

    public static readonly Rule Dropper = new("MOAT-CODE-026", "executable-dropper", "An embedded or bundled executable is written out or started by the package's own load-time code.", Severity.Critical,
        "An executable decoded from a literal (base64 PE/ELF) is written to disk and started, or a binary shipped inside the " +
        "package is started when the package is installed or imported. Packages that wrap a binary start it when the user " +
        "calls them; starting it on import or install is how droppers and miners run.",
        ["https://attack.mitre.org/techniques/T1105/", "https://pytorch.org/blog/compromised-nightly-dependency/"]);

    public static readonly Rule BrowserTargets = new("MOAT-CODE-030", "browser-credential-paths", "Code names browser credential or cookie stores.", Severity.Medium,
        "Chrome/Edge/Brave/Opera 'Login Data', 'Cookies', 'Local State' (with its encrypted_key), Firefox logins.json/key4.db.",
        ["https://attack.mitre.org/techniques/T1555/003/"]);

    public static readonly Rule WalletTargets = new("MOAT-CODE-031", "crypto-wallet-paths", "Code names cryptocurrency wallet files or extension ids.", Severity.Medium,
        "Exodus, Electrum, Atomic, Ethereum keystores, wallet.dat, MetaMask and other wallet extension ids.",
        ["https://attack.mitre.org/techniques/T1005/"]);

    public static readonly Rule TokenTargets = new("MOAT-CODE-032", "messaging-token-theft", "Code looks for Discord, Telegram or Steam session tokens.", Severity.High,
        "Discord's Local Storage leveldb, the Discord token regular expression or its 'dQw4w9WgXcQ:' encrypted-token prefix, " +
        "Telegram's tdata. No library needs these.", ["https://blog.phylum.io/"]);

    public static readonly Rule CredentialFiles = new("MOAT-CODE-033", "credential-file-paths", "Code names SSH keys, cloud or registry credential files.", Severity.Low,
        "~/.ssh/id_*, ~/.aws/credentials, ~/.kube/config, ~/.docker/config.json, .pypirc, .npmrc, .git-credentials. SSH and cloud " +
        "libraries read some of these legitimately; sent over the network it is theft (MOAT-CODE-022).",
        ["https://attack.mitre.org/techniques/T1552/001/"]);

    public static readonly Rule Webhook = new("MOAT-CODE-034", "exfiltration-endpoint", "Code contains a chat webhook, bot API or request-collector endpoint.", Severity.Medium,
        "Discord/Slack webhooks, Telegram bot API, webhook.site, Burp Collaborator/OAST, interact.sh, ngrok, pipedream: the " +
        "drop boxes of stealers and dependency-confusion probes.", ["https://blog.phylum.io/"]);

    public static readonly Rule PasteSite = new("MOAT-CODE-035", "paste-or-file-share-url", "Code references a paste site or anonymous file share.", Severity.Medium,
        "pastebin raw, transfer.sh, gofile, anonfiles, Discord attachment CDN: where second stages are hosted.", ["https://attack.mitre.org/techniques/T1102/"]);

    public static readonly Rule RawIp = new("MOAT-CODE-036", "raw-ip-url", "Code contacts a URL with a public IP address instead of a host name.", Severity.Low,
        "Malware often calls its server by address. Loopback, private, link-local (cloud metadata) and documentation ranges are ignored.",
        ["https://attack.mitre.org/techniques/T1071/001/"]);

    public static readonly Rule ReverseShell = new("MOAT-CODE-037", "reverse-shell", "Code connects a shell to a remote socket.", Severity.Critical,
        "A socket connected out, with its descriptors duplicated onto stdin/stdout (os.dup2) or a shell spawned on it, or a " +
        "bash /dev/tcp, nc -e or mkfifo one-liner.", ["https://attack.mitre.org/techniques/T1059/"]);

    public static readonly Rule Persistence = new("MOAT-CODE-040", "persistence-location", "Code writes to an autostart location.", Severity.Medium,
        "Windows Run keys, the Startup folder, scheduled tasks, cron, systemd units, LaunchAgents, XDG autostart, shell rc files.",
        ["https://attack.mitre.org/tactics/TA0003/"]);

    public static readonly Rule PowerShell = new("MOAT-CODE-041", "powershell-abuse", "Code runs PowerShell with encoded commands, hidden windows or download cradles.", Severity.High,
        "-EncodedCommand, -WindowStyle Hidden, -ExecutionPolicy Bypass, IEX/Invoke-Expression, DownloadString, certutil/bitsadmin downloads. " +
        "Evasion flags in a command a function builds from its caller's input, or hands to a remote host (remote-management " +
        "clients), are low; download cradles, complete commands the package starts, and anything at install/import time are not.",
        ["https://attack.mitre.org/techniques/T1059/001/"]);

    public static readonly Rule HiddenProcess = new("MOAT-CODE-042", "hidden-process", "Code starts processes hidden or detached.", Severity.Low,
        "CREATE_NO_WINDOW, DETACHED_PROCESS, SW_HIDE, pythonw, start /b, nohup … &. Hiding a console is common in GUI tools; " +
        "in an installer it hides a payload.", ["https://attack.mitre.org/techniques/T1564/003/"]);

    public static readonly Rule ObfuscatedCall = new("MOAT-CODE-043", "obfuscated-call", "A dangerous function is reached through built strings, getattr or __import__.", Severity.High,
        "getattr(__builtins__, 'ex'+'ec'), __import__('o'+'s').system, globals()['eval']: code that hides which function it " +
        "calls from readers and scanners.", ["https://checkmarx.com/blog/"]);

    public static readonly Rule Steganography = new("MOAT-CODE-044", "steganography-loader", "Code executes data extracted from an image or media file.", Severity.High,
        "The payload hides in pixels or after the end of an image and is extracted and executed.",
        ["https://checkmarx.com/blog/pypi-packages-hide-malicious-code-in-images/"]);

    public static readonly Rule OpaqueBlobExec = new("MOAT-CODE-045", "opaque-blob-executed", "A long high-entropy literal flows into exec through a decoder Moat could not follow.", Severity.High,
        "A custom decryptor or packer (PyArmor-like) turns a blob into code. Moat could not decode it statically; hiding " +
        "code this way is itself the signal.", ["https://pyarmor.readthedocs.io/"]);

    public static readonly Rule Shellcode = new("MOAT-CODE-046", "shellcode-injection", "Code allocates executable memory and starts a thread in it.", Severity.Critical,
        "VirtualAlloc + RtlMoveMemory/WriteProcessMemory + CreateThread through ctypes: in-memory shellcode loaders.",
        ["https://attack.mitre.org/techniques/T1055/"]);

    public static readonly Rule MarshalCode = new("MOAT-CODE-047", "marshalled-code-object", "A marshalled code object is loaded.", Severity.High,
        "marshal.loads of a code object hides compiled Python from source review. Moat lists the strings inside it.",
        ["https://docs.python.org/3/library/marshal.html"]);

    public static readonly Rule EncodedCode = new("MOAT-CODE-048", "encoded-python-code", "An encoded literal decodes to Python code.", Severity.Medium,
        "A base64/hex/compressed literal decodes to something that parses as code with imports or calls. Moat scans it as a " +
        "further layer; together with exec it is MOAT-CODE-020.", ["https://checkmarx.com/blog/"]);

    public static readonly Rule DefenderTampering = new("MOAT-CODE-049", "security-tool-tampering", "Code disables or excludes itself from antivirus or the firewall.", Severity.High,
        "Add-MpPreference -ExclusionPath, DisableRealtimeMonitoring, firewall off, shadow-copy deletion.",
        ["https://attack.mitre.org/techniques/T1562/001/"]);

    public static readonly Rule PthExecution = new("MOAT-CODE-050", "pth-file-executes-code", "A .pth file runs code on every Python start.", Severity.Medium,
        "Lines of a .pth file that start with 'import' run each time the interpreter starts, before any user code. A few tools " +
        "use this legitimately; anything more than importing the package's own hook is suspicious.",
        ["https://docs.python.org/3/library/site.html", "https://attack.mitre.org/techniques/T1546/"]);

    public static readonly Rule ImportTimeNetwork = new("MOAT-CODE-051", "import-time-network", "A module reaches the network when it is imported.", Severity.Medium,
        "A network call at module level (or in a function called there) runs as soon as the package is imported.",
        ["https://blog.phylum.io/"]);

    public static readonly Rule ImportTimeSpawn = new("MOAT-CODE-052", "install-time-process", "A program is started while the package is installed or imported.", Severity.Low,
        "setup.py or a module runs a program at load time. Compilers and git are common and harmless; combined with a download " +
        "or hidden window it is a dropper.", ["https://blog.phylum.io/"]);

    public static readonly Rule DomainFronting = new("MOAT-CODE-058", "domain-fronting",
        "A request is addressed to one domain and carries another domain's Host header (domain fronting).", Severity.Medium,
        "The URL names a domain a CDN serves (pypi.org, a cloud front) while the Host header names a different one: the CDN " +
        "delivers the request to the service in the header, which neither the URL nor a network log shows. Malware uses it to " +
        "hide where stolen data goes behind a trusted name. Requests to an IP address or localhost with a Host header (testing " +
        "virtual hosts) and headers naming the same site are not reported. Censorship-circumvention tools front on purpose; " +
        "review those.",
        ["https://attack.mitre.org/techniques/T1090/004/"]);

    public static readonly Rule InstallHomeWrite = new("MOAT-CODE-057", "install-time-home-write",
        "setup.py leaves a file or folder in the user's home folder or on their Desktop while the package installs.", Severity.Medium,
        "Install-time code (setup.py at module level or an overridden install command) writes a file or makes a folder directly in " +
        "the home folder (~/0wned, C:\\Users\\NAME\\note.txt) or on the Desktop, Documents or Downloads. A build writes under its " +
        "build tree, and tools that keep settings in the home folder use a dot-folder (~/.config/tool), which is not reported. " +
        "A marker left there proves the install ran the author's code on the victim's machine; a drop there waits to be opened.",
        ["https://attack.mitre.org/techniques/T1074/001/"]);
}
