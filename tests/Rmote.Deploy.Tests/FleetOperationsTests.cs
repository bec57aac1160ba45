using System.Collections.Concurrent;
using Rmote.Fleet;
using Rmote.TestRig;
using Rmote.Tools;

namespace Rmote.Deploy.Tests;

/// <summary>The shared operations layer (what MSBuild, Cake and Nuke call) on the local target and the rig's sshd hosts.</summary>
[Collection("ssh")]
public sealed class FleetOperationsTests(SshFleetFixture rig)
{
    static HostSpec Dead => HostSpec.Parse("root@127.0.0.1:1") with { Name = "dead", ConnectTimeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task Local_target_runs_every_step()
    {
        using var src = new TempDir("rmote-ops-src-");
        using var dest = new TempDir("rmote-ops-dest-");
        Rig.Write(src, "app.sh", "echo running");
        Rig.Write(src, "lib/data.txt", "data");
        // failures below are deliberate: later steps must still run on the host
        await using var session = await FleetSession.ConnectAsync([HostSpec.Parse("local")], new FleetOptions { SkipFailedHostsInLaterSteps = false });
        var ops = new FleetOperations(session);

        var copy = await ops.CopyAsync(new CopyRequest
        {
            Source = CopySource.FromFolder(src), Options = new CopyOptions { DestinationFolder = dest.Path }, UseReleases = true, ReleaseId = "r1", KeepReleases = 2,
        });
        copy.EnsureSuccess();
        Assert.Equal(2, copy["local"].Value!.Copy.Copied);
        Assert.Equal("r1", copy["local"].Value!.Release!.Switched!.Current);
        Rig.Write(src, "app.sh", "echo running v2");
        (await ops.CopyAsync(new CopyRequest { Source = CopySource.FromFolder(src), Options = new CopyOptions { DestinationFolder = dest.Path }, UseReleases = true, ReleaseId = "r2" }))
            .EnsureSuccess();
        Assert.Equal("echo running v2", File.ReadAllText(Path.Combine(dest.Path, "current", "app.sh")));

        var lines = new ConcurrentQueue<HostOutputLine>();
        var run = await ops.ExecAsync(new ExecRequest
        {
            // ${HOME:+...}: a step's Environment adds to the host's environment (merged), it does not replace it.
            ShellCommand = "sh app.sh; echo \"token=$TOKEN ${HOME:+home kept}\"; echo oops >&2",
            WorkingDirectory = Path.Combine(dest.Path, "current"),
            Environment = new Dictionary<string, string> { ["TOKEN"] = "s3cr3t-value" },
            SecretEnvironmentNames = ["TOKEN"],
        }, lines.Enqueue);
        run.EnsureSuccess();
        Assert.Equal(["running v2", "token=*** home kept"], lines.Where(l => l.Stream == OutputStream.Stdout).Select(l => l.Text));
        Assert.Equal(["oops"], lines.Where(l => l.Stream == OutputStream.Stderr && l.Host == "local").Select(l => l.Text));
        Assert.DoesNotContain("s3cr3t", run["local"].Value!.Stdout);

        var failed = await ops.ExecAsync(new ExecRequest { Command = ["sh", "-c", "exit 3"] });
        var err = Assert.IsType<RemoteExitCodeException>(failed["local"].Error);
        Assert.Equal(3, err.ExitCode);
        var ignored = await ops.ExecAsync(new ExecRequest { Command = ["sh", "-c", "exit 3"], IgnoreExitCode = true });
        Assert.Equal(3, ignored["local"].Value!.ExitCode);

        var conf = Path.Combine(dest.Path, "app.conf");
        var tpl = await ops.RenderTemplateAsync(new TemplateRequest
        {
            Text = "name=${name} host=${rmote_host}\n", Variables = new Dictionary<string, object?> { ["name"] = "demo" }, Path = conf, Mode = "0640",
        });
        Assert.True(tpl.EnsureSuccess()["local"].Value!.Changed);
        Assert.Equal("name=demo host=local\n", File.ReadAllText(conf));

        var back = await ops.RollbackAsync(dest.Path);
        Assert.Equal("r1", back.EnsureSuccess()["local"].Value!.Current);
        var sw = await ops.SwitchReleaseAsync(new ReleaseSwitchRequest { BaseFolder = dest.Path, ReleaseId = "r2", Keep = 1 });
        Assert.Equal("r2", sw.EnsureSuccess()["local"].Value!.Current);
        Assert.False(Directory.Exists(Path.Combine(dest.Path, "releases", "r1")));

        var healthy = await ops.WaitForHealthyAsync(HealthCheckOptions.ForCommand("test", "-f", conf) with { Interval = TimeSpan.FromMilliseconds(100) });
        Assert.Equal(1, healthy.EnsureSuccess()["local"].Value!.Attempts);
        var sick = await ops.WaitForHealthyAsync(HealthCheckOptions.ForCommand("false") with { Interval = TimeSpan.FromMilliseconds(100), Timeout = TimeSpan.FromMilliseconds(400) });
        Assert.IsType<HealthCheckTimeoutException>(sick["local"].Error);
    }

    [Fact]
    public async Task Ssh_hosts_share_connections_and_one_unreachable_host_hides_nothing()
    {
        var opened = new ConcurrentDictionary<string, Task<Protocol>>();
        Task<Protocol> Connect(HostSpec s, CancellationToken ct) => opened.GetOrAdd(s.Label, _ => s.ConnectAsync(null, ct));
        var specs = rig.Hosts.Select(Rig.Spec).Append(Dead).ToList();
        var dest = rig.Hosts[0].RemoteSrv.TrimEnd('/') + "/ops-" + Guid.NewGuid().ToString("n")[..8];
        using var src = new TempDir("rmote-ops-src-");
        Rig.Write(src, "a.txt", "a");
        try
        {
            var ops1 = new FleetOperations(await FleetSession.ConnectAsync(specs, null, Connect));
            var copy = await ops1.CopyAsync(new CopyRequest { Source = CopySource.FromFolder(src), Options = new CopyOptions { DestinationFolder = dest }, Retries = 1 });
            Assert.Equal(3, copy.Successes.Count());
            Assert.Equal(HostStatus.Unreachable, copy["dead"].Status);

            // a second session over the same connector reuses every connection
            var ops2 = new FleetOperations(await FleetSession.ConnectAsync(specs, null, Connect));
            var lines = new ConcurrentQueue<HostOutputLine>();
            var run = await ops2.ExecAsync(new ExecRequest { Command = ["cat", dest + "/a.txt"] }, lines.Enqueue);
            Assert.Equal(3, run.Successes.Count());
            Assert.Equal(rig.Hosts.Select(h => h.Name).Order(), lines.Select(l => l.Host).Order());
            Assert.Equal(4, opened.Count);
            foreach (var h in rig.Hosts) Assert.Equal("a", File.ReadAllText(Path.Combine(h.SrvRoot, dest[(h.RemoteSrv.TrimEnd('/').Length + 1)..], "a.txt")));
        }
        finally
        {
            foreach (var t in opened.Values)
                if (t.IsCompletedSuccessfully) await (await t).DisposeAsync();
        }
    }
}
