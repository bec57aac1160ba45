using System.Net;
using System.Net.Sockets;
using Rmote.Nuke;
using Rmote.Nuke.Tests.Support;
using Rmote.TestRig;

namespace Rmote.Nuke.Tests;

/// <summary>
/// The Nuke-style <c>RmoteServiceRestart</c> and <c>RmoteWaitForHealthy</c> against a host whose PID 1 is systemd (its own
/// sshd, strict host keys): what a Nuke build logs through Serilog, and the <see cref="RmoteTaskException"/> of a failed restart.
/// In the "ssh" collection because the Serilog capture and the pooled connections are process-wide.
/// </summary>
[Collection("ssh")]
public sealed class NukeSystemdServiceTests : IClassFixture<SystemdHostFixture>, IDisposable
{
    readonly SystemdHost host;
    readonly ITestOutputHelper output;
    readonly SerilogCapture log = SerilogCapture.Install();

    public NukeSystemdServiceTests(SystemdHostFixture rig, ITestOutputHelper output)
    {
        host = rig.Host;
        this.output = output;
        output.WriteLine(host.BootReport);
    }

    public void Dispose()
    {
        RmoteTasks.RmoteDisconnect();
        log.Dispose();
        output.WriteLine(log.Text);
    }

    T Conn<T>(T s) where T : RmoteSettings => s.SetHosts(host.Target).SetIdentity(host.IdentityFile).SetKnownHostsFile(host.KnownHostsFile);

    [Fact]
    public async Task A_restart_and_health_wait_succeed_and_a_failed_restart_throws_with_the_units_journal()
    {
        int port;
        using (var l = new TcpListener(IPAddress.Loopback, 0)) { l.Start(); port = ((IPEndPoint)l.LocalEndpoint).Port; }
        await host.WriteFileAsync("/srv/app/health", "ok");
        await host.InstallUnitAsync("rmote-app.service", SystemdUnits.HttpServer(port, "/srv/app"));
        await host.InstallUnitAsync("rmote-broken.service", SystemdUnits.FailsToStart("rmote-broken"));

        var restarted = RmoteTasks.RmoteServiceRestart(s => Conn(s).SetServiceNames("rmote-app"));
        var pid = (await host.ExecAsync("systemctl", "show", "-p", "MainPID", "--value", "rmote-app")).EnsureSuccess().StdOut.Trim();
        Assert.Equal(pid, restarted[0].Value!.Services[0].Status.MainPid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var health = RmoteTasks.RmoteWaitForHealthy(s => Conn(s).SetUrl($"http://127.0.0.1:{port}/health")
            .SetInterval(TimeSpan.FromMilliseconds(100)).SetTimeout(TimeSpan.FromSeconds(20)));
        Assert.True(health.AllSucceeded);
        Assert.Contains(log.Lines, l => l.Contains($"restarted rmote-app.service active (pid {pid})", StringComparison.Ordinal));

        var e = Assert.Throws<RmoteTaskException>(() => RmoteTasks.RmoteServiceRestart(s => Conn(s).SetServiceNames("rmote-broken")));
        output.WriteLine(e.Message);
        Assert.StartsWith("RmoteServiceRestart failed on 1 of 1 host(s):", e.Message);
        Assert.Contains("Job for rmote-broken.service failed because the control process exited with error code.", e.Message);
        var journal = await host.JournalAsync("rmote-broken");
        foreach (var line in new[] { $"rmote-broken: {SystemdUnits.FailureComplaint}", SystemdUnits.ControlProcessExited("rmote-broken.service") })
        {
            Assert.Contains(line, journal);
            Assert.Contains(line, e.Message);
        }
        (await host.ExecAsync("systemctl", "stop", "rmote-app")).EnsureSuccess();
    }
}
