using System.Text.RegularExpressions;
using Rmote.Cake.Tests.Support;
using Rmote.TestRig;

namespace Rmote.Cake.Tests;

/// <summary>
/// docs/CAKE.md's fan-out promises through a real <c>dotnet cake</c> run against the rig's three sshd hosts: the
/// per-host table after each alias, <c>Serial</c>, <c>FailurePolicy</c>, <c>Retries</c>, URL health waits. What a Cake
/// user sees (the console) and what is on the hosts. One script run covers them all (a Cake run costs seconds).
/// </summary>
[Collection("ssh")]
public sealed class CakeFleetPromiseTests(SshFleetFixture rig, ITestOutputHelper output)
{
    [Fact]
    public async Task Serial_StopOnFirst_Retries_and_url_health_waits_as_the_console_and_the_hosts_show_them()
    {
        var feed = await PackedFeed.GetAsync();
        using var dir = new TempDir("rmote-cake-promise-");
        var id = Guid.NewGuid().ToString("n")[..8];
        var (policy, retry) = ("cake-policy-" + id, "cake-retry-" + id);
        dir.WriteFile("site/index.html", "<h1>policy</h1>");
        dir.WriteFile("retry/index.html", "<h1>retried</h1>");
        dir.WriteFile("retry/app.cfg", "port=8080\n");
        using var probe = new SerialProbe(rig.Hosts);
        // StopOnFirst: host2 has a file where the destination folder goes
        File.WriteAllText(Path.Combine(rig.Hosts[1].SrvRoot, policy), "in the way");
        // Retries: host2 has a folder where app.cfg goes, cleared once an attempt failed on it
        Directory.CreateDirectory(Path.Combine(rig.Hosts[1].SrvRoot, retry));
        using var obstacle = new FolderInTheWay(Path.Combine(rig.Hosts[1].SrvRoot, retry), "app.cfg");
        await using var starting = HttpStatusServer.Start(unhealthyRequests: 4);
        await using var down = HttpStatusServer.Start(unhealthyRequests: int.MaxValue);
        var script = dir.WriteFile("build.cake", CakeRunner.AddinLine(feed) + $$"""

            var hosts = Argument<string>("hosts").Split(',');
            T Conn<T>(T s) where T : RmoteSettings => s.WithIdentity("{{rig.Fleet.IdentityFile}}").WithKnownHostsFile("{{rig.Fleet.KnownHostsFile}}");
            Task("Default").Does(() =>
            {
                var exec = RmoteExec(hosts, "{{probe.Command}}", Conn(new RmoteExecSettings()).WithSerial("1"));
                Information("BATCHES>> {0}", string.Join(",", exec.Select(r => r.Batch)));
                var copy = RmoteCopy(hosts, "./retry", "/srv/{{retry}}", Conn(new RmoteCopySettings()).WithRetries(5));
                Information("ATTEMPTS>> {0}", string.Join(",", copy.Select(r => r.Value.Attempts)));
                RmoteWaitForHealthy(hosts, "{{starting.Url}}", Conn(new RmoteWaitForHealthySettings()).WithTimeout(TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(100)));
                try
                {
                    RmoteWaitForHealthy(hosts, "{{down.Url}}", Conn(new RmoteWaitForHealthySettings()).WithTimeout(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(100)));
                }
                catch (CakeException e)
                {
                    Information("HEALTH>> {0}", e.Message);
                }
                try
                {
                    RmoteCopy(hosts, "./site", "/srv/{{policy}}", Conn(new RmoteCopySettings()).WithSerial("1").WithFailurePolicy(FailurePolicy.StopOnFirst));
                }
                catch (CakeException e)
                {
                    Information("POLICY>> {0}", e.Message);
                }
            });
            RunTarget("Default");
            """);

        var r = await CakeRunner.RunAsync(feed, script, "--hosts=" + string.Join(',', rig.Hosts.Select(h => h.Target)));
        var text = CakeRunner.Text(r).ReplaceLineEndings("\n");
        output.WriteLine(text);
        Assert.True(r.Succeeded, text);

        // Serial "1": one host at a time (the shared log), batches 1, 2, 3, and the per-host table after the alias
        Assert.Equal(SerialProbe.OneAtATime(rig.Hosts), probe.Lines());
        Assert.Contains("BATCHES>> 1,2,3", text);
        var execTable = Section(text, "RmoteExec\nHOST", "3 host(s):");
        foreach (var h in rig.Hosts) Assert.Matches($@"\n{Regex.Escape(h.Target)}\s+succeeded\s", execTable);

        // Retries: host2's first attempt failed on the folder, a retry succeeded; every host has the files
        Assert.True(obstacle.Cleared.Task.IsCompleted, "no attempt failed on host2's folder");
        Assert.Matches(@"ATTEMPTS>> 1,[2-6],1\n", text);
        foreach (var h in rig.Hosts)
        {
            Assert.Equal("port=8080\n", File.ReadAllText(Path.Combine(h.SrvRoot, retry, "app.cfg")));
            Assert.Equal("<h1>retried</h1>", File.ReadAllText(Path.Combine(h.SrvRoot, retry, "index.html")));
        }

        // health: the 503s were polled past (each attempt one request the server answered), then a failure naming the status
        var healthy = Section(text, "RmoteWaitForHealthy\nHOST", "3 host(s):");
        var attempts = Regex.Matches(healthy, @"succeeded\s+[0-9.]+ s\s+healthy \(HTTP 200\) after (\d+) attempt\(s\)").Select(m => int.Parse(m.Groups[1].Value)).ToList();
        Assert.Equal(3, attempts.Count);
        Assert.Equal((4, 3), (starting.Unhealthy, starting.Healthy));
        Assert.Equal(starting.Unhealthy + starting.Healthy, attempts.Sum());
        var health = Section(text, "HEALTH>> ", "\n\n");
        Assert.StartsWith("HEALTH>> RmoteWaitForHealthy failed on 3 of 3 host(s):", health);
        foreach (var h in rig.Hosts)
            Assert.Matches(Regex.Escape($"  {h.Target}: failed - [{h.Target}] health check GET {down.Url} did not pass within 1 s (")
                + @"\d+ attempt\(s\)\); last failure: HTTP 503 Service Unavailable \(expected 200\)", health);
        Assert.Equal(0, down.Healthy);

        // StopOnFirst, one host at a time: host2 fails, host3 is skipped and untouched
        var stopped = Section(text, "POLICY>> ", "\n\n");
        Assert.StartsWith($"POLICY>> RmoteCopy failed on 2 of 3 host(s) (stopped: {rig.Hosts[1].Target} failed and the policy is StopOnFirst):", stopped);
        Assert.Contains($"  {rig.Hosts[1].Target}: failed - ", stopped);
        Assert.Contains($"  {rig.Hosts[2].Target}: skipped - ", stopped);
        Assert.Equal("<h1>policy</h1>", File.ReadAllText(Path.Combine(rig.Hosts[0].SrvRoot, policy, "index.html")));
        Assert.False(Path.Exists(Path.Combine(rig.Hosts[2].SrvRoot, policy)), "host3 was touched after host2 failed");
    }

    /// <summary>The text from <paramref name="start"/> to the next <paramref name="end"/>.</summary>
    static string Section(string text, string start, string end)
    {
        var i = text.IndexOf(start, StringComparison.Ordinal);
        Assert.True(i >= 0, $"'{start}' is not in the output");
        var j = text.IndexOf(end, i + start.Length, StringComparison.Ordinal);
        return j < 0 ? text[i..] : text[i..(j + end.Length)];
    }
}
