using Rmote.Nuke;
using Rmote.TestRig;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Rmote.Nuke.Tests;

/// <summary>The release lifecycle through Rmote.Nuke's tasks on the rig's sshd hosts: shared paths, BeforeSwitch, reuse, listing, rollback hooks.</summary>
[Collection("ssh")]
public sealed class NukeReleaseLifecycleTests(SshFleetFixture rig)
{
    sealed class Capture : ILogEventSink
    {
        public List<string> Lines { get; } = [];
        public void Emit(LogEvent e) { lock (Lines) Lines.Add(e.RenderMessage()); }
    }

    T Conn<T>(T s) where T : RmoteSettings => s
        .SetHosts(rig.Hosts.Select(h => h.Target))
        .SetIdentity(rig.Fleet.IdentityFile)
        .SetKnownHostsFile(rig.Fleet.KnownHostsFile);

    [Fact]
    public void Tasks_link_shared_paths_veto_a_switch_reuse_an_unchanged_release_list_and_roll_back_with_hooks()
    {
        var capture = new Capture();
        Log.Logger = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(capture).CreateLogger();
        using var dir = new TempDir("rmote-nuke-life-");
        dir.WriteFile("v1/version.txt", "v1");
        dir.WriteFile("v2/version.txt", "v2");
        File.SetLastWriteTimeUtc(dir.Combine("v1", "version.txt"), DateTime.UtcNow.AddMinutes(-1));
        var name = "nuke-life-" + Guid.NewGuid().ToString("n")[..8];
        var app = "/srv/" + name;
        RmoteCopySettings Release(RmoteCopySettings s, string src, string id) => Conn(s).SetSourceFolder(dir.Combine(src)).SetDestinationFolder(app)
            .SetReleaseId(id).SetSharedPaths("appsettings.json", "storage/").EnableReuseUnchangedRelease();
        try
        {
            RmoteTasks.RmoteCopy(s => Release(s, "v1", "r1")).EnsureSuccess();
            foreach (var h in rig.Hosts) File.WriteAllText(Path.Combine(h.SrvRoot, name, "shared/appsettings.json"), "prod");
            var vetoed = Assert.Throws<RmoteTaskException>(() => RmoteTasks.RmoteCopy(s => Release(s, "v2", "r2").SetBeforeSwitch(staged =>
            {
                RmoteTasks.RmoteExec(e => Conn(e).SetCommand($"grep -q v2 {staged.ReleaseFolder}/version.txt"));
                throw new InvalidOperationException("smoke test failed");
            })));
            Assert.Contains("not switched: the BeforeSwitch hook failed: smoke test failed", vetoed.Message);
            foreach (var h in rig.Hosts) Assert.Equal("releases/r1", new FileInfo(Path.Combine(h.SrvRoot, name, "current")).LinkTarget);

            RmoteTasks.RmoteCopy(s => Release(s, "v2", "r3")).EnsureSuccess();
            var same = RmoteTasks.RmoteCopy(s => Release(s, "v2", "r4"));
            Assert.All(same, r => Assert.StartsWith("unchanged, release r3 kept", r.Value!.Summary));
            var listed = RmoteTasks.RmoteListReleases(s => Conn(s).SetBaseFolder(app));
            Assert.All(listed, r => Assert.Equal(["r1", "r2", "r3"], r.Value!.Releases.Select(x => x.Id)));

            string? after = null;
            RmoteTasks.RmoteRollback(s => Conn(s).SetBaseFolder(app).SetAfterRollback(b => after = b.ReleaseId)).EnsureSuccess();
            Assert.Equal("r1", after);
            var restart = Assert.Throws<RmoteTaskException>(() => RmoteTasks.RmoteRollback(s => Conn(s).SetBaseFolder(app).SetToRelease("r3")
                .SetRestartServices("rmote-no-such-unit").SetServiceTimeout(TimeSpan.FromSeconds(5))));
            Assert.Contains("RmoteRollback failed on 3 of 3 host(s)", restart.Message);
            Assert.Contains("rmote-no-such-unit", restart.Message);
        }
        finally
        {
            RmoteTasks.RmoteDisconnect();
            Log.CloseAndFlush();
        }
        foreach (var h in rig.Hosts)
        {
            var local = Path.Combine(h.SrvRoot, name);
            Assert.Equal("releases/r3", new FileInfo(Path.Combine(local, "current")).LinkTarget);
            Assert.Equal("prod", File.ReadAllText(Path.Combine(local, "current/appsettings.json")));
            Assert.False(Directory.Exists(Path.Combine(local, "releases/r4")));
        }
        lock (capture.Lines)
            foreach (var h in rig.Hosts)
                Assert.Contains(capture.Lines, l => l.StartsWith($"{h.Target}: * r3 (current) ", StringComparison.Ordinal));
    }
}
