using Rmote.Nuke.Tests.Support;
using Rmote.Fleet;
using Rmote.Nuke;
using Rmote.TestRig;

namespace Rmote.Nuke.Tests;

/// <summary>
/// docs/CAKE.md's fan-out promises through the Nuke-style tasks, in-process against the rig's three sshd hosts: the
/// per-host table in the log, <c>Serial</c>, <c>FailurePolicy</c>, <c>Retries</c>, URL health waits. What a Nuke
/// user sees (the Serilog log, the task's exception) and what is on the hosts.
/// </summary>
[Collection("ssh")]
public sealed class NukeFleetPromiseTests(SshFleetFixture rig, ITestOutputHelper output) : IDisposable
{
    readonly SerilogCapture log = SerilogCapture.Install();

    public void Dispose()
    {
        RmoteTasks.RmoteDisconnect();
        log.Dispose();
        output.WriteLine(log.Text);
    }

    T Conn<T>(T s) where T : RmoteSettings => s
        .SetHosts(rig.Hosts.Select(h => h.Target))
        .SetIdentity(rig.Fleet.IdentityFile)
        .SetKnownHostsFile(rig.Fleet.KnownHostsFile);

    [Fact]
    public void Serial_runs_one_host_at_a_time_and_the_task_logs_a_row_per_host()
    {
        using var probe = new SerialProbe(rig.Hosts);

        var r = RmoteTasks.RmoteExec(s => Conn(s).SetCommand(probe.Command).SetSerial("1"));

        Assert.Equal(SerialProbe.OneAtATime(rig.Hosts), probe.Lines());
        Assert.Equal([1, 2, 3], r.Select(x => x.Batch));
        // the per-host table, as the Nuke log shows it after the task
        var table = Assert.Single(log.Lines, l => l.StartsWith("Information: \"RmoteExec\nHOST", StringComparison.Ordinal));
        Assert.Matches(@"HOST\s+STATUS\s+TIME\s+DETAIL", table);
        foreach (var h in rig.Hosts) Assert.Matches($@"\n{System.Text.RegularExpressions.Regex.Escape(h.Target)}\s+succeeded\s", table);
        Assert.Contains("3 host(s): 3 succeeded", table);
    }

    [Fact]
    public void StopOnFirst_one_at_a_time_leaves_the_hosts_after_the_failing_one_untouched()
    {
        var name = "nuke-policy-" + Guid.NewGuid().ToString("n")[..8];
        using var src = new TempDir("rmote-nuke-policy-");
        src.WriteFile("index.html", "<h1>policy</h1>");
        // host2: a file where the destination folder goes
        File.WriteAllText(Path.Combine(rig.Hosts[1].SrvRoot, name), "in the way");

        var e = Assert.Throws<RmoteTaskException>(() => RmoteTasks.RmoteCopy(s => Conn(s)
            .SetSourceFolder(src.Path).SetDestinationFolder("/srv/" + name).SetSerial("1").SetFailurePolicy(FailurePolicy.StopOnFirst)));
        output.WriteLine(e.Message);

        Assert.StartsWith($"RmoteCopy failed on 2 of 3 host(s) (stopped: {rig.Hosts[1].Target} failed and the policy is StopOnFirst):", e.Message);
        Assert.Contains($"  {rig.Hosts[1].Target}: failed - ", e.Message);
        Assert.Contains($"  {rig.Hosts[2].Target}: skipped - ", e.Message);
        Assert.Equal("<h1>policy</h1>", File.ReadAllText(Path.Combine(rig.Hosts[0].SrvRoot, name, "index.html")));
        Assert.True(File.Exists(Path.Combine(rig.Hosts[1].SrvRoot, name)));
        Assert.False(Path.Exists(Path.Combine(rig.Hosts[2].SrvRoot, name)), "host3 was touched after host2 failed");
    }

    [Fact]
    public void Retries_copy_again_after_a_failure_the_host_recovers_from()
    {
        var name = "nuke-retry-" + Guid.NewGuid().ToString("n")[..8];
        using var src = new TempDir("rmote-nuke-retry-");
        src.WriteFile("index.html", "<h1>retried</h1>");
        src.WriteFile("app.cfg", "port=8080\n");
        var local2 = Path.Combine(rig.Hosts[1].SrvRoot, name);
        Directory.CreateDirectory(local2);
        using var obstacle = new FolderInTheWay(local2, "app.cfg");

        var r = RmoteTasks.RmoteCopy(s => Conn(s).SetSourceFolder(src.Path).SetDestinationFolder("/srv/" + name).SetRetries(5));

        Assert.True(obstacle.Cleared.Task.IsCompleted, "no attempt failed on host2's folder");
        Assert.True(r.AllSucceeded);
        Assert.Equal(1, r[0].Value!.Attempts);
        Assert.InRange(r[1].Value!.Attempts, 2, 6);
        Assert.Equal(1, r[2].Value!.Attempts);
        foreach (var h in rig.Hosts)
        {
            Assert.Equal("port=8080\n", File.ReadAllText(Path.Combine(h.SrvRoot, name, "app.cfg")));
            Assert.Equal("<h1>retried</h1>", File.ReadAllText(Path.Combine(h.SrvRoot, name, "index.html")));
        }
    }

    [Fact]
    public async Task A_url_health_wait_polls_until_the_url_answers_200_and_fails_naming_the_status_when_it_never_does()
    {
        await using (var starting = HttpStatusServer.Start(unhealthyRequests: 4))
        {
            var r = RmoteTasks.RmoteWaitForHealthy(s => Conn(s).SetUrl(starting.Url).SetInterval(TimeSpan.FromMilliseconds(100)));
            Assert.True(r.AllSucceeded);
            // every attempt of every host is one request the server answered: the 503s were seen and waited out
            Assert.Equal(starting.Unhealthy + starting.Healthy, r.Sum(x => x.Value!.Attempts));
            Assert.Equal(4, starting.Unhealthy);
            Assert.Equal(3, starting.Healthy);
            var table = Assert.Single(log.Lines, l => l.StartsWith("Information: \"RmoteWaitForHealthy\nHOST", StringComparison.Ordinal));
            Assert.Equal(3, System.Text.RegularExpressions.Regex.Count(table, @"succeeded\s+[0-9.]+ s\s+healthy \(HTTP 200\) after \d+ attempt\(s\)"));
        }

        await using var down = HttpStatusServer.Start(unhealthyRequests: int.MaxValue);
        var e = Assert.Throws<RmoteTaskException>(() => RmoteTasks.RmoteWaitForHealthy(s => Conn(s).SetUrl(down.Url)
            .SetInterval(TimeSpan.FromMilliseconds(100)).SetTimeout(TimeSpan.FromSeconds(1))));
        output.WriteLine(e.Message);
        Assert.StartsWith("RmoteWaitForHealthy failed on 3 of 3 host(s):", e.Message);
        foreach (var h in rig.Hosts)
            Assert.Matches($@"  {System.Text.RegularExpressions.Regex.Escape($"{h.Target}: failed - [{h.Target}] health check GET {down.Url} did not pass within 1 s (")}"
                + @"\d+ attempt\(s\)\); last failure: HTTP 503 Service Unavailable \(expected 200\)", e.Message);
        Assert.True(down.Unhealthy >= 3);
        Assert.Equal(0, down.Healthy);
    }
}
