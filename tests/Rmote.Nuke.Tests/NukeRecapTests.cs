using System.Text.RegularExpressions;
using Rmote.Fleet;
using Rmote.Nuke;
using Rmote.TestRig;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Rmote.Nuke.Tests;

/// <summary>RmoteTasks.RmoteRecap after a failed step, and a long copy's progress lines, through Serilog (Nuke's logger).</summary>
[Collection("ssh")]
public sealed class NukeRecapTests(SshFleetFixture rig, ITestOutputHelper output)
{
    sealed class Capture : ILogEventSink
    {
        public List<string> Lines { get; } = [];
        public void Emit(LogEvent e) { lock (Lines) Lines.Add($"{e.Level}: {e.RenderMessage()}"); }
    }

    [Fact]
    public void The_recap_counts_an_unreachable_host_after_the_step_failed_and_a_long_copy_logs_progress()
    {
        var capture = new Capture();
        Log.Logger = new LoggerConfiguration().MinimumLevel.Information().WriteTo.Sink(capture).CreateLogger();
        using var dir = new TempDir("rmote-nuke-recap-");
        var big = new byte[24 << 20];
        Random.Shared.NextBytes(big);
        File.WriteAllBytes(dir.Combine("big.bin"), big);
        const string dead = "root@127.0.0.1:1";
        IReadOnlyList<Operations.HostRecap> recap;
        try
        {
            RmoteTasks.RmoteRecap(); // a new recap: this test's steps only
            Assert.Throws<RmoteTaskException>(() => RmoteTasks.RmoteCopy(s => s
                .SetHosts(rig.Hosts.Select(h => h.Target).Append(dead)).SetIdentity(rig.Fleet.IdentityFile).SetKnownHostsFile(rig.Fleet.KnownHostsFile)
                .SetConnectTimeout(TimeSpan.FromSeconds(5)).SetSourceFolder(dir.Path).SetDestinationFolder("/srv/nuke-recap-" + Guid.NewGuid().ToString("n")[..8])
                .SetProgressInterval(TimeSpan.FromMilliseconds(1))));
            recap = RmoteTasks.RmoteRecap();
        }
        finally
        {
            RmoteTasks.RmoteDisconnect();
            Log.CloseAndFlush();
        }
        Assert.Equal(1, recap.Single(h => h.Host == dead).Unreachable);
        Assert.All(recap.Where(h => h.Host != dead), h => Assert.Equal((1, 1, 0), (h.Ok, h.Changed, h.Failed)));
        lock (capture.Lines)
        {
            foreach (var l in capture.Lines) output.WriteLine(l);
            var text = string.Join('\n', capture.Lines);
            Assert.Contains($"RECAP (1 step(s), {rig.Hosts.Count + 1} host(s))", text);
            Assert.Matches($@"{Regex.Escape(dead)}\s+: ok=0\s+changed=0\s+failed=0\s+unreachable=1", text);
            foreach (var h in rig.Hosts)
                Assert.Matches($@"RmoteCopy""?: \[""?{Regex.Escape(h.Target)}""?\] ""?copying \d+% of 24\.0 MiB", text);
        }
    }
}
