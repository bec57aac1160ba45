using System.Net;
using System.Net.Sockets;
using Rmote.Deploy;
using Rmote.TestRig;
using Rmote.Tools;

namespace Rmote.Core.Tests.Tools;

/// <summary>
/// Service inside a disposable Debian root. systemd cannot be PID 1 here, so the systemd code path runs against
/// Debian's daemonless <c>systemctl</c> replacement (package "systemctl"), selected with RMOTE_SYSTEMCTL.
/// </summary>
[Collection("debian-root")]
public sealed class ServiceToolTests(DebianRootFixture rig)
{
    static async Task WaitUntilClosedAsync(int port)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, port);
            }
            catch (SocketException)
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, $"port {port} still accepts connections 60 s after the unit stopped");
            await Task.Delay(50);
        }
    }

    static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    [Fact]
    public async Task Without_systemd_or_an_override_the_error_says_so()
    {
        await using var t = await RootTarget.OpenAsync(rig);
        var e = await Assert.ThrowsAsync<RemoteException>(() => t.Proto.CallAsync(Service.Restart, "nginx"));
        Assert.Equal("SystemdUnavailableError", e.PythonType);
        Assert.Contains("systemd is not running on this host", e.Message);
    }

    [Fact]
    public async Task Units_start_stop_restart_enable_disable_and_converge()
    {
        await using var t = await RootTarget.OpenAsync(rig, "RMOTE_SYSTEMCTL=/usr/bin/systemctl");
        var p = t.Proto;
        var port = FreePort();
        await p.CallAsync(FileSystem.Mkdir, "/etc/systemd/system");
        await p.CallAsync(FileSystem.WriteStr, "/etc/systemd/system/rmote-web.service", $"""
            [Unit]
            Description=rmote test web server
            [Service]
            ExecStart=/usr/bin/python3 -m http.server {port} --bind 127.0.0.1 --directory /srv
            [Install]
            WantedBy=multi-user.target
            """);
        await p.CallAsync(FileSystem.WriteStr, "/etc/systemd/system/rmote-bad.service", "[Service]\nExecStart=/bin/false\n");
        await p.CallAsync(Service.DaemonReload);
        await p.CallAsync(FileSystem.WriteStr, "/srv/index.html", "up");

        var before = await p.CallAsync(Service.Status, "rmote-web");
        Assert.Equal(("rmote-web.service", "loaded", ServiceState.Inactive, "disabled"), (before.Unit, before.LoadState, before.State, before.Enabled));

        var started = await p.CallAsync(Service.Start, "rmote-web");
        Assert.True(started.Changed);
        Assert.True(started.Status.IsActive);
        Assert.True(started.Status.MainPid > 0);
        Assert.False((await p.CallAsync(Service.Start, "rmote-web")).Changed);
        var url = $"http://127.0.0.1:{port}/index.html";
        var health = await HealthCheck.WaitAsync(p, HealthCheckOptions.ForUrl(url) with { Interval = TimeSpan.FromMilliseconds(100), Timeout = TimeSpan.FromSeconds(15) });
        Assert.Equal("HTTP 200", health.Detail);
        Assert.Equal("up", (await p.CallAsync(Http.Get, url)).Body);

        var restarted = await p.CallAsync(Service.Restart, "rmote-web");
        Assert.True(restarted.Changed);
        Assert.NotEqual(started.Status.MainPid, restarted.Status.MainPid);

        Assert.True(await p.CallAsync(Service.Enable, "rmote-web"));
        Assert.False(await p.CallAsync(Service.Enable, "rmote-web"));
        Assert.True((await p.CallAsync(Service.Status, "rmote-web")).IsEnabled);

        var stopped = await p.CallAsync(Service.Stop, "rmote-web");
        Assert.True(stopped.Changed);
        Assert.Equal(ServiceState.Inactive, stopped.Status.State);
        Assert.False((await p.CallAsync(Service.Stop, "rmote-web")).Changed);
        // The daemonless systemctl stand-in reports the unit inactive once it has signalled the server, not once the
        // server has exited: wait until the port is free, or the next start can meet "address already in use".
        await WaitUntilClosedAsync(port);
        // reload of a stopped unit starts it
        Assert.True((await p.CallAsync(Service.Reload, "rmote-web")).Status.IsActive);

        var converged = await p.CallAsync(Service.Converge, new ServiceConvergeOptions("rmote-web") { Started = false, Enabled = false });
        Assert.True(converged.Changed);
        Assert.Equal((ServiceState.Inactive, "disabled"), (converged.Status.State, converged.Status.Enabled));
        Assert.False((await p.CallAsync(Service.Converge, new ServiceConvergeOptions("rmote-web") { Started = false, Enabled = false })).Changed);
        await WaitUntilClosedAsync(port);
        var up = await p.CallAsync(Service.Converge, new ServiceConvergeOptions("rmote-web") { Started = true, Enabled = true, Timeout = TimeSpan.FromSeconds(20) });
        Assert.True(up.Changed && up.Status.IsActive && up.Status.IsEnabled);
        Assert.True(await p.CallAsync(Service.DisableNow, "rmote-web", true));
        Assert.Equal(ServiceState.Inactive, (await p.CallAsync(Service.Status, "rmote-web")).State);

        var failed = await Assert.ThrowsAsync<RemoteCommandException>(() => p.CallAsync(Service.Start, "rmote-bad"));
        Assert.Contains("rmote-bad", failed.Stderr);
        await Assert.ThrowsAsync<RemoteFileNotFoundException>(() => p.CallAsync(Service.Start, "rmote-missing"));
        Assert.Equal("not-found", (await p.CallAsync(Service.Status, "rmote-missing")).LoadState);
        await Assert.ThrowsAsync<RemoteArgumentException>(() => p.CallAsync(Service.Status, "bad unit;rm"));
    }
}
