using System.Net;
using System.Net.Sockets;
using Rmote.Deploy;
using Rmote.TestRig;
using Rmote.Tools;
using Xunit.Abstractions;

namespace Rmote.Core.Tests.Tools;

/// <summary>
/// Every Service method against real units on a host whose PID 1 is systemd (one booted <see cref="SystemdHost"/> for
/// the class; each test uses its own units). The "systemd is not PID 1" error stays tested on the daemonless stand-in
/// (<see cref="ServiceToolTests"/>).
/// </summary>
public sealed class SystemdServiceTests : IClassFixture<SystemdHostFixture>
{
    readonly SystemdHost host;
    readonly ITestOutputHelper output;

    public SystemdServiceTests(SystemdHostFixture rig, ITestOutputHelper output)
    {
        host = rig.Host;
        this.output = output;
        output.WriteLine(host.BootReport);
    }

    /// <summary>Root on the host without SSH: <c>nsenter -t PID -a python3</c>.</summary>
    Task<Protocol> OpenAsync() => Protocol.FromCommandAsync(host.CommandTransport, new ProtocolOptions { Name = host.Name });

    Task<Protocol> SshAsync(string user = "root") =>
        Protocol.FromSshAsync($"{user}@{host.HostName}", new SshOptions { Port = host.Port, Identity = host.IdentityFile, Options = [.. host.SshOptions] });

    static async Task WriteUnitAsync(Protocol p, string name, string text)
    {
        await p.CallAsync(FileSystem.WriteStr, $"/etc/systemd/system/{name}", text);
        await p.CallAsync(Service.DaemonReload);
    }

    static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    static bool Accepts(int port)
    {
        using var client = new TcpClient();
        try
        {
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    [Fact]
    public async Task The_host_boots_systemd_as_PID_1_and_answers_over_nsenter_and_over_ssh()
    {
        Assert.Contains(host.SystemState, SystemdHost.ReadyStates);
        Assert.True(host.BootTime > TimeSpan.Zero);
        await using var local = await OpenAsync();
        Assert.Equal("systemd\n", await local.CallAsync(FileSystem.ReadStr, "/proc/1/comm"));
        await using var ssh = await SshAsync();
        Assert.Equal(host.MachineName, (await ssh.CallAsync(Exec.Command, new ExecOptions("hostname"))).Stdout.Trim());
        // The sshd this connection goes through is the container's own ssh.service.
        var sshd = await ssh.CallAsync(Service.Status, "ssh");
        Assert.Equal(("ssh.service", ServiceState.Active, "running", "enabled"), (sshd.Unit, sshd.State, sshd.SubState, sshd.Enabled));
        Assert.True(sshd.MainPid > 1);
    }

    [Fact]
    public async Task Start_stop_restart_and_status_drive_a_real_unit()
    {
        await using var p = await OpenAsync();
        var port = FreePort();
        await p.CallAsync(FileSystem.Mkdir, "/srv/web");
        await p.CallAsync(FileSystem.WriteStr, "/srv/web/index.html", "up");
        await WriteUnitAsync(p, "rmote-web.service", $"""
            [Unit]
            Description=rmote test web server
            [Service]
            ExecStart=/usr/bin/python3 -m http.server {port} --bind 127.0.0.1 --directory /srv/web
            """);

        var before = await p.CallAsync(Service.Status, "rmote-web");
        Assert.Equal(("rmote-web.service", "loaded", ServiceState.Inactive, "static", 0), (before.Unit, before.LoadState, before.State, before.Enabled, before.MainPid));

        var started = await p.CallAsync(Service.Start, "rmote-web");
        Assert.True(started.Changed);
        Assert.Equal((ServiceState.Active, "running"), (started.Status.State, started.Status.SubState));
        Assert.Contains("http.server", await p.CallAsync(FileSystem.ReadStr, $"/proc/{started.Status.MainPid}/cmdline"));
        Assert.False((await p.CallAsync(Service.Start, "rmote-web")).Changed);
        var url = $"http://127.0.0.1:{port}/index.html";
        await HealthCheck.WaitAsync(p, HealthCheckOptions.ForUrl(url) with { Interval = TimeSpan.FromMilliseconds(100), Timeout = TimeSpan.FromSeconds(15) });
        Assert.Equal("up", (await p.CallAsync(Http.Get, url)).Body);

        var restarted = await p.CallAsync(Service.Restart, "rmote-web");
        Assert.True(restarted.Changed && restarted.Status.IsActive);
        Assert.NotEqual(started.Status.MainPid, restarted.Status.MainPid);
        // systemd answers a restart only once the old process is gone.
        Assert.False(await p.CallAsync(FileSystem.Exists, $"/proc/{started.Status.MainPid}"));

        var stopped = await p.CallAsync(Service.Stop, "rmote-web");
        Assert.Equal((true, ServiceState.Inactive, 0), (stopped.Changed, stopped.Status.State, stopped.Status.MainPid));
        // Unlike the daemonless stand-in, real systemd has waited for the server to exit: its port is closed now.
        Assert.False(Accepts(port));
        Assert.False((await p.CallAsync(Service.Stop, "rmote-web")).Changed);
        Assert.Equal("not-found", (await p.CallAsync(Service.Status, "rmote-missing")).LoadState);
        await Assert.ThrowsAsync<RemoteFileNotFoundException>(() => p.CallAsync(Service.Start, "rmote-missing"));
    }

    [Fact]
    public async Task Daemon_reload_makes_systemd_read_an_edited_unit()
    {
        await using var p = await OpenAsync();
        static string Unit(string version) => $"[Service]\nExecStart=/bin/sh -c 'echo {version} > /run/rmote-version; exec sleep infinity'\n";
        await WriteUnitAsync(p, "rmote-version.service", Unit("v1"));
        await p.CallAsync(Service.Start, "rmote-version");
        Assert.Equal("v1\n", await p.CallAsync(FileSystem.ReadStr, "/run/rmote-version"));

        // Edited on disk but not reloaded: systemd still runs the definition it loaded.
        await p.CallAsync(FileSystem.WriteStr, "/etc/systemd/system/rmote-version.service", Unit("v2"));
        await p.CallAsync(Service.Restart, "rmote-version");
        Assert.Equal("v1\n", await p.CallAsync(FileSystem.ReadStr, "/run/rmote-version"));

        Assert.Null(await p.CallAsync(Service.DaemonReload));
        await p.CallAsync(Service.Restart, "rmote-version");
        Assert.Equal("v2\n", await p.CallAsync(FileSystem.ReadStr, "/run/rmote-version"));
        await p.CallAsync(Service.Stop, "rmote-version");
    }

    [Fact]
    public async Task Enable_disable_and_converge_manage_the_boot_links()
    {
        await using var p = await OpenAsync();
        await WriteUnitAsync(p, "rmote-boot.service", "[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n");
        var link = host.HostPath("/etc/systemd/system/multi-user.target.wants/rmote-boot.service");

        Assert.True(await p.CallAsync(Service.Enable, "rmote-boot"));
        Assert.Equal("/etc/systemd/system/rmote-boot.service", new FileInfo(link).LinkTarget);
        Assert.False(await p.CallAsync(Service.Enable, "rmote-boot"));
        Assert.True((await p.CallAsync(Service.Status, "rmote-boot")).IsEnabled);
        Assert.True(await p.CallAsync(Service.Disable, "rmote-boot"));
        Assert.False(File.Exists(link) || new FileInfo(link).LinkTarget != null);
        Assert.False(await p.CallAsync(Service.Disable, "rmote-boot"));

        Assert.True(await p.CallAsync(Service.EnableNow, "rmote-boot", true));
        Assert.Equal((ServiceState.Active, "enabled"), ((await p.CallAsync(Service.Status, "rmote-boot")).State, (await p.CallAsync(Service.Status, "rmote-boot")).Enabled));
        Assert.True(await p.CallAsync(Service.DisableNow, "rmote-boot", true));
        var off = await p.CallAsync(Service.Status, "rmote-boot");
        Assert.Equal((ServiceState.Inactive, "disabled"), (off.State, off.Enabled));

        var up = await p.CallAsync(Service.Converge, new ServiceConvergeOptions("rmote-boot") { Started = true, Enabled = true });
        Assert.Equal((true, ServiceState.Active, "enabled"), (up.Changed, up.Status.State, up.Status.Enabled));
        Assert.False((await p.CallAsync(Service.Converge, new ServiceConvergeOptions("rmote-boot") { Started = true, Enabled = true })).Changed);
        var down = await p.CallAsync(Service.Converge, new ServiceConvergeOptions("rmote-boot") { Started = false, Enabled = false });
        Assert.Equal((true, ServiceState.Inactive, "disabled"), (down.Changed, down.Status.State, down.Status.Enabled));
        Assert.False(File.Exists(link));
    }

    [Fact]
    public async Task A_unit_that_fails_to_start_reports_its_real_journal_lines()
    {
        await using var p = await OpenAsync();
        const string complaint = "rmote-bad: cannot open /etc/rmote-bad.conf: No such file or directory";
        await WriteUnitAsync(p, "rmote-bad.service", $"""
            [Service]
            ExecStartPre=/bin/sh -c 'echo "{complaint}" >&2; exit 3'
            ExecStart=/bin/sleep infinity
            """);
        var e = await Assert.ThrowsAsync<RemoteCommandException>(() => p.CallAsync(Service.Start, "rmote-bad"));
        output.WriteLine(e.Stderr);
        Assert.Contains("Job for rmote-bad.service failed because the control process exited with error code.", e.Stderr);
        Assert.Contains("unit rmote-bad: ActiveState=failed SubState=failed Result=exit-code", e.Stderr);
        Assert.Contains("--- last journal lines (journalctl -u rmote-bad) ---", e.Stderr);
        // The journal lines in the error are the unit's real ones: the program's stderr and systemd's own verdict.
        var journal = await host.JournalAsync("rmote-bad");
        foreach (var line in new[] { complaint, "rmote-bad.service: Control process exited, code=exited, status=3/NOTIMPLEMENTED" })
        {
            Assert.Contains(line, journal);
            Assert.Contains(line, e.Stderr);
        }
    }

    [Fact]
    public async Task A_unit_that_takes_time_to_become_active_is_waited_for()
    {
        await using var p = await OpenAsync();
        // Active only once the test creates the go file: the unit stays "activating" until that event, however long.
        await WriteUnitAsync(p, "rmote-slow.service", """
            [Service]
            ExecStart=/bin/sleep infinity
            ExecStartPost=/bin/sh -c 'while [ ! -e /run/rmote-slow.go ]; do sleep 0.05; done'
            """);

        var queued = await p.CallAsync(Service.StartWith, new ServiceActionOptions("rmote-slow") { Wait = false });
        Assert.Equal((true, ServiceState.Activating), (queued.Changed, queued.Status.State));
        var timeout = await Assert.ThrowsAsync<RemoteTimeoutException>(() =>
            p.CallAsync(Service.WaitWith, new ServiceWaitOptions("rmote-slow") { Timeout = TimeSpan.FromSeconds(0.5) }));
        Assert.Contains("unit rmote-slow is still activating/start-post 0.5 s after wait (wanted it active)", timeout.Message);
        await p.CallAsync(FileSystem.WriteStr, "/run/rmote-slow.go", "");
        var active = await p.CallAsync(Service.Wait, "rmote-slow");
        Assert.Equal((ServiceState.Active, "running"), (active.State, active.SubState));

        // A waiting restart returns only once the unit is active again.
        await p.CallAsync(FileSystem.Remove, "/run/rmote-slow.go");
        var restart = p.CallAsync(Service.Restart, "rmote-slow");
        await using (var watcher = await OpenAsync())
        {
            while ((await watcher.CallAsync(Service.Status, "rmote-slow")).SubState != "start-post")
                Assert.False(restart.IsCompleted, "the restart returned while the unit was not active yet");
            Assert.False(restart.IsCompleted);
            await watcher.CallAsync(FileSystem.WriteStr, "/run/rmote-slow.go", "");
        }
        Assert.True((await restart).Status.IsActive);
        await p.CallAsync(Service.StopWith, new ServiceActionOptions("rmote-slow") { Wait = false });
        Assert.Equal(ServiceState.Inactive, (await p.CallAsync(Service.WaitWith, new ServiceWaitOptions("rmote-slow") { Active = false })).State);
    }

    [Fact]
    public async Task A_reload_the_unit_does_not_support_is_refused_with_the_reason_and_a_supported_one_runs()
    {
        await using var p = await OpenAsync();
        await WriteUnitAsync(p, "rmote-noreload.service", "[Service]\nExecStart=/bin/sleep infinity\n");
        var pid = (await p.CallAsync(Service.Start, "rmote-noreload")).Status.MainPid;
        var e = await Assert.ThrowsAsync<RemoteNotSupportedException>(() => p.CallAsync(Service.Reload, "rmote-noreload"));
        output.WriteLine(e.Message);
        Assert.Contains("unit rmote-noreload.service cannot reload its configuration (it has no ExecReload=; systemd reports CanReload=no): " +
            "restart it instead, or add ExecReload= to the unit", e.Message);
        Assert.Equal(pid, (await p.CallAsync(Service.Status, "rmote-noreload")).MainPid);

        await WriteUnitAsync(p, "rmote-reload.service", "[Service]\nExecStart=/bin/sleep infinity\nExecReload=/bin/sh -c 'echo reloaded >> /run/rmote-reloads'\n");
        var first = await p.CallAsync(Service.Reload, "rmote-reload"); // not running: started
        Assert.False(await p.CallAsync(FileSystem.Exists, "/run/rmote-reloads"));
        var reloaded = await p.CallAsync(Service.Reload, "rmote-reload");
        Assert.Equal((true, ServiceState.Active, first.Status.MainPid), (reloaded.Changed, reloaded.Status.State, reloaded.Status.MainPid));
        Assert.Equal("reloaded\n", await p.CallAsync(FileSystem.ReadStr, "/run/rmote-reloads"));
        await p.CallAsync(Service.Stop, "rmote-reload");
        await p.CallAsync(Service.Stop, "rmote-noreload");
    }

    [Fact]
    public async Task A_deploy_user_allowed_only_to_restart_the_app_restarts_it_through_sudo_and_nothing_else()
    {
        await using (var root = await OpenAsync())
        {
            await root.CallAsync(User.Account, new UserOptions("rmote-deploy") { Shell = "/bin/bash" });
            var key = (await File.ReadAllTextAsync(host.IdentityFile + ".pub")).Trim();
            await root.CallAsync(User.AuthorizedKey, new AuthorizedKeyOptions("rmote-deploy", key));
            await root.CallAsync(User.Sudoer, new SudoerOptions("rmote-deploy", "rmote-deploy ALL=(root) NOPASSWD: /usr/bin/systemctl restart rmote-app\n"));
            await WriteUnitAsync(root, "rmote-app.service", "[Service]\nExecStart=/bin/sleep infinity\n");
            await root.CallAsync(Service.Start, "rmote-app");
        }
        await using var deploy = await SshAsync("rmote-deploy");
        Assert.Equal("rmote-deploy", (await deploy.CallAsync(Exec.Command, new ExecOptions("id", "-un"))).Stdout.Trim());
        var before = await deploy.CallAsync(Service.Status, "rmote-app"); // queries need no privilege

        var restarted = await deploy.CallAsync(Service.RestartWith, new ServiceActionOptions("rmote-app") { Sudo = true });
        Assert.True(restarted.Changed && restarted.Status.IsActive);
        Assert.NotEqual(before.MainPid, restarted.Status.MainPid);

        var refused = await Assert.ThrowsAsync<RemoteUnauthorizedAccessException>(() =>
            deploy.CallAsync(Service.StopWith, new ServiceActionOptions("rmote-app") { Sudo = true }));
        output.WriteLine(refused.Message);
        Assert.EndsWith("PermissionError: sudo refused 'systemctl stop rmote-app' for user rmote-deploy: sudo: a password is required " +
            "(sudoers must allow exactly this command with NOPASSWD, e.g. 'rmote-deploy ALL=(root) NOPASSWD: /usr/bin/systemctl stop rmote-app')", refused.Message);
        var denied = await Assert.ThrowsAsync<RemoteUnauthorizedAccessException>(() => deploy.CallAsync(Service.Restart, "rmote-app"));
        output.WriteLine(denied.Message);
        Assert.EndsWith("PermissionError: 'systemctl restart rmote-app' was refused for user rmote-deploy: Failed to restart rmote-app.service: Access denied " +
            "(connect as root, or pass sudo=True with a sudoers rule for this command)", denied.Message);
        var after = await deploy.CallAsync(Service.Status, "rmote-app");
        Assert.Equal((ServiceState.Active, restarted.Status.MainPid), (after.State, after.MainPid));
    }
}
