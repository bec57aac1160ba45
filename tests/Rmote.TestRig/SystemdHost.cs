using System.Diagnostics;
using System.Globalization;

namespace Rmote.TestRig;

/// <summary>
/// A host with real systemd as PID 1: the cached <see cref="SystemdRoot"/> booted with
/// <c>systemd-nspawn --register=no --keep-unit -b</c> under a private overlay (the cached root below, a temp folder
/// above), in a private mount namespace so the overlay vanishes with the container. The container shares this
/// machine's network: its own sshd (from the root's ssh.service, with a host key the rig generated) listens on a
/// loopback port of its own, checked strictly against <see cref="SshHost.KnownHostsFile"/>. It is also reachable
/// without SSH through <see cref="CommandTransport"/> (<c>nsenter -t PID -a python3</c>).
/// </summary>
/// <remarks>
/// Layout of <see cref="Root"/> (/tmp/rmote-rig-systemd-XXXX): owner, client/id_ed25519(.pub), authorized_keys,
/// known_hosts, host/{hostname, sshd_config (bound as /etc/ssh/sshd_config.d/rmote-rig.conf), ssh_host_ed25519_key, sshd.log
/// (the console: boot and shutdown messages), nspawn.pid, srv/ (bound as /srv)}, overlay/{upper,work,merged}.
/// A test run that dies without disposing leaves nothing for long: <see cref="StaleReaper"/> kills the container
/// (by the pid in nspawn.pid) and deletes the folder when the owner process is gone.
/// </remarks>
public sealed class SystemdHost : SshHost, IAsyncDisposable
{
    /// <summary>System states in which the boot counts as done ("degraded": some unit failed; the report names it).</summary>
    public static readonly IReadOnlyList<string> ReadyStates = ["running", "degraded"];

    static readonly TimeSpan BootBudget = TimeSpan.FromSeconds(120);
    static readonly TimeSpan PowerOffBudget = TimeSpan.FromSeconds(20);

    readonly string lower;
    bool disposed;
    int containerPid;
    int containerPidOf;

    SystemdHost(string name, int port, string root, string lower, string identity, string knownHosts, string hostKey, string machine)
        : base(name, "127.0.0.1", port, System.IO.Path.Combine(root, "host"), identity, knownHosts,
            System.IO.Path.Combine(root, "host", "srv"), "/srv", true, hostKey, h => ((SystemdHost)h).NspawnLaunch())
    {
        Root = root;
        this.lower = lower;
        MachineName = machine;
    }

    /// <summary>The host's private folder (/tmp/rmote-rig-systemd-XXXX).</summary>
    public string Root { get; }

    /// <summary>The nspawn machine name ("rmote-XXXXXXXX"), also the container's hostname.</summary>
    public string MachineName { get; }

    /// <summary>The overlay's upper layer: every file the container changed, as seen from this machine.</summary>
    public string UpperLayer => System.IO.Path.Combine(Root, "overlay", "upper");

    /// <summary>File holding the systemd-nspawn process's pid (what <see cref="StaleReaper"/> kills).</summary>
    public string NspawnPidFile => System.IO.Path.Combine(HostDirectory, "nspawn.pid");

    /// <summary>Wall time from starting systemd-nspawn to <c>systemctl is-system-running --wait</c> answering running/degraded.</summary>
    public TimeSpan BootTime { get; private set; }

    /// <summary>What <c>systemctl is-system-running --wait</c> answered at the end of the boot ("running" or "degraded").</summary>
    public string SystemState { get; private set; } = "";

    /// <summary>One line for test output: the host, its boot time and state (and the failed units when degraded).</summary>
    public string BootReport { get; private set; } = "";

    /// <summary>The container's PID 1 (systemd) as this machine sees it; 0 when the host is not running.</summary>
    public int ContainerPid
    {
        get
        {
            var nspawn = Pid;
            if (nspawn == 0) return 0;
            if (containerPidOf == nspawn && ProcessTree.IsAlive(containerPid)) return containerPid;
            foreach (var child in ProcessTree.GetChildren(nspawn))
                if (IsNamespaceInit(child)) { (containerPid, containerPidOf) = (child, nspawn); return child; }
            return 0;
        }
    }

    /// <summary>
    /// <c>nsenter -t PID -a env -i PATH=... python3</c>: pass it to <c>Protocol.FromCommandAsync</c> (which appends the
    /// interpreter's arguments) to reach the host as root without SSH. The environment is a clean one, as a service's.
    /// </summary>
    public IReadOnlyList<string> CommandTransport => [.. NsenterPrefix(), "python3"];

    IReadOnlyList<string> NsenterPrefix()
    {
        var pid = ContainerPid;
        if (pid == 0) throw new InvalidOperationException($"{Name} is not running.");
        return ["nsenter", "-t", pid.ToString(CultureInfo.InvariantCulture), "-a", "/usr/bin/env", "-i", .. DebianRoot.CleanEnvironment.Split(' ')];
    }

    /// <summary>Runs a program inside the container as root (nsenter), e.g. <c>ExecAsync("systemctl", "is-active", "app")</c>.</summary>
    public Task<ProcessResult> ExecAsync(IEnumerable<string> argv, TimeSpan? timeout = null, string? stdin = null, CancellationToken ct = default) =>
        ProcessRunner.RunAsync(NsenterPrefix()[0], [.. NsenterPrefix().Skip(1), .. argv], timeout: timeout ?? TimeSpan.FromSeconds(60), stdin: stdin, ct: ct);

    /// <summary>Runs a program inside the container as root; see <see cref="ExecAsync(IEnumerable{string}, TimeSpan?, string?, CancellationToken)"/>.</summary>
    public Task<ProcessResult> ExecAsync(params string[] argv) => ExecAsync(argv, null, null, CancellationToken.None);

    /// <summary>The unit's journal (<c>journalctl -u UNIT -o cat</c>: messages only), for assertions on what a test saw.</summary>
    public async Task<string> JournalAsync(string unit, CancellationToken ct = default) =>
        (await ExecAsync(["journalctl", "--no-pager", "-q", "-o", "cat", "-u", unit], ct: ct).ConfigureAwait(false)).EnsureSuccess().StdOut;

    /// <summary>Writes a file inside the running container as root (parent folders created), without going through the product.</summary>
    public async Task WriteFileAsync(string containerPath, string text, CancellationToken ct = default)
    {
        var path = HostPath(containerPath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, text, ct).ConfigureAwait(false);
    }

    /// <summary>Writes <c>/etc/systemd/system/UNIT</c> and runs <c>systemctl daemon-reload</c> (test setup, not the product).</summary>
    public async Task InstallUnitAsync(string unit, string text, CancellationToken ct = default)
    {
        await WriteFileAsync($"/etc/systemd/system/{unit}", text, ct).ConfigureAwait(false);
        (await ExecAsync(["systemctl", "daemon-reload"], ct: ct).ConfigureAwait(false)).EnsureSuccess();
    }

    /// <summary>This machine's path of a file inside the running container (<c>/proc/PID/root/...</c>).</summary>
    public string HostPath(string containerPath)
    {
        if (!containerPath.StartsWith('/')) throw new ArgumentException($"'{containerPath}' is not absolute.", nameof(containerPath));
        var pid = ContainerPid;
        if (pid == 0) throw new InvalidOperationException($"{Name} is not running.");
        return $"/proc/{pid}/root{containerPath}";
    }

    /// <summary>
    /// Boots a fresh host from the cached root (building the root first when missing) and returns once systemd reports
    /// the boot finished and a strict SSH login as root works. <paramref name="name"/> names the host in messages.
    /// </summary>
    public static async Task<SystemdHost> BootAsync(string name = "systemd1", CancellationToken ct = default)
    {
        RequiresTools.Ensure([.. RequiresTools.SshTools, "systemd-nspawn", "nsenter", "mount"]);
        var root = await SystemdRoot.EnsureAsync(ct).ConfigureAwait(false);
        await StaleReaper.ReapOnceAsync().ConfigureAwait(false);
        var dir = Directory.CreateTempSubdirectory("rmote-rig-systemd-").FullName;
        StaleReaper.WriteOwner(dir);
        SystemdHost? host = null;
        try
        {
            var hostDir = System.IO.Path.Combine(dir, "host");
            foreach (var sub in new[] { "client", "host/srv", "overlay/upper", "overlay/work", "overlay/merged" })
                Directory.CreateDirectory(System.IO.Path.Combine(dir, sub));
            var identity = System.IO.Path.Combine(dir, "client", "id_ed25519");
            var keys = await Task.WhenAll(
                GenerateKeyAsync(identity, "rmote-rig-client", ct),
                GenerateKeyAsync(System.IO.Path.Combine(hostDir, "ssh_host_ed25519_key"), $"rmote-rig-{name}", ct)).ConfigureAwait(false);
            await File.WriteAllTextAsync(System.IO.Path.Combine(dir, "authorized_keys"), keys[0] + " rmote-rig-client\n", ct).ConfigureAwait(false);
            var machine = "rmote-" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..8];
            host = new SystemdHost(name, SshFleet.AllocatePort(), dir, root.Path, identity, System.IO.Path.Combine(dir, "known_hosts"), keys[1], machine);
            await host.BootCoreAsync(ct).ConfigureAwait(false);
            return host;
        }
        catch
        {
            if (host != null) await host.DisposeAsync().ConfigureAwait(false);
            else TempDir.DeleteDirectory(dir);
            throw;
        }
    }

    async Task BootCoreAsync(CancellationToken ct)
    {
        await File.WriteAllTextAsync(KnownHostsFile, KnownHostsLine + "\n", ct).ConfigureAwait(false);
        await File.WriteAllTextAsync(ConfigFile, ContainerSshdConfig(Port), ct).ConfigureAwait(false);
        await File.WriteAllTextAsync(System.IO.Path.Combine(HostDirectory, "hostname"), MachineName + "\n", ct).ConfigureAwait(false);
        var sw = Stopwatch.StartNew();
        // Starts nspawn, then waits until the container's sshd accepts a strict login (SshHost's own readiness check).
        await StartCoreAsync(ct).ConfigureAwait(false);
        var deadline = DateTime.UtcNow + BootBudget;
        while (ContainerPid == 0)
        {
            if (DateTime.UtcNow > deadline || !IsRunning) throw BootFailure("the container's PID 1 never appeared");
            await Task.Delay(20, ct).ConfigureAwait(false);
        }
        // The ready event: systemd itself says the boot transaction is over.
        string state;
        while (true)
        {
            var r = await ExecAsync(["systemctl", "is-system-running", "--wait"], BootBudget, null, ct).ConfigureAwait(false);
            state = r.StdOut.Trim();
            var last = $"{state} {r.StdErr.Trim()}".Trim();
            if (ReadyStates.Contains(state)) break;
            // "offline"/bus errors: nsenter came before systemd's bus was up; anything else is a failed boot.
            if (state is not ("" or "offline" or "initializing" or "starting") || DateTime.UtcNow > deadline || !IsRunning)
                throw BootFailure($"systemctl is-system-running answered '{last}'");
            await Task.Delay(50, ct).ConfigureAwait(false);
        }
        BootTime = sw.Elapsed;
        SystemState = state;
        var failed = state == "degraded"
            ? "; failed units: " + (await ExecAsync("systemctl", "list-units", "--failed", "--plain", "--no-legend").ConfigureAwait(false)).StdOut.Trim().ReplaceLineEndings(", ")
            : "";
        BootReport = $"systemd host {Name} ({MachineName}, ssh {Target}) booted in {BootTime.TotalSeconds:F1} s: {state}{failed}";
    }

    InvalidOperationException BootFailure(string what) =>
        new($"{Name} ({MachineName}): {what} (boot budget {BootBudget.TotalSeconds:F0} s).\n--- console {LogFile} (tail) ---\n{ProcessResult.Tail(ReadLog(), 4000)}");

    ProcessStartInfo NspawnLaunch()
    {
        var overlay = System.IO.Path.Combine(Root, "overlay");
        // sh records its pid and execs nspawn: the recorded pid, the launched process's and nspawn's are one.
        const string script = "l=$1 u=$2 w=$3 m=$4 log=$5 pidf=$6; shift 6; " +
            "mount -t overlay overlay -o \"lowerdir=$l,upperdir=$u,workdir=$w\" \"$m\" && echo $$ >\"$pidf\" && " +
            "exec systemd-nspawn \"$@\" -D \"$m\" </dev/null >>\"$log\" 2>&1";
        return LaunchInfo("unshare",
        [
            "--mount", "--propagation", "private", "sh", "-c", script, "rig-nspawn",
            lower, System.IO.Path.Combine(overlay, "upper"), System.IO.Path.Combine(overlay, "work"), System.IO.Path.Combine(overlay, "merged"), LogFile, NspawnPidFile,
            // --register=no: this machine's PID 1 is not systemd (no machined); --keep-unit: no scope unit from a host systemd.
            "--register=no", "--keep-unit", "--boot", $"--machine={MachineName}", $"--hostname={MachineName}",
            "--console=read-only", "--link-journal=no", "--resolv-conf=off", "--timezone=off",
            $"--bind={SrvRoot}:/srv",
            // debootstrap copied this machine's /etc/hostname, and systemd would set it at boot: the host's own name wins.
            $"--bind-ro={System.IO.Path.Combine(HostDirectory, "hostname")}:/etc/hostname",
            $"--bind-ro={ConfigFile}:/etc/ssh/sshd_config.d/rmote-rig.conf",
            $"--bind-ro={System.IO.Path.Combine(HostDirectory, "ssh_host_ed25519_key")}:/etc/ssh/ssh_host_ed25519_key",
            $"--bind-ro={System.IO.Path.Combine(HostDirectory, "ssh_host_ed25519_key.pub")}:/etc/ssh/ssh_host_ed25519_key.pub",
            $"--bind-ro={System.IO.Path.Combine(Root, "authorized_keys")}:/root/.ssh/authorized_keys",
        ]);
    }

    /// <summary>The drop-in for the container's own sshd (Debian's sshd_config includes sshd_config.d first, so these win).</summary>
    static string ContainerSshdConfig(int port) => $"""
        # generated by Rmote.TestRig for a systemd host
        Port {port}
        ListenAddress 127.0.0.1
        AddressFamily inet
        HostKey /etc/ssh/ssh_host_ed25519_key
        PermitRootLogin prohibit-password
        PubkeyAuthentication yes
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        UseDNS no
        PrintMotd no
        MaxStartups 200
        MaxSessions 100
        LogLevel VERBOSE
        """ + "\n";

    static bool IsNamespaceInit(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("NSpid:", StringComparison.Ordinal));
            var ids = line?.Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            return ids is { Length: >= 3 } && ids[^1] == "1";
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    /// <summary>
    /// Shuts the container down the way a server goes down: SIGTERM to systemd-nspawn (which asks systemd for an orderly
    /// poweroff), bounded by 20 s, then <see cref="SshHost.StopAsync"/> kills whatever is left. Returns how long it took.
    /// </summary>
    public async Task<TimeSpan> PowerOffAsync()
    {
        var sw = Stopwatch.StartNew();
        var pid = Pid;
        if (pid != 0 && ProcessTree.Signal(pid, ProcessTree.SIGTERM))
            await ProcessTree.WaitForExitAsync(pid, PowerOffBudget).ConfigureAwait(false);
        await StopAsync().ConfigureAwait(false);
        return sw.Elapsed;
    }

    /// <summary>Powers the container off (then kills what is left) and deletes <see cref="Root"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (disposed) return;
        disposed = true;
        try
        {
            await PowerOffAsync().ConfigureAwait(false);
        }
        finally
        {
            TempDir.DeleteDirectory(Root);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} {Target} (systemd, {MachineName})";
}
