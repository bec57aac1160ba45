using System.Net;
using System.Net.Sockets;
using Rmote.TestRig;
using Xunit.Abstractions;

namespace Rmote.MSBuild.Tests;

/// <summary>
/// <c>RmoteServiceRestart</c> and <c>RmoteWaitForHealthy</c> in real <c>dotnet msbuild</c> runs against a host whose PID 1 is
/// systemd (one booted <see cref="SystemdHost"/> for the class, reached over its own sshd): a restart that works, one
/// that fails (the build log carries the unit's real journal lines), and a deploy user allowed only that restart by sudoers.
/// </summary>
[Collection("msbuild-local")]
public sealed class SystemdServiceStepTests : IClassFixture<SystemdHostFixture>
{
    readonly SystemdHost host;
    readonly PackedFeed feed;
    readonly ITestOutputHelper output;

    public SystemdServiceStepTests(SystemdHostFixture rig, PackedFeed feed, ITestOutputHelper output)
    {
        host = rig.Host;
        this.feed = feed;
        this.output = output;
        output.WriteLine(host.BootReport);
    }

    static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    async Task<int> MainPidAsync(string unit) =>
        int.Parse((await host.ExecAsync("systemctl", "show", "-p", "MainPID", "--value", unit)).EnsureSuccess().StdOut.Trim(), System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_restart_then_a_health_wait_brings_the_app_back_and_the_log_names_its_new_pid()
    {
        var port = FreePort();
        await host.WriteFileAsync("/srv/app/health", "ok");
        await host.InstallUnitAsync("rmote-app.service", SystemdUnits.HttpServer(port, "/srv/app"));
        (await host.ExecAsync("systemctl", "start", "rmote-app")).EnsureSuccess();
        var before = await MainPidAsync("rmote-app");
        using var p = new TestProject(feed, $"""
              <ItemGroup>
                {TestProject.HostItem(host)}
              </ItemGroup>
              <Target Name="Restart">
                <RmoteServiceRestart Hosts="@(RmoteHost)" ServiceName="rmote-app" />
                <RmoteWaitForHealthy Hosts="@(RmoteHost)" Url="http://127.0.0.1:{port}/health" Interval="100" Timeout="20000" />
              </Target>
            """);
        var r = await p.RunAsync("Restart");
        var log = TestProject.Log(r);
        output.WriteLine(log);
        Assert.Equal(0, r.ExitCode);
        var after = await MainPidAsync("rmote-app");
        Assert.NotEqual(before, after);
        Assert.Contains($"{host.Name}: RmoteServiceRestart: restarted rmote-app.service active (pid {after})", log);
        Assert.Contains($"{host.Name}: RmoteWaitForHealthy: healthy (HTTP 200)", log);
        (await host.ExecAsync("systemctl", "stop", "rmote-app")).EnsureSuccess();
    }

    [Fact]
    public async Task A_restart_that_fails_puts_the_units_real_journal_lines_in_the_build_log()
    {
        await host.InstallUnitAsync("rmote-broken.service", SystemdUnits.FailsToStart("rmote-broken"));
        using var p = new TestProject(feed, $"""
              <ItemGroup>
                {TestProject.HostItem(host)}
              </ItemGroup>
              <Target Name="Restart">
                <RmoteServiceRestart Hosts="@(RmoteHost)" ServiceName="rmote-broken" />
              </Target>
            """);
        var r = await p.RunAsync("Restart");
        var log = TestProject.Log(r);
        output.WriteLine(log);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains($"error RMT0007: {host.Name}: RmoteServiceRestart failed: ", log);
        Assert.Contains("Job for rmote-broken.service failed because the control process exited with error code.", log);
        // The lines the build shows are the unit's own journal lines on the host.
        var journal = await host.JournalAsync("rmote-broken");
        foreach (var line in new[] { $"rmote-broken: {SystemdUnits.FailureComplaint}", SystemdUnits.ControlProcessExited("rmote-broken.service"), "Failed to start rmote-broken.service" })
        {
            Assert.Contains(line, journal);
            Assert.Contains(line, log);
        }
    }

    [Fact]
    public async Task A_deploy_user_allowed_only_systemctl_restart_restarts_the_app_with_SystemctlSudo()
    {
        var key = (await File.ReadAllTextAsync(host.IdentityFile + ".pub")).Trim();
        (await host.ExecAsync(["sh", "-c", "id rmote-ci >/dev/null 2>&1 || useradd -m -s /bin/bash rmote-ci; install -d -o rmote-ci -m 700 /home/rmote-ci/.ssh && " +
            "cat > /home/rmote-ci/.ssh/authorized_keys && chown rmote-ci /home/rmote-ci/.ssh/authorized_keys && " +
            "echo 'rmote-ci ALL=(root) NOPASSWD: /usr/bin/systemctl restart rmote-ci-app' > /etc/sudoers.d/rmote-ci && chmod 440 /etc/sudoers.d/rmote-ci"], stdin: key + "\n")).EnsureSuccess();
        await host.InstallUnitAsync("rmote-ci-app.service", "[Service]\nExecStart=/bin/sleep infinity\nExecReload=/bin/true\n");
        (await host.ExecAsync("systemctl", "start", "rmote-ci-app")).EnsureSuccess();
        var before = await MainPidAsync("rmote-ci-app");
        var item = $"""<RmoteHost Include="rmote-ci@{host.HostName}:{host.Port}" Name="{host.Name}" IdentityFile="{host.IdentityFile}" KnownHostsFile="{host.KnownHostsFile}" />""";
        using var p = new TestProject(feed, $"""
              <ItemGroup>
                {item}
              </ItemGroup>
              <Target Name="Restart">
                <RmoteServiceRestart Hosts="@(RmoteHost)" ServiceName="rmote-ci-app" SystemctlSudo="true" />
              </Target>
              <Target Name="Reload">
                <RmoteServiceRestart Hosts="@(RmoteHost)" ServiceName="rmote-ci-app" SystemctlSudo="true" Reload="true" />
              </Target>
            """);
        var r = await p.RunAsync("Restart");
        var log = TestProject.Log(r);
        output.WriteLine(log);
        Assert.Equal(0, r.ExitCode);
        Assert.NotEqual(before, await MainPidAsync("rmote-ci-app"));

        // Anything else is refused, and the build says who was refused what, and the sudoers line that would allow it.
        r = await p.RunAsync("Reload");
        log = TestProject.Log(r);
        output.WriteLine(log);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains($"error RMT0007: {host.Name}: RmoteServiceRestart failed: ", log);
        Assert.Contains("sudo refused 'systemctl reload rmote-ci-app' for user rmote-ci: sudo: a password is required", log);
        Assert.DoesNotContain("--- journal", log); // the command never ran: the unit's journal has nothing to say about it
        (await host.ExecAsync("systemctl", "stop", "rmote-ci-app")).EnsureSuccess();
    }
}
