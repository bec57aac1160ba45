namespace Rmote.Transport;

/// <summary>
/// Turns a failed start (exit code, stderr, bytes seen) into a <see cref="RemoteConnectException"/> that names the cause
/// and the fix.
/// </summary>
internal static class ConnectFailureClassifier
{
    public static RemoteConnectException Classify(string host, string python, SettingNames names, bool viaSsh, int? exitCode, string stderr,
        string? seen, bool tooMuchOutput, bool timedOut, int maxBannerBytes)
    {
        var line = FirstMatchingLine(stderr);
        var (reason, message) = Diagnose(python, names, viaSsh, exitCode, stderr, line, seen, tooMuchOutput, timedOut, maxBannerBytes);
        return new RemoteConnectException(host, reason, message, exitCode, string.IsNullOrWhiteSpace(stderr) ? null : stderr.TrimEnd());
    }

    static (ConnectFailure, string) Diagnose(string python, SettingNames names, bool viaSsh, int? exitCode, string stderr, string line,
        string? seen, bool tooMuch, bool timedOut, int maxBannerBytes)
    {
        bool Has(string text) => stderr.Contains(text, StringComparison.OrdinalIgnoreCase);

        if (tooMuch)
            return (ConnectFailure.NoReadyMarker,
                $"the remote printed more than {maxBannerBytes} bytes without starting the runtime; it began with {seen}. " +
                "A login script (.bashrc, .profile) may print too much: make it quiet when not interactive " +
                $"or raise {names["MaxBannerBytes"]}; or '{python}' is not a real Python interpreter.");
        if (viaSsh && Has("REMOTE HOST IDENTIFICATION HAS CHANGED"))
            return (ConnectFailure.HostKeyMismatch,
                "the host key does not match the one in known_hosts (possible man-in-the-middle, or the host was reinstalled). " +
                "Verify the new key with the host's owner, then remove the old entry with 'ssh-keygen -R <host>' and add the new one.");
        if (viaSsh && (Has("Host key verification failed") || Has("No ") && Has("host key is known")))
            return (ConnectFailure.HostKeyUnknown,
                $"host key verification failed ({line}). Add the host's key to known_hosts after checking its fingerprint " +
                $"(ssh-keyscan -p PORT HOST >> ~/.ssh/known_hosts), or set {names["KnownHostsFile"]} to the file that has it. " +
                $"Host-key checking stays strict unless you set {names["HostKeyChecking"]}.");
        // ssh's own configuration (a -F file, ~/.ssh/config, the extra -o options) refused before any connection; before
        // the Python checks, which a missing -F file's "No such file or directory" would otherwise match
        if (viaSsh && exitCode == 255 && (Has("Can't open user config file") || Has("command-line line 0:") || Has("command-line: line 0:")
            || Has("bad configuration option")))
            return (ConnectFailure.SshConfigInvalid,
                $"ssh refused its configuration ({string.Join("; ", stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))}). " +
                $"Fix the named file or line: {names["ConfigFile"]}, ~/.ssh/config, or {names["Options"]}.");
        if (viaSsh && Has("Could not resolve hostname"))
            return (ConnectFailure.HostNotFound, $"the host name does not resolve ({line}). Check the spelling, DNS, or the Host alias in ~/.ssh/config.");
        if (viaSsh && Has("Connection refused"))
            return (ConnectFailure.ConnectionRefused, $"connection refused ({line}). Check the host and port ({names["Port"]}) and that sshd is running there.");
        if (viaSsh && (Has("Permission denied") || Has("Too many authentication failures")))
            return (ConnectFailure.AuthenticationFailed,
                $"authentication failed ({line}). Load your key with ssh-add, or set {names["Identity"]} = \"~/.ssh/id_ed25519\" " +
                "(the key the server accepts), and check the user name. Verify with: ssh user@host true");
        if (timedOut || Has("timed out") || Has("Connection timeout"))
            return (ConnectFailure.Timeout,
                $"no answer within the connect timeout{(line.Length > 0 ? $" ({line})" : "")}. Check that the host is up and reachable, or raise {names["ConnectTimeout"]}.");
        if (Has("requires Python 3.8") || Has("3.8 or newer is required"))
            return (ConnectFailure.PythonTooOld, $"{line}. Point {names["Python"]} at a newer interpreter (e.g. {names["Python"]} = \"python3.11\").");
        if (exitCode == 127 || Has("command not found") || Has($"{python}: not found") || Has("No such file or directory") && !Has("Traceback"))
            return (ConnectFailure.PythonNotFound,
                $"'{python}' was not found on the remote ({(line.Length > 0 ? line : $"exit code {exitCode}")}). Install Python 3.8 or newer there, " +
                $"or set {names["Python"]} = \"python3.x\" (or a full path such as /usr/local/bin/python3).");
        if (Has("Traceback") && (Has("invalid literal for int() with base 16") || Has("zlib.error")))
            return (ConnectFailure.BootstrapFailed,
                "a login script (~/.bashrc, ~/.profile, /etc/profile, /etc/bash.bashrc...) read from stdin and consumed the bytes of the runtime " +
                "sent after it, so the interpreter read the wrong bytes. Make the script not read stdin when it is not interactive, " +
                $"e.g. put '[ -t 0 ] || return' before the part that reads (or '</dev/null' on the command that reads). The remote said: {line}");
        if (Has("Traceback"))
            return (ConnectFailure.BootstrapFailed, $"the remote Python crashed while starting the runtime (exit code {exitCode?.ToString() ?? "unknown"}):{Environment.NewLine}{stderr.TrimEnd()}");
        var detail = stderr.Trim().Length > 0 ? $" stderr: {stderr.Trim()}" : "";
        return (ConnectFailure.Unknown,
            $"the remote process {(exitCode is null ? "stopped answering" : $"exited with code {exitCode}")} before the runtime was ready; " +
            $"it printed {seen ?? "nothing"}.{detail} If a login script prints to stdout or reads stdin, make it quiet for " +
            $"non-interactive sessions; add \"-v\" to {names["Options"]} for SSH diagnostics.");
    }

    /// <summary>The most telling stderr line (ssh's own error rather than its warnings).</summary>
    static string FirstMatchingLine(string stderr)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.LastOrDefault(l => !l.StartsWith("Warning:", StringComparison.Ordinal) && !l.StartsWith("debug", StringComparison.Ordinal)) ?? "";
    }
}
