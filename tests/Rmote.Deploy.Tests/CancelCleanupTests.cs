using Rmote.Fleet;
using Xunit.Abstractions;
using Rmote.TestRig;

namespace Rmote.Deploy.Tests;

/// <summary>Issue 16 case 11: a cancelled copy removes the temp files of the files in flight and says so once per host.</summary>
[Collection("ssh")]
public sealed class CancelCleanupTests(SshFleetFixture rig, ITestOutputHelper output)
{
    [Fact]
    public async Task Cancelled_fleet_copy_removes_the_temp_files_in_flight_and_says_so_once_per_host()
    {
        var hosts = rig.Hosts.Take(2).ToList();
        var name = "cancel-" + Guid.NewGuid().ToString("n")[..8];
        var remote = hosts[0].RemoteSrv.TrimEnd('/') + "/" + name;
        var old = Rig.Random(64 * 1024, 7);
        foreach (var h in hosts) Rig.WriteBytes(Path.Combine(h.SrvRoot, name), "big.bin", old);  // the version a host serves now
        var log = new CapturingLogger();
        await using var session = await FleetSession.ConnectAsync(hosts.Select(Rig.Spec), new FleetOptions { Logger = log });
        using var cts = new CancellationTokenSource();
        var progressed = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>();
        var tempsSeen = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        // Cancel once every host acknowledged bytes: the temp files exist and grow (an event, not a sleep).
        var progress = new SyncProgress<CopyProgress>(p =>
        {
            if (p.BytesSent == 0 || !progressed.TryAdd(p.Host, true)) return;
            tempsSeen[p.Host] = Rig.Temps(Path.Combine(hosts.Single(h => h.Name == p.Host).SrvRoot, name)).Length;
            if (progressed.Count == hosts.Count) cts.Cancel();
        });
        var ops = new FleetOperations(session);
        var request = new CopyRequest
        {
            Source = CopySource.FromFolder(RandomFiles.LargeFolder),
            Options = new CopyOptions { DestinationFolder = remote, Progress = progress },
        };

        var started = DateTime.UtcNow;
        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ops.CopyAsync(request, cts.Token));
        var took = DateTime.UtcNow - started;
        output.WriteLine($"{took.TotalSeconds:0.0} s, {e.GetType().Name}: {e.Message}");

        Assert.Equal(hosts.Count, progressed.Count);
        foreach (var h in hosts)
        {
            Assert.True(tempsSeen[h.Name] > 0, $"{h.Name}: no temp file while the copy was in flight (the test would prove nothing)");
            var local = Path.Combine(h.SrvRoot, name);
            Assert.Empty(Rig.Temps(local));  // gone before the connection closes: the session is still open here
            Assert.Equal(old, File.ReadAllBytes(Path.Combine(local, "big.bin")));
            // Both files, or one: a host may finish a file before every host has acknowledged bytes (the cancel's event).
            Assert.Single(e.Message.Split('\n'), l => l.StartsWith($"[{h.Name}] copy cancelled: 2 files in flight, their temp files removed", StringComparison.Ordinal)
                || l.StartsWith($"[{h.Name}] copy cancelled: 1 file in flight, its temp file removed", StringComparison.Ordinal));
        }
        Assert.DoesNotContain(log.Entries, x => x.Level >= Microsoft.Extensions.Logging.LogLevel.Warning);
        Assert.True(session.Hosts.All(h => h.IsConnected), "a cancelled copy keeps the connections (the next step may run)");
    }

    [Fact]
    public async Task A_cut_connection_leaves_no_temp_file_once_the_host_interpreter_exits()
    {
        var h = rig.Hosts[0];
        var (remote, local) = Rig.Dest(h, "cut");
        var old = Rig.Random(64 * 1024, 8);
        Rig.WriteBytes(local, "big.bin", old);
        // No shared connection: the ssh client killed here is the whole connection, as when a CI agent dies.
        var before = SshClients(h);
        await using var p = await (Rig.Spec(h) with { ConnectionPersist = TimeSpan.Zero }).ConnectAsync();
        var remotePid = p.Info.Pid;
        var sshPid = SshClients(h).Except(before).Single();
        var killed = 0;
        var tempsAtKill = 0;
        var progress = new SyncProgress<CopyProgress>(pr =>
        {
            if (pr.BytesSent == 0 || Interlocked.Exchange(ref killed, 1) != 0) return;
            tempsAtKill = Rig.Temps(local).Length;
            ProcessTree.Signal(sshPid, ProcessTree.SIGKILL);
        });
        var copy = Copier.CopyAsync(p, CopySource.FromFolder(RandomFiles.LargeFolder), new CopyOptions { DestinationFolder = remote, Progress = progress });
        var e = await Assert.ThrowsAnyAsync<IOException>(() => copy);
        output.WriteLine($"{e.GetType().Name}: {e.Message}");

        Assert.Equal(1, killed);
        Assert.True(tempsAtKill > 0, "no temp file on the host when the connection was cut (the test would prove nothing)");
        Assert.True(await ProcessTree.WaitForExitAsync(remotePid, TimeSpan.FromSeconds(60)), "the host's interpreter outlived its cut connection by 60 s");
        Assert.Empty(Rig.Temps(local));
        Assert.Equal(old, File.ReadAllBytes(Path.Combine(local, "big.bin")));
    }

    static List<int> SshClients(SshHost h) =>
        ProcessTree.GetChildren(Environment.ProcessId)
            .Where(pid => ProcessTree.GetCommandLine(pid) is { } cmd && cmd.StartsWith("ssh", StringComparison.Ordinal) && cmd.Contains(h.Port.ToString()))
            .ToList();
}
