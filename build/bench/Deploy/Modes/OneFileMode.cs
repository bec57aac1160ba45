using System.Diagnostics;
using Rmote.Deploy;
using Rmote.TestRig;

/// <summary>
/// --only onefile: one host, one changed 800 KB file, a fresh connection per copy: the copy's phases next to rsync and
/// `ssh true` (where a small redeploy's time goes; the no-change copy is the same file again, on a fresh connection too).
/// </summary>
static class OneFileMode
{
    public static async Task RunAsync(Bench bench)
    {
        var h = bench.Hosts[0];
        var f = bench.Combine("one.bin");
        var bytes = new byte[800_000];
        Random.Shared.NextBytes(bytes);
        var cp = new Copier(CopySource.FromFiles([new CopyItem(f, "one.bin")]), new CopyOptions { DestinationFolder = "/srv/b-one" });
        void Change() { bytes[^1] ^= 0x5a; File.WriteAllBytes(f, bytes); File.SetLastWriteTimeUtc(f, bench.NextStamp()); }
        Task<ProcessResult> RsyncOne() => ProcessRunner.RunAsync("rsync", ["-a", "-e", Peers.SshE(h), f, $"{h.UserAtHost}:/srv/b-one-rsync.bin"]);
        Change();
        await using (var p0 = await bench.Spec(h).ConnectAsync()) await cp.CopyAsync(p0);
        (await RsyncOne()).EnsureSuccess();
        var (connect, copy, dispose, again, rsync, ssh) = (new List<double>(), new List<double>(), new List<double>(), new List<double>(), new List<double>(), new List<double>());
        for (var i = 0; i < 20; i++)
        {
            await Bench.Settle();
            Change();
            var sw = Stopwatch.StartNew();
            var p1 = await bench.Spec(h).ConnectAsync();
            connect.Add(sw.Elapsed.TotalMilliseconds);
            await cp.CopyAsync(p1);
            copy.Add(sw.Elapsed.TotalMilliseconds - connect[^1]);
            await p1.DisposeAsync();
            dispose.Add(sw.Elapsed.TotalMilliseconds - connect[^1] - copy[^1]);
            await using (var p2 = await bench.Spec(h).ConnectAsync())
            {
                sw.Restart();
                await cp.CopyAsync(p2);
                again.Add(sw.Elapsed.TotalMilliseconds);
            }
            await Bench.Settle();
            sw.Restart();
            (await RsyncOne()).EnsureSuccess();
            rsync.Add(sw.Elapsed.TotalMilliseconds);
            sw.Restart();
            (await ProcessRunner.RunAsync("ssh", h.SshArgs("true"))).EnsureSuccess();
            ssh.Add(sw.Elapsed.TotalMilliseconds);
        }
        Console.WriteLine($"rmote, fresh connection (ms): connect {Rounds.Median(connect):0}, one-changed copy {Rounds.Median(copy):0}, dispose {Rounds.Median(dispose):0}, " +
            $"all {Rounds.Median(connect.Select((x, i) => x + copy[i] + dispose[i])):0}; no-change copy {Rounds.Median(again):0}");
        Console.WriteLine($"rsync one-changed {Rounds.Median(rsync):0} ms; ssh true {Rounds.Median(ssh):0} ms");
    }
}
