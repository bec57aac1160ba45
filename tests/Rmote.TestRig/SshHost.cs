using System.Diagnostics;
using System.Net.Sockets;

namespace Rmote.TestRig;

/// <summary>
/// One real OpenSSH server started by the rig (a host of an <see cref="SshFleet"/>, or a <see cref="NetNamespaceHost"/>).
/// Strict host-key checking is always on: use <see cref="SshOptions"/> (or <see cref="SshArgs"/>) to connect.
/// </summary>
public class SshHost
{
    readonly Func<SshHost, ProcessStartInfo> launch;
    readonly object gate = new();
    Process? process;

    internal SshHost(string name, string hostName, int port, string directory, string identityFile, string knownHostsFile,
        string srvRoot, string remoteSrv, bool isolatedFilesystem, string hostPublicKey, Func<SshHost, ProcessStartInfo> launch)
    {
        Name = name;
        HostName = hostName;
        Port = port;
        HostDirectory = directory;
        IdentityFile = identityFile;
        KnownHostsFile = knownHostsFile;
        SrvRoot = srvRoot;
        RemoteSrv = remoteSrv;
        IsolatedFilesystem = isolatedFilesystem;
        HostPublicKey = hostPublicKey;
        this.launch = launch;
    }

    /// <summary>"host1", "host2", ... (the alias in the fleet's ssh_config).</summary>
    public string Name { get; }

    /// <summary>Address to connect to: "127.0.0.1" for fleet hosts, the namespace address for a <see cref="NetNamespaceHost"/>.</summary>
    public string HostName { get; }

    public int Port { get; internal set; }

    /// <summary>Always "root": the tests run as root and sshd is PermitRootLogin prohibit-password.</summary>
    public string User => "root";

    /// <summary>Private key (ed25519, no passphrase) accepted by this host.</summary>
    public string IdentityFile { get; }

    /// <summary>known_hosts file holding this host's key as <c>[127.0.0.1]:PORT ssh-ed25519 ...</c>.</summary>
    public string KnownHostsFile { get; }

    /// <summary>Local folder that this host sees as <see cref="RemoteSrv"/> ("/srv" when <see cref="IsolatedFilesystem"/>).</summary>
    public string SrvRoot { get; }

    /// <summary>
    /// Path of <see cref="SrvRoot"/> as seen by a remote session: "/srv" with mount namespaces, otherwise the
    /// same as SrvRoot (a per-host folder under /srv/rmote-rig-*). Build remote paths from this to stay portable.
    /// </summary>
    public string RemoteSrv { get; }

    /// <summary>True when the host runs in a private mount namespace with SrvRoot bound over /srv.</summary>
    public bool IsolatedFilesystem { get; }

    /// <summary>The host's public key, "ssh-ed25519 AAAA...".</summary>
    public string HostPublicKey { get; }

    /// <summary>This host's line for a known_hosts file.</summary>
    public string KnownHostsLine => $"{KnownHostsPattern} {HostPublicKey}";

    /// <summary>"[127.0.0.1]:PORT" (or "ADDR" when the port is 22).</summary>
    public string KnownHostsPattern => Port == 22 ? HostName : $"[{HostName}]:{Port}";

    /// <summary>Per-host folder holding sshd_config, host key, pid file and log.</summary>
    public string HostDirectory { get; }

    public string ConfigFile => Path.Combine(HostDirectory, "sshd_config");
    public string LogFile => Path.Combine(HostDirectory, "sshd.log");
    public string PidFile => Path.Combine(HostDirectory, "sshd.pid");

    /// <summary>"root@127.0.0.1:PORT" (display / host-item form; not an ssh(1) argument).</summary>
    public string Target => $"{User}@{HostName}:{Port}";

    /// <summary>"root@127.0.0.1": the destination argument for ssh together with -p Port.</summary>
    public string UserAtHost => $"{User}@{HostName}";

    /// <summary>"ssh://root@127.0.0.1:PORT": a destination ssh(1) accepts on its own.</summary>
    public string SshUri => $"ssh://{User}@{HostName}:{Port}";

    /// <summary>
    /// ssh options enforcing the rig's trust setup, WITHOUT -i/-p and destination: strict checking against
    /// <see cref="KnownHostsFile"/> only, this identity only, batch mode, no connection sharing.
    /// </summary>
    public IReadOnlyList<string> SshOptions => BuildSshOptions(KnownHostsFile);

    /// <summary>Like <see cref="SshOptions"/> but verifying against another known_hosts file (for negative tests).</summary>
    public IReadOnlyList<string> BuildSshOptions(string knownHostsFile) =>
    [
        "-o", $"UserKnownHostsFile={knownHostsFile}",
        "-o", "GlobalKnownHostsFile=/dev/null",
        "-o", "StrictHostKeyChecking=yes",
        "-o", "UpdateHostKeys=no",
        "-o", "IdentitiesOnly=yes",
        "-o", "BatchMode=yes",
        "-o", "PasswordAuthentication=no",
        "-o", "ControlMaster=no",
        "-o", "ControlPath=none",
        "-o", "ConnectTimeout=15",
        "-o", "LogLevel=ERROR",
    ];

    /// <summary>Complete ssh(1) argument list: -i, -p, <see cref="SshOptions"/>, -T, destination, then the remote command words.</summary>
    public IReadOnlyList<string> SshArgs(params string[] remoteCommand) => SshArgsWith(KnownHostsFile, remoteCommand);

    internal IReadOnlyList<string> SshArgsWith(string knownHostsFile, string[] remoteCommand) =>
        [.. new[] { "-i", IdentityFile, "-p", Port.ToString() }, .. BuildSshOptions(knownHostsFile), "-T", UserAtHost, .. remoteCommand];

    /// <summary>Runs <c>ssh ... root@host remoteCommand</c> (one shell-command string, as ssh sends it).</summary>
    public Task<ProcessResult> RunSshAsync(string remoteCommand, TimeSpan? timeout = null, string? stdin = null, string? knownHostsFile = null, CancellationToken ct = default) =>
        ProcessRunner.RunAsync("ssh", SshArgsWith(knownHostsFile ?? KnownHostsFile, [remoteCommand]), timeout: timeout ?? TimeSpan.FromSeconds(60), stdin: stdin, ct: ct);

    /// <summary>PID of the sshd listener (0 when stopped).</summary>
    public int Pid { get { lock (gate) return process is { } p && !HasExited(p) ? p.Id : 0; } }

    public bool IsRunning => Pid != 0;

    /// <summary>The private mount namespace of the running sshd ("mnt:[...]"), null when stopped or not isolated.</summary>
    public string? MountNamespace { get; private set; }

    // An open handle on that namespace keeps it alive until Stop is done with it: a freed namespace's inode number
    // is reused, and Stop's sweep would then SIGKILL another test's fresh `unshare --mount` (seen in CI: exit 137).
    Microsoft.Win32.SafeHandles.SafeFileHandle? mountNamespaceHold;

    /// <summary>Live sshd session processes (children of the listener: one per connection) and their descendants.</summary>
    public IReadOnlyList<int> SessionPids() => Pid is var pid and > 0 ? ProcessTree.GetDescendants(pid) : [];

    /// <summary>Kills every session (connections drop; the listener keeps accepting). Returns how many processes were signalled.</summary>
    public int KillSessions()
    {
        var pid = Pid;
        if (pid == 0) return 0;
        // freeze first so nothing forks or gets reparented away mid-kill
        var members = new List<int>();
        var seen = new HashSet<int>();
        for (var round = 0; round < 50; round++)
        {
            var fresh = ProcessTree.GetDescendants(pid).Concat(members.SelectMany(ProcessTree.GetDescendants)).Where(seen.Add).ToList();
            if (fresh.Count == 0) break;
            foreach (var p in fresh) { ProcessTree.Signal(p, ProcessTree.SIGSTOP); members.Add(p); }
            Thread.Sleep(5);
        }
        return members.Count(p => ProcessTree.Signal(p, ProcessTree.SIGKILL));
    }

    /// <summary>SSH logins the host has accepted so far (its log's "Accepted publickey" lines).</summary>
    public int Logins() => System.Text.RegularExpressions.Regex.Count(ReadLog(), "Accepted publickey for ");

    /// <summary>The sshd log so far ("" if none).</summary>
    public string ReadLog()
    {
        try
        {
            using var fs = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return new StreamReader(fs).ReadToEnd();
        }
        catch (IOException) { return ""; }
    }

    /// <summary>
    /// Stops the host like a machine going down: kills the listener and every session process (SIGKILL), so open
    /// connections break. Port, keys and files stay; <see cref="StartAsync"/> brings it back.
    /// </summary>
    public async Task StopAsync()
    {
        Process? p;
        string? mountNs;
        Microsoft.Win32.SafeHandles.SafeFileHandle? hold;
        lock (gate) { p = process; process = null; mountNs = MountNamespace; MountNamespace = null; hold = mountNamespaceHold; mountNamespaceHold = null; }
        using var _ = hold;
        if (p == null) return;
        try
        {
            if (!HasExited(p)) await ProcessTree.KillTreeAsync(p.Id, ProcessTree.SIGKILL).ConfigureAwait(false);
            // anything that escaped the tree (daemonized from a session) but lives in the host's private namespace
            if (mountNs != null) await ProcessTree.KillMountNamespaceAsync(mountNs).ConfigureAwait(false);
            try { await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false); } catch (TimeoutException) { }
        }
        finally { p.Dispose(); }
        try { File.Delete(PidFile); } catch (IOException) { }
    }

    /// <summary>(Re)starts sshd on the same port with the same keys and waits until a strict ssh login works.</summary>
    public Task StartAsync(CancellationToken ct = default) => StartCoreAsync(ct);

    internal async Task StartCoreAsync(CancellationToken ct)
    {
        if (IsRunning) return;
        if (IsolatedFilesystem) WriteCleanBashrc();
        var psi = launch(this);
        File.AppendAllText(LogFile, $"==== rig: starting {Name} on {HostName}:{Port} at {DateTime.Now:O}: {psi.FileName} {string.Join(' ', psi.ArgumentList.Select(ProcessRunner.Quote))}\n");
        var p = new Process { StartInfo = psi };
        p.Start();
        // stdio goes to the log inside the launch script; close our pipe ends.
        p.StandardInput.Close();
        _ = p.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
        _ = p.StandardError.BaseStream.CopyToAsync(Stream.Null);
        lock (gate) process = p;
        try
        {
            await WaitReadyAsync(p, ct).ConfigureAwait(false);
            var hold = IsolatedFilesystem ? ProcessTree.HoldMountNamespace(p.Id) : null;
            var ns = hold == null ? null : ProcessTree.GetMountNamespace(p.Id);
            if (ns != null && ns != ProcessTree.GetMountNamespace(Environment.ProcessId))
                lock (gate) { MountNamespace = ns; mountNamespaceHold = hold; }
            else hold?.Dispose();
        }
        catch
        {
            await StopAsync().ConfigureAwait(false);
            throw;
        }
    }

    async Task WaitReadyAsync(Process p, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        // 1) the port accepts
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (HasExited(p)) throw StartFailure($"sshd exited with code {p.ExitCode} before listening", isBindFailure: LooksLikeBindFailure());
            try
            {
                using var c = new TcpClient();
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
                cts.CancelAfter(TimeSpan.FromSeconds(2));
                await c.ConnectAsync(HostName, Port, cts.Token).ConfigureAwait(false);
                break;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
            {
                if (DateTime.UtcNow > deadline) throw StartFailure($"port {HostName}:{Port} never accepted a connection", false);
                await Task.Delay(20, ct).ConfigureAwait(false);
            }
        }
        // 2) a real strict-checking login works (bounded retries; a loaded CI box can be slow)
        string last = "";
        for (var attempt = 1; attempt <= 8; attempt++)
        {
            ct.ThrowIfCancellationRequested();
            if (HasExited(p)) throw StartFailure($"sshd exited with code {p.ExitCode}", LooksLikeBindFailure());
            var sw = Stopwatch.StartNew();
            try
            {
                var r = await ProcessRunner.RunAsync("ssh", SshArgs("true"), timeout: TimeSpan.FromSeconds(30), ct: ct).ConfigureAwait(false);
                if (r.ExitCode == 0) return;
                last = $"exit {r.ExitCode} after {sw.ElapsedMilliseconds} ms: {r.StdErr.Trim()}";
            }
            catch (TimeoutException)
            {
                last = $"no answer within {sw.ElapsedMilliseconds} ms";
            }
            if (DateTime.UtcNow > deadline) break;
            await Task.Delay(100 * attempt, ct).ConfigureAwait(false);
        }
        throw StartFailure($"'ssh -p {Port} {UserAtHost} true' kept failing; last attempt: {last}", false);
    }

    bool LooksLikeBindFailure()
    {
        var log = ReadLog();
        return log.Contains("Address already in use") || log.Contains("Cannot bind any address");
    }

    SshHostStartException StartFailure(string what, bool isBindFailure)
    {
        var log = ReadLog();
        var hint = log.Contains("account is locked") ? "\nHint: root's password field starts with '!' (locked) and UsePAM is no: run `usermod -p '*' root`." : "";
        return new SshHostStartException($"{Name} ({HostName}:{Port}): {what}.{hint}\n--- {LogFile} (tail) ---\n{ProcessResult.Tail(log, 4000)}", isBindFailure);
    }

    static bool HasExited(Process p)
    {
        try { return p.HasExited; } catch (InvalidOperationException) { return true; }
    }

    public override string ToString() => $"{Name} {Target}";

    // ---- shared generation helpers ----

    internal static string SshdConfig(string hostDir, string listenAddress, int port, string authorizedKeysFile) => $"""
        # generated by Rmote.TestRig
        Port {port}
        ListenAddress {listenAddress}
        AddressFamily inet
        HostKey {Path.Combine(hostDir, "ssh_host_ed25519_key")}
        PidFile {Path.Combine(hostDir, "sshd.pid")}
        AuthorizedKeysFile {authorizedKeysFile}
        StrictModes no
        UsePAM no
        PermitRootLogin prohibit-password
        PubkeyAuthentication yes
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        HostbasedAuthentication no
        UseDNS no
        PrintMotd no
        PrintLastLog no
        X11Forwarding no
        AllowTcpForwarding yes
        PermitTunnel no
        MaxStartups 200
        MaxSessions 100
        LoginGraceTime 30
        LogLevel VERBOSE
        Subsystem sftp internal-sftp
        """ + "\n";

    /// <summary>ssh-keygen -t ed25519; returns the public key line "ssh-ed25519 AAAA..." (comment stripped).</summary>
    internal static async Task<string> GenerateKeyAsync(string privateKeyPath, string comment, CancellationToken ct)
    {
        (await ProcessRunner.RunAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", privateKeyPath],
            timeout: TimeSpan.FromSeconds(30), ct: ct).ConfigureAwait(false)).EnsureSuccess();
        var parts = (await File.ReadAllTextAsync(privateKeyPath + ".pub", ct).ConfigureAwait(false)).Trim().Split(' ');
        return $"{parts[0]} {parts[1]}";
    }

    internal static void EnsurePrivsepDir()
    {
        // Debian's sshd refuses to start without its privilege separation directory (normally made by systemd).
        if (!System.IO.Directory.Exists("/run/sshd"))
            System.IO.Directory.CreateDirectory("/run/sshd", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }

    internal static ProcessStartInfo LaunchInfo(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        return psi;
    }

    /// <summary>
    /// sh script run in the host's fresh mount namespace: binds $1 over /srv, binds the clean $4 over root's
    /// ~/.bashrc (if there is one), then execs sshd -D -e -f $2 with stdio into $3.
    /// </summary>
    internal const string SshdScriptWithBind =
        "mount --bind \"$1\" /srv && if [ -f /root/.bashrc ]; then mount --bind \"$4\" /root/.bashrc; fi && " +
        "exec /usr/sbin/sshd -D -e -f \"$2\" </dev/null >>\"$3\" 2>&1";

    /// <summary>
    /// The root ~/.bashrc the host's sessions see (bound over /root/.bashrc in its namespace). bash sources
    /// ~/.bashrc even for `ssh host cmd`; the CI machine's own one (pyenv init, cargo env ...) is not what a fresh
    /// remote server has, and pyenv's rehash lock serialises every concurrent login on the machine (measured:
    /// 30+ s per `ssh host true` under parallel test load). Debian's /etc/skel/.bashrc is used instead.
    /// </summary>
    public string CleanBashrcFile => Path.Combine(HostDirectory, "root.bashrc");

    /// <summary>unshare ... argument list (after the program name "unshare") that starts this host's sshd isolated.</summary>
    internal IReadOnlyList<string> IsolatedLaunchArgs() =>
        ["--mount", "--propagation", "private", "sh", "-c", SshdScriptWithBind, "rig-sshd", SrvRoot, ConfigFile, LogFile, CleanBashrcFile];

    void WriteCleanBashrc()
    {
        if (File.Exists(CleanBashrcFile)) return;
        var skel = File.Exists("/etc/skel/.bashrc") ? File.ReadAllText("/etc/skel/.bashrc") : "";
        File.WriteAllText(CleanBashrcFile, "# Rmote.TestRig: a fresh server's root ~/.bashrc (copy of /etc/skel/.bashrc)\n" + skel);
    }
    internal const string SshdScriptPlain = "exec /usr/sbin/sshd -D -e -f \"$2\" </dev/null >>\"$3\" 2>&1";
}

/// <summary>An sshd could not be started; <see cref="IsBindFailure"/> when its port was taken.</summary>
public sealed class SshHostStartException(string message, bool isBindFailure) : Exception(message)
{
    public bool IsBindFailure { get; } = isBindFailure;
}
