using System.Diagnostics;
using Rmote.TestRig;
using Xunit.Abstractions;

namespace Rmote.Core.Tests;

/// <summary>The shared 3-host fleet of this test assembly (one per collection "ssh").</summary>
[CollectionDefinition("ssh")]
public sealed class SshCollection : ICollectionFixture<SshFleetFixture> { }

[Collection("ssh")]
public sealed class TestRigTests(SshFleetFixture rig, ITestOutputHelper output)
{
    [Fact]
    public void Fleet_has_three_running_hosts_on_distinct_loopback_ports()
    {
        var hosts = rig.Fleet.Hosts;
        Assert.Equal(3, hosts.Count);
        Assert.Equal(["host1", "host2", "host3"], hosts.Select(h => h.Name));
        Assert.Equal(3, hosts.Select(h => h.Port).Distinct().Count());
        foreach (var h in hosts)
        {
            Assert.Equal("127.0.0.1", h.HostName);
            Assert.Equal("root", h.User);
            Assert.True(h.IsRunning);
            Assert.True(ProcessTree.IsAlive(h.Pid));
            Assert.Equal($"root@127.0.0.1:{h.Port}", h.Target);
            Assert.Contains($"UserKnownHostsFile={h.KnownHostsFile}", h.SshOptions);
            Assert.Contains("StrictHostKeyChecking=yes", h.SshOptions);
            Assert.Contains(h.KnownHostsLine, File.ReadAllLines(rig.Fleet.KnownHostsFile));
            Assert.StartsWith($"[127.0.0.1]:{h.Port} ssh-ed25519 ", h.KnownHostsLine);
        }
        output.WriteLine($"fleet started in {rig.Fleet.StartupTime.TotalMilliseconds:F0} ms; mount namespaces: {rig.Fleet.UsesMountNamespaces}");
    }

    [Fact]
    public async Task Strict_ssh_login_works_on_every_host()
    {
        var results = await Task.WhenAll(rig.Hosts.Select(h => h.RunSshAsync("echo ok-$(id -u)")));
        foreach (var r in results)
        {
            Assert.True(r.ExitCode == 0, r.ToString() + "\n" + r.StdErr);
            Assert.Equal("ok-0", r.StdOut.Trim());
        }
    }

    [Fact]
    public async Task Ssh_config_aliases_work()
    {
        foreach (var h in rig.Hosts)
        {
            var r = await ProcessRunner.RunAsync("ssh", ["-F", rig.Fleet.SshConfigFile, h.Name, "echo", h.Name], timeout: TimeSpan.FromSeconds(60));
            Assert.True(r.ExitCode == 0, r.StdErr);
            Assert.Equal(h.Name, r.StdOut.Trim());
        }
    }

    [Fact]
    public async Task Ssh_uri_destination_and_explicit_args_work()
    {
        var h = rig.Hosts[1];
        var r = await ProcessRunner.RunAsync("ssh", ["-i", h.IdentityFile, .. h.SshOptions, h.SshUri, "true"], timeout: TimeSpan.FromSeconds(60));
        Assert.True(r.ExitCode == 0, r.StdErr);
    }

    [Fact]
    public async Task Each_host_sees_its_own_srv()
    {
        var marker = Guid.NewGuid().ToString("N");
        foreach (var h in rig.Hosts)
        {
            var r = await h.RunSshAsync($"mkdir -p {h.RemoteSrv}/app/{marker} && echo {h.Name} > {h.RemoteSrv}/app/{marker}/who && cat {h.RemoteSrv}/app/{marker}/who");
            Assert.True(r.ExitCode == 0, r.StdErr);
            Assert.Equal(h.Name, r.StdOut.Trim());
        }
        foreach (var h in rig.Hosts)
        {
            // visible from the test process under the host's SrvRoot ...
            Assert.Equal(h.Name, File.ReadAllText(Path.Combine(h.SrvRoot, "app", marker, "who")).Trim());
            // ... and the remote path of every host holds that host's own file
            var r = await h.RunSshAsync($"cat {h.RemoteSrv}/app/{marker}/who");
            Assert.Equal(h.Name, r.StdOut.Trim());
        }
        RequiresTools.EnsureMountNamespace(rig.Hosts[0]);
        Assert.All(rig.Hosts, h => Assert.Equal("/srv", h.RemoteSrv));
        Assert.False(Directory.Exists(Path.Combine("/srv", "app", marker)), "the test process's own /srv must not be touched");
        foreach (var h in rig.Hosts) Directory.Delete(Path.Combine(h.SrvRoot, "app", marker), recursive: true);
    }

    [Fact]
    public async Task Hosts_get_a_fresh_servers_root_bashrc_not_the_ci_machines()
    {
        var h = rig.Hosts[0];
        RequiresTools.EnsureMountNamespace(h);
        var r = await h.RunSshAsync("cat ~/.bashrc | head -1; echo \"$PATH\"");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.StartsWith("# Rmote.TestRig", r.StdOut);
        Assert.DoesNotContain(".pyenv", r.StdOut);
        if (File.Exists("/root/.bashrc")) Assert.DoesNotContain("Rmote.TestRig", File.ReadAllText("/root/.bashrc"));
    }

    [Fact]
    public async Task Wrong_known_hosts_entry_fails_host_key_verification()
    {
        var (h1, h2) = (rig.Hosts[0], rig.Hosts[1]);
        using var tmp = new TempDir();
        // host1's address with host2's key: what a MITM or a re-keyed host looks like.
        var wrong = tmp.WriteFile("known_hosts", $"{h1.KnownHostsPattern} {h2.HostPublicKey}\n");
        var r = await h1.RunSshAsync("echo should-not-run", knownHostsFile: wrong);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("Host key verification failed", r.StdErr);
        Assert.DoesNotContain("should-not-run", r.StdOut);

        // and an unknown host (empty known_hosts) is refused too, never silently added
        var empty = tmp.WriteFile("empty_known_hosts", "");
        r = await h1.RunSshAsync("true", knownHostsFile: empty);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("Host key verification failed", r.StdErr);
        Assert.Equal("", File.ReadAllText(empty));
    }

    [Fact]
    public async Task Killing_sessions_drops_connections_but_host_keeps_accepting()
    {
        var h = rig.Hosts[2];
        var sleeper = h.RunSshAsync("sleep 60", timeout: TimeSpan.FromSeconds(90));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!h.SessionPids().Any(p => ProcessTree.GetCommandLine(p)?.StartsWith("sleep") == true))
        {
            Assert.True(DateTime.UtcNow < deadline, "remote sleep never appeared");
            await Task.Delay(50);
        }
        Assert.True(h.KillSessions() > 0);
        var r = await sleeper;
        Assert.NotEqual(0, r.ExitCode); // dropped: a sleep left to run would end with 0 after 60 s
        Assert.Equal(0, (await h.RunSshAsync("true")).ExitCode);
    }
}

/// <summary>Destructive rig tests on private fleets (not the shared one).</summary>
public sealed class TestRigLifecycleTests(ITestOutputHelper output)
{
    static async Task WaitForRemoteSleepAsync(SshHost h)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!h.SessionPids().Any(p => ProcessTree.GetCommandLine(p)?.StartsWith("sleep") == true))
        {
            Assert.True(DateTime.UtcNow < deadline, "remote sleep never appeared");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Stop_mid_handshake_leaves_no_session_behind()
    {
        await using var fleet = await SshFleet.StartAsync(1);
        var h = fleet[0];
        var mountNs = h.MountNamespace;
        // connect and stop while the connection is anywhere between accept, auth and session start
        var clients = Enumerable.Range(0, 4).Select(_ => h.RunSshAsync("sleep 60", timeout: TimeSpan.FromSeconds(90))).ToList();
        for (var deadline = DateTime.UtcNow.AddSeconds(60); h.SessionPids().Count == 0; await Task.Delay(5))
            Assert.True(DateTime.UtcNow < deadline, "no session appeared within 60 s");
        await h.StopAsync();
        var results = await Task.WhenAll(clients);
        Assert.All(results, r => Assert.NotEqual(0, r.ExitCode));
        if (mountNs != null) Assert.Empty(ProcessTree.GetProcessesInMountNamespace(mountNs));
    }

    [Fact]
    public async Task Stop_kills_daemonized_session_children_in_the_hosts_namespace()
    {
        await using var fleet = await SshFleet.StartAsync(1);
        var h = fleet[0];
        RequiresTools.EnsureMountNamespace(h);
        var r = await h.RunSshAsync("setsid nohup sleep 300 >/dev/null 2>&1 < /dev/null & echo $!");
        var escaped = int.Parse(r.StdOut.Trim());
        Assert.True(ProcessTree.IsAlive(escaped));
        Assert.DoesNotContain(escaped, h.SessionPids()); // reparented away from the sshd tree
        await h.StopAsync();
        Assert.True(await ProcessTree.WaitForExitAsync(escaped, TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task Stop_then_restart_on_same_port_and_keys()
    {
        await using var fleet = await SshFleet.StartAsync(1);
        var h = fleet[0];
        var (port, pid, key) = (h.Port, h.Pid, h.HostPublicKey);
        var sleeper = h.RunSshAsync("sleep 60", timeout: TimeSpan.FromSeconds(90));
        await WaitForRemoteSleepAsync(h);

        await h.StopAsync();
        Assert.False(h.IsRunning);
        Assert.Equal(0, h.Pid);
        Assert.False(ProcessTree.IsAlive(pid));
        var dropped = await sleeper;
        Assert.NotEqual(0, dropped.ExitCode);
        var down = await h.RunSshAsync("true", timeout: TimeSpan.FromSeconds(30));
        Assert.NotEqual(0, down.ExitCode);
        Assert.Contains("Connection refused", down.StdErr);

        var sw = Stopwatch.StartNew();
        await h.StartAsync();
        output.WriteLine($"restart took {sw.ElapsedMilliseconds} ms");
        Assert.True(h.IsRunning);
        Assert.NotEqual(pid, h.Pid);
        Assert.Equal(port, h.Port);
        Assert.Equal(key, h.HostPublicKey);
        var r = await h.RunSshAsync("echo back");
        Assert.Equal("back", r.StdOut.Trim());
    }

    [Fact]
    public async Task Dispose_kills_sshd_and_sessions_and_deletes_files()
    {
        var fleet = await SshFleet.StartAsync(2);
        output.WriteLine($"2-host fleet started in {fleet.StartupTime.TotalMilliseconds:F0} ms");
        var h = fleet[0];
        var sleeper = h.RunSshAsync("sleep 60", timeout: TimeSpan.FromSeconds(90));
        await WaitForRemoteSleepAsync(h);
        var pids = fleet.Hosts.Select(x => x.Pid).Concat(h.SessionPids()).ToList();
        var root = fleet.Root;

        await fleet.DisposeAsync();
        Assert.All(pids, p => Assert.False(ProcessTree.IsAlive(p), $"pid {p} survived: {ProcessTree.GetCommandLine(p)}"));
        Assert.False(Directory.Exists(root));
        Assert.NotEqual(0, (await sleeper).ExitCode);
    }

    [Fact]
    public async Task ProcessRunner_captures_output_and_kills_tree_on_timeout()
    {
        var r = await ProcessRunner.RunAsync("sh", ["-c", "echo out; echo err >&2; cat; exit 3"], stdin: "in\n");
        Assert.Equal(3, r.ExitCode);
        Assert.Equal("out\nin\n", r.StdOut);
        Assert.Equal("err\n", r.StdErr);
        var (code, stdout, _) = r;
        Assert.Equal((3, "out\nin\n"), (code, stdout));

        using var tmp = new TempDir();
        var pidFile = tmp.Combine("child.pid");
        var ex = await Assert.ThrowsAsync<TimeoutException>(() =>
            ProcessRunner.RunAsync("sh", ["-c", $"sleep 100 & echo $! > {pidFile}; echo started; wait"], timeout: TimeSpan.FromSeconds(2)));
        Assert.Contains("started", ex.Message);
        var child = int.Parse(File.ReadAllText(pidFile).Trim());
        Assert.True(await ProcessTree.WaitForExitAsync(child, TimeSpan.FromSeconds(60)), "grandchild sleep survived the timeout kill");
    }

    [Fact]
    public async Task NetNamespaceHost_link_cut_stalls_and_restore_resumes()
    {
        Assert.True(await NetNamespaceHost.IsSupportedAsync(),
            "network namespaces are unavailable here ('ip netns add' or a veth pair failed): run the tests as root with CAP_NET_ADMIN and iproute2 installed (build/install-deps.sh)");
        var sw = Stopwatch.StartNew();
        await using var host = await NetNamespaceHost.CreateAsync();
        output.WriteLine($"netns host {host.Namespace} at {host.HostName}:{host.Port} up in {sw.ElapsedMilliseconds} ms");
        Assert.StartsWith("10.203.", host.HostName);
        Assert.Equal(22, host.Port);
        Assert.Equal($"{host.HostName} {host.HostPublicKey}", File.ReadAllText(host.KnownHostsFile).Trim());
        Assert.Equal("in-ns", (await host.RunSshAsync("echo in-ns")).StdOut.Trim());
        Assert.Equal("marker", (await host.RunSshAsync($"echo marker > {host.RemoteSrv}/m && cat {host.RemoteSrv}/m")).StdOut.Trim());
        Assert.True(File.Exists(Path.Combine(host.SrvRoot, "m")));

        // an established session stalls across a cut and resumes after the restore
        var session = host.RunSshAsync("echo start; sleep 3; echo done", timeout: TimeSpan.FromSeconds(90));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!host.SessionPids().Any(p => ProcessTree.GetCommandLine(p)?.StartsWith("sleep") == true))
        {
            Assert.True(DateTime.UtcNow < deadline, "remote sleep never appeared");
            await Task.Delay(50);
        }
        await host.CutLinkAsync();
        Assert.False(host.IsLinkUp);
        var refused = await host.RunSshAsync("true", timeout: TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, refused.ExitCode);
        output.WriteLine("while cut: " + refused.StdErr.Trim());
        // The remote sleep ends and "done" goes into the cut link: wait for that, then give the line a second to
        // arrive, which it could only do over a link that was not really cut.
        for (var gone = DateTime.UtcNow.AddSeconds(60); host.SessionPids().Any(p => ProcessTree.GetCommandLine(p)?.StartsWith("sleep") == true); await Task.Delay(50))
            Assert.True(DateTime.UtcNow < gone, "the remote sleep 3 did not end within 60 s");
        await Task.Delay(1000);
        Assert.False(session.IsCompleted, "the established session must stall, not end, while the link is cut");
        await host.RestoreLinkAsync();
        var r = await session;
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("start\ndone", r.StdOut.Trim());
        Assert.Equal(0, (await host.RunSshAsync("true")).ExitCode);
        var (ns, veth) = (host.Namespace, host.HostVeth);
        await host.DisposeAsync();
        Assert.DoesNotContain(ns, (await ProcessRunner.RunAsync("ip", "netns", "list")).StdOut);
        Assert.NotEqual(0, (await ProcessRunner.RunAsync("ip", "link", "show", veth)).ExitCode);
    }

    [Fact]
    public void RequiresTools_fails_with_install_hint()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => RequiresTools.Ensure("sh", "definitely-not-a-tool-xyz"));
        Assert.Contains("definitely-not-a-tool-xyz", ex.Message);
        Assert.Contains("build/install-deps.sh", ex.Message);
        RequiresTools.EnsureSsh();
    }
}
