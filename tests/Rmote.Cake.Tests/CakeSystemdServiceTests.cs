using System.Net;
using System.Net.Sockets;
using Rmote.Cake.Tests.Support;
using Rmote.TestRig;

namespace Rmote.Cake.Tests;

/// <summary>
/// <c>RmoteServiceRestart</c> and <c>RmoteWaitForHealthy</c> in a real <c>dotnet cake</c> run against a host whose PID 1 is
/// systemd (its own sshd, strict host keys): a restart that works, then one that fails, as the script's user sees it.
/// </summary>
public sealed class CakeSystemdServiceTests : IClassFixture<SystemdHostFixture>
{
    readonly SystemdHost host;
    readonly ITestOutputHelper output;

    public CakeSystemdServiceTests(SystemdHostFixture rig, ITestOutputHelper output)
    {
        host = rig.Host;
        this.output = output;
        output.WriteLine(host.BootReport);
    }

    [Fact]
    public async Task A_restart_and_health_wait_succeed_and_a_failed_restart_shows_the_units_journal()
    {
        var feed = await PackedFeed.GetAsync();
        int port;
        using (var l = new TcpListener(IPAddress.Loopback, 0)) { l.Start(); port = ((IPEndPoint)l.LocalEndpoint).Port; }
        await host.WriteFileAsync("/srv/app/health", "ok");
        await host.InstallUnitAsync("rmote-app.service", SystemdUnits.HttpServer(port, "/srv/app"));
        await host.InstallUnitAsync("rmote-broken.service", SystemdUnits.FailsToStart("rmote-broken"));
        using var dir = new TempDir("rmote-cake-systemd-");
        var script = dir.WriteFile("build.cake", CakeRunner.AddinLine(feed) + $$"""

            var hosts = new[] { "{{host.Target}}" };
            T Conn<T>(T s) where T : RmoteSettings => s.WithIdentity("{{host.IdentityFile}}").WithKnownHostsFile("{{host.KnownHostsFile}}");
            Task("Default").Does(() =>
            {
                var restarted = RmoteServiceRestart(hosts, "rmote-app", Conn(new RmoteServiceRestartSettings()));
                Information("PID>> {0}", restarted[0].Value!.Services[0].Status.MainPid);
                RmoteWaitForHealthy(hosts, "http://127.0.0.1:{{port}}/health", Conn(new RmoteWaitForHealthySettings()).WithTimeout(TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(100)));
                try
                {
                    RmoteServiceRestart(hosts, "rmote-broken", Conn(new RmoteServiceRestartSettings()));
                }
                catch (CakeException e)
                {
                    Information("CAUGHT>> {0}", e.Message);
                }
            });
            RunTarget("Default");
            """);

        var r = await CakeRunner.RunAsync(feed, script);
        var text = CakeRunner.Text(r);
        output.WriteLine(text);
        Assert.True(r.Succeeded, text);
        var pid = (await host.ExecAsync("systemctl", "show", "-p", "MainPID", "--value", "rmote-app")).EnsureSuccess().StdOut.Trim();
        Assert.Contains($"PID>> {pid}", text);
        Assert.Matches($@"{System.Text.RegularExpressions.Regex.Escape(host.Target)}\s+succeeded\s+[0-9.]+ s\s+restarted rmote-app.service active \(pid {pid}\)", text);
        Assert.Contains("healthy (HTTP 200)", text);
        Assert.Contains($"CAUGHT>> RmoteServiceRestart failed on 1 of 1 host(s):", text);
        Assert.Contains("Job for rmote-broken.service failed because the control process exited with error code.", text);
        var journal = await host.JournalAsync("rmote-broken");
        foreach (var line in new[] { $"rmote-broken: {SystemdUnits.FailureComplaint}", SystemdUnits.ControlProcessExited("rmote-broken.service") })
        {
            Assert.Contains(line, journal);
            Assert.Contains(line, text);
        }
        (await host.ExecAsync("systemctl", "stop", "rmote-app")).EnsureSuccess();
    }
}
