namespace Moat.Analysis.Code;

/// <summary>Rules read from command lines the package starts (<see cref="Commands.ShellCommand"/>).</summary>
public static class CommandRules
{
    public static readonly Rule ShellDownload = new("MOAT-CODE-053", "shell-command-download",
        "A command line the package starts downloads from the network (curl, wget, certutil, bitsadmin, Invoke-WebRequest).", Severity.High,
        "Moat splits the command strings given to os.system, os.popen and subprocess into words (sh, cmd and PowerShell " +
        "quoting, pipes, command substitution, nested `sh -c`/`cmd /c`/`powershell -EncodedCommand`) and looks at the " +
        "programs they run. A download run while the package is installed, imported or at interpreter start is high: " +
        "installs should be reproducible from the archive, and this is how droppers fetch their second stage. Downloads " +
        "started from ordinary code (a CLI command the user runs) are not reported. A download whose result is then run is MOAT-CODE-021, host data " +
        "sent in it MOAT-CODE-022.",
        ["https://attack.mitre.org/techniques/T1105/", "https://lolbas-project.github.io/lolbas/Binaries/Certutil/"]);

    public static readonly Rule DetachedLaunch = new("MOAT-CODE-054", "detached-command-launch",
        "A command line the package starts at install or import time launches a program detached or hidden.", Severity.High,
        "`start`, `start /b`, `pythonw`, `nohup … &`, `setsid`, a trailing `&`, or PowerShell `-WindowStyle Hidden` in a " +
        "command run from setup.py, a .pth file or module import: the package starts something that outlives pip and " +
        "shows no window, typically a Python interpreter on a script it has just written (then critical). Started from " +
        "ordinary code it is not reported here (servers and GUI tools detach when asked; see MOAT-CODE-042). A separate " +
        "interpreter started at install or import time only to import a module (`python -c \"import x\"`, no output asked " +
        "for, unlike build probes such as `print(numpy.get_include())`) runs that module's code out of sight of the install: " +
        "high at medium confidence when waited for, critical when started with Popen and left running.",
        ["https://attack.mitre.org/techniques/T1564/003/", "https://attack.mitre.org/techniques/T1059/006/"]);
}
