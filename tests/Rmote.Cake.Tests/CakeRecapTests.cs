using System.Text.RegularExpressions;
using Rmote.TestRig;

namespace Rmote.Cake.Tests;

/// <summary>The deploy recap from a real <c>dotnet cake</c> script: printed from Teardown, failed deploys included.</summary>
[Collection("ssh")]
public sealed class CakeRecapTests(SshFleetFixture rig, ITestOutputHelper output)
{
    [Fact]
    public async Task Teardown_prints_the_recap_with_an_unreachable_host_after_the_step_failed_and_a_long_copy_logs_progress()
    {
        var feed = await PackedFeed.GetAsync();
        using var dir = new TempDir("rmote-cake-recap-");
        dir.WriteFile("site/index.html", "hello");
        var big = new byte[24 << 20];
        Random.Shared.NextBytes(big);
        File.WriteAllBytes(dir.Combine("site", "big.bin"), big);
        var dest = "/srv/cake-recap-" + Guid.NewGuid().ToString("n")[..8];
        var script = dir.WriteFile("build.cake", Support.CakeRunner.AddinLine(feed) + $$"""

            var hosts = Argument<string>("hosts").Split(',');
            Teardown(ctx => RmoteRecap());
            Task("Default").Does(() =>
            {
                // 1 ms: every acknowledged chunk after the first millisecond may log, so a 24 MiB copy surely does.
                RmoteCopy(hosts, "./site", "{{dest}}", new RmoteCopySettings()
                    .WithIdentity("{{rig.Fleet.IdentityFile}}").WithKnownHostsFile("{{rig.Fleet.KnownHostsFile}}")
                    .WithConnectTimeout(TimeSpan.FromSeconds(5)).WithProgressInterval(TimeSpan.FromMilliseconds(1)));
            });
            RunTarget("Default");
            """);

        var hosts = string.Join(',', rig.Hosts.Select(h => h.Target).Append("root@127.0.0.1:1"));
        var r = await Support.CakeRunner.RunAsync(feed, script, "--hosts=" + hosts);
        var text = Support.CakeRunner.Text(r);
        output.WriteLine(text);

        Assert.False(r.Succeeded, text);
        Assert.Contains($"RECAP (1 step(s), {rig.Hosts.Count + 1} host(s))", text);
        Assert.Matches(@"root@127\.0\.0\.1:1\s+: ok=0\s+changed=0\s+failed=0\s+unreachable=1\s+skipped=0", text);
        foreach (var h in rig.Hosts)
        {
            Assert.Matches($@"{Regex.Escape(h.Target)}\s+: ok=1\s+changed=1\s+failed=0\s+unreachable=0\s+skipped=0", text);
            Assert.Matches($@"RmoteCopy: \[{Regex.Escape(h.Target)}\] copying \d+% of 24\.0 MiB", text);
        }
    }
}
