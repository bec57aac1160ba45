using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Rmote.TestRig;

/// <summary>
/// N real OpenSSH servers on 127.0.0.1, each with its own host key, its own /srv (private mount namespace),
/// one client key accepted by all, a known_hosts file listing every host and an ssh_config with aliases
/// host1..hostN. Strict host-key checking is on everywhere.
/// </summary>
/// <remarks>
/// Layout of <see cref="Root"/> (/tmp/rmote-rig-XXXX): client/id_ed25519(.pub), authorized_keys, known_hosts,
/// ssh_config, hostN/{sshd_config, ssh_host_ed25519_key, sshd.pid, sshd.log, srv/}.
/// </remarks>
public sealed class SshFleet : IAsyncDisposable
{
    static readonly object PortGate = new();
    static readonly HashSet<int> HandedOutPorts = [];
    static readonly Lazy<Task<bool>> MountNsProbe = new(ProbeMountNamespaceAsync);

    readonly object khGate = new();
    readonly List<SshHost> hosts = [];
    string? fallbackSrvDir;
    bool disposed;

    SshFleet(string root) => Root = root;

    /// <summary>The fleet's private temp folder.</summary>
    public string Root { get; }

    public IReadOnlyList<SshHost> Hosts => hosts;

    /// <summary>Host by 0-based index.</summary>
    public SshHost this[int index] => hosts[index];

    /// <summary>Host by name ("host1"...).</summary>
    public SshHost this[string name] => hosts.First(h => h.Name == name);

    /// <summary>Client private key accepted by every host of the fleet.</summary>
    public string IdentityFile => Path.Combine(Root, "client", "id_ed25519");
    public string PublicKeyFile => IdentityFile + ".pub";
    public string AuthorizedKeysFile => Path.Combine(Root, "authorized_keys");

    /// <summary>known_hosts with one <c>[127.0.0.1]:PORT ssh-ed25519 ...</c> line per host.</summary>
    public string KnownHostsFile => Path.Combine(Root, "known_hosts");

    /// <summary>ssh_config with <c>Host host1</c>...: <c>ssh -F fleet.SshConfigFile host1 cmd</c> works.</summary>
    public string SshConfigFile => Path.Combine(Root, "ssh_config");

    /// <summary>True when hosts run in private mount namespaces (each sees its own SrvRoot at /srv).</summary>
    public bool UsesMountNamespaces { get; private set; }

    /// <summary>Wall time StartAsync took (keys, configs, all sshds up and a strict ssh login to each).</summary>
    public TimeSpan StartupTime { get; private set; }

    /// <summary>
    /// Whether <c>unshare --mount</c> + <c>mount --bind</c> work here (probed once per process).
    /// Set RMOTE_RIG_MOUNTNS=0 to force the fallback (no namespaces, SrvRoot = RemoteSrv = /srv/rmote-rig-*/hostN).
    /// </summary>
    public static Task<bool> MountNamespacesSupportedAsync() => MountNsProbe.Value;

    /// <summary>Starts <paramref name="hosts"/> sshd servers and returns once a strict ssh login works on every one.</summary>
    public static async Task<SshFleet> StartAsync(int hosts, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hosts, 1);
        RequiresTools.EnsureSsh();
        var sw = Stopwatch.StartNew();
        await StaleReaper.ReapOnceAsync().ConfigureAwait(false);
        var fleet = new SshFleet(Directory.CreateTempSubdirectory("rmote-rig-").FullName);
        StaleReaper.WriteOwner(fleet.Root);
        try
        {
            await fleet.InitAsync(hosts, ct).ConfigureAwait(false);
            fleet.StartupTime = sw.Elapsed;
            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    async Task InitAsync(int count, CancellationToken ct)
    {
        SshHost.EnsurePrivsepDir();
        Directory.CreateDirectory("/srv");
        UsesMountNamespaces = await MountNamespacesSupportedAsync().ConfigureAwait(false);
        if (!UsesMountNamespaces)
        {
            fallbackSrvDir = Path.Combine("/srv", Path.GetFileName(Root));
            Directory.CreateDirectory(fallbackSrvDir);
        }

        Directory.CreateDirectory(Path.Combine(Root, "client"));
        var keyTasks = new List<Task<string>> { SshHost.GenerateKeyAsync(IdentityFile, "rmote-rig-client", ct) };
        for (var i = 1; i <= count; i++)
        {
            var dir = Path.Combine(Root, $"host{i}");
            Directory.CreateDirectory(dir);
            keyTasks.Add(SshHost.GenerateKeyAsync(Path.Combine(dir, "ssh_host_ed25519_key"), $"rmote-rig-host{i}", ct));
        }
        var keys = await Task.WhenAll(keyTasks).ConfigureAwait(false);
        await File.WriteAllTextAsync(AuthorizedKeysFile, keys[0] + " rmote-rig-client\n", ct).ConfigureAwait(false);

        for (var i = 1; i <= count; i++)
        {
            var dir = Path.Combine(Root, $"host{i}");
            string srvRoot, remoteSrv;
            if (UsesMountNamespaces)
            {
                srvRoot = Path.Combine(dir, "srv");
                remoteSrv = "/srv";
            }
            else
            {
                srvRoot = remoteSrv = Path.Combine(fallbackSrvDir!, $"host{i}");
            }
            Directory.CreateDirectory(srvRoot);
            var mountNs = UsesMountNamespaces;
            var host = new SshHost($"host{i}", "127.0.0.1", AllocatePort(), dir, IdentityFile, KnownHostsFile,
                srvRoot, remoteSrv, mountNs, keys[i],
                h => mountNs
                    ? SshHost.LaunchInfo("unshare", h.IsolatedLaunchArgs())
                    : SshHost.LaunchInfo("sh", ["-c", SshHost.SshdScriptPlain, "rig-sshd", h.SrvRoot, h.ConfigFile, h.LogFile]));
            hosts.Add(host);
            WriteHostConfig(host);
        }
        WriteClientFiles();

        await Task.WhenAll(hosts.Select(h => StartWithPortRetryAsync(h, ct))).ConfigureAwait(false);
    }

    async Task StartWithPortRetryAsync(SshHost host, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await host.StartCoreAsync(ct).ConfigureAwait(false);
                return;
            }
            catch (SshHostStartException e) when (e.IsBindFailure && attempt < 5)
            {
                // Someone took the port between our probe and sshd's bind: move to another one.
                host.Port = AllocatePort();
                WriteHostConfig(host);
                WriteClientFiles();
            }
        }
    }

    void WriteHostConfig(SshHost host) =>
        File.WriteAllText(host.ConfigFile, SshHost.SshdConfig(host.HostDirectory, host.HostName, host.Port, AuthorizedKeysFile));

    /// <summary>(Re)writes known_hosts and ssh_config atomically from the hosts' current ports.</summary>
    void WriteClientFiles()
    {
        lock (khGate)
        {
            AtomicWrite(KnownHostsFile, string.Concat(hosts.Select(h => h.KnownHostsLine + "\n")));
            var cfg = new System.Text.StringBuilder("# generated by Rmote.TestRig: ssh -F <this file> host1 ...\n");
            foreach (var h in hosts)
                cfg.Append($"""
                    Host {h.Name}
                        HostName {h.HostName}
                        Port {h.Port}
                        User {h.User}
                        IdentityFile {h.IdentityFile}
                        IdentitiesOnly yes
                        UserKnownHostsFile {KnownHostsFile}
                        GlobalKnownHostsFile /dev/null
                        StrictHostKeyChecking yes
                        UpdateHostKeys no
                        BatchMode yes
                        PasswordAuthentication no
                        ControlMaster no
                        ControlPath none
                        LogLevel ERROR

                    """);
            AtomicWrite(SshConfigFile, cfg.ToString());
        }
    }

    static void AtomicWrite(string path, string content)
    {
        var tmp = path + ".tmp-" + Environment.CurrentManagedThreadId;
        File.WriteAllText(tmp, content);
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>A currently free loopback port below the ephemeral range (so outgoing connections never hold it).</summary>
    internal static int AllocatePort()
    {
        lock (PortGate)
        {
            for (var i = 0; i < 500; i++)
            {
                var port = Random.Shared.Next(20000, 32000);
                if (HandedOutPorts.Contains(port)) continue;
                try
                {
                    using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    s.Bind(new IPEndPoint(IPAddress.Loopback, port));
                    HandedOutPorts.Add(port);
                    return port;
                }
                catch (SocketException) { }
            }
        }
        throw new InvalidOperationException("No free loopback port found in 20000-31999.");
    }

    static async Task<bool> ProbeMountNamespaceAsync()
    {
        if (Environment.GetEnvironmentVariable("RMOTE_RIG_MOUNTNS") == "0") return false;
        if (RequiresTools.Find("unshare") == null) return false;
        Directory.CreateDirectory("/srv");
        using var probe = new TempDir("rmote-rig-probe-");
        File.WriteAllText(probe.Combine("probe"), "x");
        try
        {
            var r = await ProcessRunner.RunAsync("unshare",
                ["--mount", "--propagation", "private", "sh", "-c", "mount --bind \"$1\" /srv && test -e /srv/probe", "probe", probe.Path],
                timeout: TimeSpan.FromSeconds(20)).ConfigureAwait(false);
            return r.ExitCode == 0 && !File.Exists("/srv/probe");
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Kills every sshd and session process of the fleet and deletes its files.</summary>
    public async ValueTask DisposeAsync()
    {
        if (disposed) return;
        disposed = true;
        await Task.WhenAll(hosts.Select(h => h.StopAsync())).ConfigureAwait(false);
        TempDir.DeleteDirectory(Root);
        if (fallbackSrvDir != null) TempDir.DeleteDirectory(fallbackSrvDir);
        lock (PortGate) foreach (var h in hosts) HandedOutPorts.Remove(h.Port);
    }

    public override string ToString() => $"SshFleet({string.Join(", ", hosts)})";
}
