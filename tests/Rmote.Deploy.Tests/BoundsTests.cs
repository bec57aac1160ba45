using System.Security.Cryptography;
using Rmote.Fleet;
using Rmote.TestRig;
using Rmote.Tools;
using Xunit.Abstractions;

namespace Rmote.Deploy.Tests;

/// <summary>Issue 16 case 7: every step has a bound after connect; one frozen or slow host fails alone, the others are reported.</summary>
[Collection("ssh")]
public sealed class BoundsTests(SshFleetFixture rig, ITestOutputHelper output)
{
    /// <summary>Reports progress on the thread that makes it (Progress&lt;T&gt; would post it later).</summary>
    sealed class Callback<T>(Action<T> action) : IProgress<T>
    {
        public void Report(T value) => action(value);
    }

    [Theory]
    [InlineData(false)]  // each interpreter in an SSH session of its own, behind an ssh client
    [InlineData(true)]   // runtimes kept on the hosts, reached through the masters' forwarded sockets
    public async Task A_host_whose_interpreter_is_stopped_mid_copy_fails_alone_with_no_progress_and_the_others_are_reported(bool kept)
    {
        using var src = new TempDir("rmote-src-");
        var data = Rig.Random(48 << 20, 7);   // 12 chunks of 4 MiB: most are still in flight when the host freezes
        Rig.WriteBytes(src, "big.bin", data);
        var dest = "/srv/frozen-" + Guid.NewGuid().ToString("n")[..8];
        var bound = TimeSpan.FromSeconds(6);   // well above the healthy hosts' gaps between acknowledgements on a loaded 2-core machine
        var specs = rig.Hosts.Select(h => Rig.Spec(h) with { KeepRuntime = kept }).ToList();
        if (kept) await (await FleetSession.ConnectAsync(specs, new FleetOptions())).DisposeAsync();  // starts the keepers
        await using var session = await FleetSession.ConnectAsync(specs, new FleetOptions { NoProgressTimeout = bound });
        Assert.True(session.Connects.AllSucceeded, session.Connects.ToTable());
        var frozen = rig.Hosts[1];
        var pid = session.Hosts[1].Protocol!.Info.Pid;   // the host's python3 (same pid namespace as the test)
        Assert.Equal(kept, !frozen.SessionPids().Contains(pid));
        // The controller's transport processes for the frozen host: they must be killed once it is cut off (a kept
        // runtime's transport is a socket of this process, closed then).
        var transports = ProcessTree.GetDescendants(Environment.ProcessId)
            .Where(p => ProcessTree.GetCommandLine(p) is { } c && c.Contains("ssh") && c.Contains(frozen.Port.ToString())).ToList();
        Assert.Equal(kept, transports.Count == 0);
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var progress = new Callback<CopyProgress>(p =>
        {
            // Frozen after its first acknowledged chunk: the rest of the file is in flight or still to send.
            if (p.Host == frozen.Name && p.BytesSent > 0 && !stopped.Task.IsCompleted && ProcessTree.Signal(pid, ProcessTree.SIGSTOP))
                stopped.TrySetResult();
        });
        try
        {
            var copier = new Copier(CopySource.FromFolder(src), new CopyOptions { DestinationFolder = dest, Progress = progress });
            // Before the bound existed this never returned: the sanity deadline fails the test instead of hanging it.
            // The bound itself is the product's reported reason below ("no progress for 6 s"), not a wall clock.
            var result = await copier.CopyAsync(session).WaitAsync(TimeSpan.FromSeconds(180));
            Assert.True(stopped.Task.IsCompleted, "the host was never stopped mid-copy");

            var failed = result[frozen.Name];
            Assert.Equal(HostStatus.Failed, failed.Status);
            var error = Assert.IsType<RemoteStalledException>(failed.Error);
            Assert.Contains($"[{frozen.Name}] no progress for 6 s", error.Message);
            Assert.Contains("write_chunk", error.Message);          // what was in flight
            Assert.Contains("NoProgressTimeout", error.Message);    // the fix
            output.WriteLine($"frozen host: {error.Message}\n{result.ToTable()}");

            // Every other host's result is reported, and their copies are whole.
            var hash = SHA256.HashData(data);
            foreach (var h in rig.Hosts.Where(h => h != frozen))
            {
                Assert.Equal(HostStatus.Succeeded, result[h.Name].Status);
                Assert.Equal(hash, SHA256.HashData(File.ReadAllBytes(Path.Combine(h.SrvRoot, dest[5..], "big.bin"))));
            }
            Assert.Contains("2 succeeded, 1 failed", result.ToTable());

            // The frozen connection was cut off: its transport is killed and reaped now, not at dispose.
            Assert.False(session.Hosts[1].IsConnected);
            foreach (var t in transports)
                Assert.True(await ProcessTree.WaitForExitAsync(t, TimeSpan.FromSeconds(60)), $"transport {t} of the frozen host still runs after 60 s");
            // ...and the interpreter, once it runs again, finds its input closed and exits: nothing is left on the host.
            ProcessTree.Signal(pid, ProcessTree.SIGCONT);
            Assert.True(await ProcessTree.WaitForExitAsync(pid, TimeSpan.FromSeconds(60)), "the frozen interpreter stayed on the host (60 s)");
        }
        finally
        {
            if (ProcessTree.IsAlive(pid)) ProcessTree.Signal(pid, ProcessTree.SIGKILL);
        }
    }

    [Fact]
    public async Task A_step_timeout_from_the_session_or_the_host_spec_fails_only_the_slow_hosts_within_the_bound()
    {
        // host1: the session's 1.5 s; host2: its own 60 s (the spec wins); host3: its own 1.5 s via HostSpec.Timeout.
        var specs = rig.Hosts.Select(Rig.Spec).ToList();
        specs[1] = specs[1] with { Timeout = TimeSpan.FromSeconds(60) };
        specs[2] = specs[2] with { Timeout = TimeSpan.FromSeconds(1.5) };
        await using var session = await FleetSession.ConnectAsync(specs, new FleetOptions { Timeout = TimeSpan.FromSeconds(1.5) });
        // The slow hosts sleep far longer than the sanity deadline: only the product's own bound can end them in time,
        // and its reason names the bound that fired (the session's and the spec's 1.5 s, not host2's 60 s).
        var result = await session.RunAsync((p, ct) => p.CallAsync(Diag.Sleep, p.Name == rig.Hosts[1].Name ? 2.5 : 600.0, ct))
            .WaitAsync(TimeSpan.FromSeconds(120));
        foreach (var slow in new[] { rig.Hosts[0], rig.Hosts[2] })
        {
            var r = result[slow.Name];
            Assert.Equal(HostStatus.Failed, r.Status);
            Assert.IsAssignableFrom<TimeoutException>(r.Error);
            Assert.Contains($"[{slow.Name}]", r.Reason);
            // host3's 1.5 s is both its step limit and its connection's call timeout (HostSpec.Timeout is both): either
            // may fire first, and each names the 1.5 s (and the setting). Never host2's 60 s.
            Assert.Matches(@"did not finish within its time limit of 1\.5 s \((Timeout|ProtocolOptions\.CallTimeout)\)", r.Reason);
            output.WriteLine(r.Reason);
        }
        Assert.Equal(HostStatus.Succeeded, result[rig.Hosts[1].Name].Status);
        // The remote sleeps were cancelled, not the connections: the hosts answer at once.
        foreach (var h in session.Hosts) Assert.Equal("pong", await h.Protocol!.CallAsync(Diag.Ping).WaitAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task A_host_spec_timeout_is_the_call_timeout_of_the_connection_it_opens()
    {
        await using var p = await (Rig.Spec(rig.Hosts[0]) with { Timeout = TimeSpan.FromSeconds(1) }).ConnectAsync();
        // The remote sleep outlasts the sanity deadline; the product's reason (not WaitAsync's) names the spec's 1 s.
        var error = await Assert.ThrowsAsync<TimeoutException>(() => p.CallAsync(Diag.Sleep, 600.0).WaitAsync(TimeSpan.FromSeconds(120)));
        Assert.Contains("Diag.sleep did not finish within its time limit of 1 s (Timeout); the remote call was cancelled.", error.Message);
        Assert.Equal("pong", await p.CallAsync(Diag.Ping));
    }
}
