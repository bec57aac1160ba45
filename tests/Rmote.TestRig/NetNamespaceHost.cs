using System.Diagnostics;

namespace Rmote.TestRig;

/// <summary>
/// A real sshd inside its own network namespace (<c>ip netns</c>), reachable through a veth pair at its own
/// address 10.203.X.Y+2 (a /30 the rig creates and removes; the root-namespace end is .Y+1), listening on port 22,
/// with its own /srv (mount namespace) like fleet hosts. <see cref="CutLinkAsync"/> / <see cref="RestoreLinkAsync"/>
/// set the root-side veth down / up: established connections stall (packets go nowhere), new ones fail,
/// exactly like a pulled cable; restoring lets stalled connections resume if they have not timed out.
/// Requires root with CAP_NET_ADMIN (check <see cref="IsSupportedAsync"/>).
/// </summary>
public sealed class NetNamespaceHost : SshHost, IAsyncDisposable
{
    static readonly Lazy<Task<bool>> Probe = new(ProbeAsync);
    bool disposed;

    NetNamespaceHost(string name, string address, string dir, string identity, string knownHosts, string srvRoot, string remoteSrv,
        bool isolatedFs, string hostKey, Func<SshHost, ProcessStartInfo> launch, string ns, string hostVeth, string nsVeth, string localAddress, string subnet)
        : base(name, address, 22, dir, identity, knownHosts, srvRoot, remoteSrv, isolatedFs, hostKey, launch)
    {
        Namespace = ns;
        HostVeth = hostVeth;
        NamespaceVeth = nsVeth;
        LocalAddress = localAddress;
        Subnet = subnet;
    }

    /// <summary>The /30 of the link, e.g. 10.203.7.40/30.</summary>
    public string Subnet { get; }

    /// <summary>The network namespace name (rmrig-XXXXXXXX).</summary>
    public string Namespace { get; }

    /// <summary>veth end in the root namespace (the one Cut/Restore toggle).</summary>
    public string HostVeth { get; }

    /// <summary>veth end inside the namespace.</summary>
    public string NamespaceVeth { get; }

    /// <summary>Root-namespace address of the /30 (the host's own address is <see cref="SshHost.HostName"/>).</summary>
    public string LocalAddress { get; }

    /// <summary>
    /// Inside its namespace the sshd also listens on 127.0.0.1 at this port: a loopback no other namespace reaches,
    /// so a connection there can only come through this host (a jump target: <c>ssh -J host 127.0.0.1 -p 2222</c>).
    /// </summary>
    public const int LoopbackPort = 2222;

    /// <summary>Root of the host's private files (keys, known_hosts, sshd config, srv).</summary>
    public string Root => Path.GetDirectoryName(HostDirectory)!;

    public bool IsLinkUp { get; private set; } = true;

    /// <summary>Whether <c>ip netns add</c> and veth pairs work here (probed once per process).</summary>
    public static Task<bool> IsSupportedAsync() => Probe.Value;

    /// <summary>Creates the namespace + veth pair, starts sshd inside and waits for a strict ssh login.</summary>
    public static async Task<NetNamespaceHost> CreateAsync(CancellationToken ct = default)
    {
        RequiresTools.Ensure([.. RequiresTools.SshTools, "ip"]);
        if (!await IsSupportedAsync().ConfigureAwait(false))
            throw new InvalidOperationException("Network namespaces are not available here ('ip netns add' or veth creation failed; needs root with CAP_NET_ADMIN).");
        SshHost.EnsurePrivsepDir();
        Directory.CreateDirectory("/srv");

        await StaleReaper.ReapOnceAsync().ConfigureAwait(false);
        var root = Directory.CreateTempSubdirectory("rmote-rig-netns-").FullName;
        StaleReaper.WriteOwner(root);
        string? ns = null, hostVeth = null, subnet = null;
        try
        {
            string address = "", local = "";
            for (var attempt = 0; ; attempt++)
            {
                var id = Convert.ToHexString(Guid.NewGuid().ToByteArray())[..8].ToLowerInvariant();
                var k = Random.Shared.Next(0, 16384);
                var baseOctet = (k % 64) * 4;
                local = $"10.203.{k / 64}.{baseOctet + 1}";
                address = $"10.203.{k / 64}.{baseOctet + 2}";
                var existing = (await ProcessRunner.RunAsync("ip", ["-o", "-4", "addr", "show"], ct: ct).ConfigureAwait(false)).StdOut;
                if (existing.Contains($" 10.203.{k / 64}.{baseOctet + 1}/") || existing.Contains($" {address}/")) continue;
                var candidateNs = $"rmrig-{id}";
                var hv = $"rmr{id[..6]}h";
                var nv = $"rmr{id[..6]}n";
                // recorded first, so that StaleReaper can undo all of it if this process dies half-way
                File.WriteAllText(Path.Combine(root, "netns"), $"{candidateNs} {hv} 10.203.{k / 64}.{baseOctet}/30\n");
                if ((await Ip(ct, "netns", "add", candidateNs)).ExitCode != 0) { if (attempt < 5) continue; throw new InvalidOperationException("ip netns add failed"); }
                ns = candidateNs;
                (await Ip(ct, "link", "add", hv, "type", "veth", "peer", "name", nv)).EnsureSuccess();
                hostVeth = hv;
                (await Ip(ct, "link", "set", nv, "netns", ns)).EnsureSuccess();
                (await Ip(ct, "addr", "add", $"{local}/30", "dev", hv)).EnsureSuccess();
                (await Ip(ct, "link", "set", hv, "up")).EnsureSuccess();
                // While the veth is down its connected route disappears; without this fallback route, packets for the
                // /30 would follow the default route out of the machine. A low-priority 'unreachable' route keeps them
                // local: new connections fail with "No route to host", established ones stall.
                (await Ip(ct, "route", "add", "unreachable", $"{local[..local.LastIndexOf('.')]}.{baseOctet}/30", "metric", "4000")).EnsureSuccess();
                subnet = $"{local[..local.LastIndexOf('.')]}.{baseOctet}/30";
                (await Ip(ct, "-n", ns, "addr", "add", $"{address}/30", "dev", nv)).EnsureSuccess();
                (await Ip(ct, "-n", ns, "link", "set", nv, "up")).EnsureSuccess();
                (await Ip(ct, "-n", ns, "link", "set", "lo", "up")).EnsureSuccess();
                break;
            }

            var dir = Path.Combine(root, "host");
            Directory.CreateDirectory(Path.Combine(root, "client"));
            Directory.CreateDirectory(dir);
            var identity = Path.Combine(root, "client", "id_ed25519");
            var keys = await Task.WhenAll(
                GenerateKeyAsync(identity, "rmote-rig-client", ct),
                GenerateKeyAsync(Path.Combine(dir, "ssh_host_ed25519_key"), $"rmote-rig-{ns}", ct)).ConfigureAwait(false);
            var authorized = Path.Combine(root, "authorized_keys");
            await File.WriteAllTextAsync(authorized, keys[0] + " rmote-rig-client\n", ct).ConfigureAwait(false);
            var knownHosts = Path.Combine(root, "known_hosts");
            await File.WriteAllTextAsync(knownHosts, $"{address} {keys[1]}\n", ct).ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.Combine(dir, "sshd_config"),
                SshdConfig(dir, address, 22, authorized) + $"ListenAddress 127.0.0.1:{LoopbackPort}\n", ct).ConfigureAwait(false);

            var mountNs = await SshFleet.MountNamespacesSupportedAsync().ConfigureAwait(false);
            string srvRoot, remoteSrv;
            if (mountNs) { srvRoot = Path.Combine(dir, "srv"); remoteSrv = "/srv"; }
            else { srvRoot = remoteSrv = Path.Combine("/srv", Path.GetFileName(root)); }
            Directory.CreateDirectory(srvRoot);

            var nsName = ns!;
            var host = new NetNamespaceHost(nsName, address, dir, identity, knownHosts, srvRoot, remoteSrv, mountNs, keys[1],
                h => mountNs
                    ? LaunchInfo("ip", ["netns", "exec", nsName, "unshare", .. h.IsolatedLaunchArgs()])
                    : LaunchInfo("ip", ["netns", "exec", nsName, "sh", "-c", SshdScriptPlain, "rig-sshd", h.SrvRoot, h.ConfigFile, h.LogFile]),
                nsName, hostVeth!, $"rmr{nsName[6..12]}n", local, subnet!);
            try
            {
                await host.StartCoreAsync(ct).ConfigureAwait(false);
            }
            catch
            {
                await host.DisposeAsync().ConfigureAwait(false);
                throw;
            }
            return host;
        }
        catch
        {
            if (hostVeth != null) await Ip(CancellationToken.None, "link", "del", hostVeth);
            if (subnet != null) await Ip(CancellationToken.None, "route", "del", "unreachable", subnet, "metric", "4000");
            if (ns != null) await Ip(CancellationToken.None, "netns", "del", ns);
            TempDir.DeleteDirectory(root);
            throw;
        }
    }

    /// <summary>Pulls the cable: root-side veth down.</summary>
    public async Task CutLinkAsync()
    {
        (await Ip(CancellationToken.None, "link", "set", HostVeth, "down")).EnsureSuccess();
        IsLinkUp = false;
    }

    /// <summary>Plugs it back: veth up again (its address and route come back with it).</summary>
    public async Task RestoreLinkAsync()
    {
        (await Ip(CancellationToken.None, "link", "set", HostVeth, "up")).EnsureSuccess();
        IsLinkUp = true;
    }

    /// <summary>Kills sshd and its sessions, deletes the veth pair, the namespace and the files.</summary>
    public async ValueTask DisposeAsync()
    {
        if (disposed) return;
        disposed = true;
        await StopAsync().ConfigureAwait(false);
        await Ip(CancellationToken.None, "link", "del", HostVeth);
        await Ip(CancellationToken.None, "netns", "del", Namespace);
        await Ip(CancellationToken.None, "route", "del", "unreachable", Subnet, "metric", "4000");
        TempDir.DeleteDirectory(Root);
        if (!IsolatedFilesystem) TempDir.DeleteDirectory(SrvRoot);
    }

    static Task<ProcessResult> Ip(CancellationToken ct, params string[] args) =>
        ProcessRunner.RunAsync("ip", args, timeout: TimeSpan.FromSeconds(20), ct: ct);

    static async Task<bool> ProbeAsync()
    {
        if (RequiresTools.Find("ip") == null) return false;
        var id = Convert.ToHexString(Guid.NewGuid().ToByteArray())[..6].ToLowerInvariant();
        var ns = $"rmrig-probe-{id}";
        try
        {
            if ((await Ip(CancellationToken.None, "netns", "add", ns)).ExitCode != 0) return false;
            var ok = (await Ip(CancellationToken.None, "link", "add", $"rmp{id}h", "type", "veth", "peer", "name", $"rmp{id}n")).ExitCode == 0;
            if (ok) await Ip(CancellationToken.None, "link", "del", $"rmp{id}h");
            return ok;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            return false;
        }
        finally
        {
            try { await Ip(CancellationToken.None, "netns", "del", ns); } catch (InvalidOperationException) { }
        }
    }
}
