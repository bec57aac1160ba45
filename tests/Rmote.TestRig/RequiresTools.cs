namespace Rmote.TestRig;

/// <summary>
/// Fails (never skips) when a required tool is missing, telling how to install it. CI runs with nothing
/// skipped, so a missing sshd must be a red test with a fix in the message, not a silent skip.
/// </summary>
public static class RequiresTools
{
    public const string InstallHint = "Run build/install-deps.sh (as root) to install the test prerequisites " +
        "(openssh-server, openssh-client, python3, rsync, iproute2, util-linux, debootstrap, systemd-container ...).";

    static readonly string[] ExtraDirs = ["/usr/sbin", "/sbin", "/usr/local/sbin"];

    /// <summary>The tools an <see cref="SshFleet"/> needs.</summary>
    public static readonly IReadOnlyList<string> SshTools = ["sshd", "ssh", "ssh-keygen", "python3", "unshare", "sh"];

    /// <summary>True when running under CI (CI=true/1).</summary>
    public static bool IsCI => Environment.GetEnvironmentVariable("CI") is { } v && (v.Equals("true", StringComparison.OrdinalIgnoreCase) || v == "1");

    /// <summary>Full path of an executable found in PATH or the sbin dirs, or null.</summary>
    public static string? Find(string tool)
    {
        if (tool.Contains('/')) return IsExecutable(tool) ? tool : null;
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        foreach (var dir in path.Concat(ExtraDirs))
        {
            var full = Path.Combine(dir, tool);
            if (IsExecutable(full)) return full;
        }
        return null;
    }

    /// <summary>Throws <see cref="InvalidOperationException"/> naming every missing tool and the install command.</summary>
    public static void Ensure(params string[] tools)
    {
        var missing = tools.Where(t => Find(t) == null).ToList();
        if (missing.Count > 0)
            throw new InvalidOperationException(
                $"Required tool(s) missing: {string.Join(", ", missing)}. {InstallHint}" + (IsCI ? " (CI=true: tests are never skipped.)" : ""));
    }

    /// <summary>Ensures sshd, ssh, ssh-keygen, python3, unshare, sh.</summary>
    public static void EnsureSsh() => Ensure([.. SshTools]);

    /// <summary>
    /// Fails (never skips) a test that checks what only a host in its own mount namespace can show: the rig falls
    /// back to a shared filesystem when <c>unshare --mount</c> + <c>mount --bind</c> fail or RMOTE_RIG_MOUNTNS=0.
    /// </summary>
    public static void EnsureMountNamespace(SshHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (!host.IsolatedFilesystem)
            throw new InvalidOperationException(
                $"{host.Name} shares this machine's filesystem: mount namespaces are unavailable here ('unshare --mount' with 'mount --bind' failed, " +
                "or RMOTE_RIG_MOUNTNS=0 is set). Run the tests as root with CAP_SYS_ADMIN and without RMOTE_RIG_MOUNTNS=0. " + InstallHint);
    }

    static bool IsExecutable(string file)
    {
        try
        {
            return File.Exists(file) && (File.GetUnixFileMode(file) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }
}
