using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Rmote.Deploy;
using Rmote.TestRig;

/// <summary>
/// --only delta: a changed 400 MiB file the host already has, to one host: Rmote's rolling delta next to rsync -a and
/// rsync -a sharing its ssh connection (ControlMaster, as Rmote does), interleaved in rotated order, for 4 bytes changed
/// and 1 MiB inserted in the middle. Bytes on the wire are counted the same way for all three: ssh connects through a
/// counting relay (<see cref="WireCounter"/>). Before each run the host's file is reset to the old version.
/// </summary>
static class DeltaMode
{
    const long Size = 400L * 1024 * 1024;

    public static async Task RunAsync(Bench bench)
    {
        var h = bench.Hosts[0];
        using var relay = new WireCounter(h.Port);
        var knownHosts = bench.Combine("delta_known_hosts");
        File.WriteAllText(knownHosts, $"[{h.HostName}]:{relay.Port} {h.HostPublicKey}\n");
        var old = bench.Combine("delta-old.bin");
        await WriteRandomAsync(old);
        var oldStamp = bench.NextStamp();
        File.SetLastWriteTimeUtc(old, oldStamp);
        var control = bench.Combine("cm-%C");
        // ssh keeps an option's first value: the ControlMaster ones go in front of the rig's ControlMaster=no
        string SshE(bool shared) => string.Join(' ', new[] { "ssh", "-i", h.IdentityFile, "-p", relay.Port.ToString(CultureInfo.InvariantCulture) }
            .Concat(shared ? ["-o", "ControlMaster=auto", "-o", "ControlPersist=60", "-o", "ControlPath=" + control] : [])
            .Concat(h.SshOptions).Select(o => o.Replace(h.KnownHostsFile, knownHosts, StringComparison.Ordinal)));
        var spec = bench.Spec(h) with { Port = relay.Port, KnownHostsFile = knownHosts };
        var durable = Environment.GetEnvironmentVariable("BENCH_DURABLE") != "0";

        var rows = new List<string>();
        foreach (var (what, change) in new (string, Func<byte[], byte[]>)[]
                 {
                     ("4 bytes changed, 400 MiB file", d => { d[d.Length / 2] ^= 0x5A; d[d.Length / 2 + 1] ^= 0x5A; d[d.Length / 2 + 2] ^= 1; d[d.Length / 2 + 3] ^= 1; return d; }),
                     ("1 MiB inserted mid, 400 MiB", d => { var x = new byte[1 << 20]; Random.Shared.NextBytes(x); return [.. d[..(d.Length / 2)], .. x, .. d[(d.Length / 2)..]]; }),
                 })
        {
            var now = bench.Combine("delta-new.bin");
            await File.WriteAllBytesAsync(now, change(await File.ReadAllBytesAsync(old)));
            File.SetLastWriteTimeUtc(now, bench.NextStamp());
            var wantHash = Hash(now);
            var copier = new Copier(CopySource.FromFiles([new CopyItem(now, "big.bin")]),
                new CopyOptions { DestinationFolder = h.RemoteSrv.TrimEnd('/') + "/d-rmote", Durable = durable });
            var tools = new (string Name, string Dest, Func<Task<long>> Run)[]
            {
                ("rmote", "d-rmote", async () =>
                {
                    await using var p = await spec.ConnectAsync();
                    return (await copier.CopyAsync(p)).BytesSent;
                }),
                ("rsync -a", "d-rsync", () => RsyncAsync(SshE(shared: false), now, h, "d-rsync")),
                ("rsync -a, ControlMaster", "d-rsynccm", () => RsyncAsync(SshE(shared: true), now, h, "d-rsynccm")),
            };
            var times = tools.Select(_ => new List<double>()).ToArray();
            var wire = tools.Select(_ => new List<long>()).ToArray();
            var own = tools.Select(_ => new List<long>()).ToArray();
            for (var round = 0; round < bench.Options.Rounds; round++)
            {
                var t = await Rounds.Rotated(round, [.. tools.Select((tool, k) => (Func<Task<double>>)(async () =>
                {
                    var dest = Path.Combine(h.SrvRoot, tool.Dest, "big.bin");
                    Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
                    File.Copy(old, dest, overwrite: true);
                    File.SetLastWriteTimeUtc(dest, oldStamp);
                    await Bench.Settle();
                    relay.Reset();
                    var sw = Stopwatch.StartNew();
                    own[k].Add(await tool.Run());
                    var s = sw.Elapsed.TotalSeconds;
                    var (up, down) = relay.Counted;
                    wire[k].Add(up + down);
                    if (round == 0 && Hash(dest) != wantHash) throw new InvalidOperationException($"{tool.Name}: the host's file differs after the copy");
                    return s;
                }))]);
                for (var k = 0; k < tools.Length; k++) times[k].Add(t[k]);
                Console.WriteLine($"  {what}, round {round + 1}: " + string.Join(", ", tools.Select((x, k) => $"{x.Name} {t[k]:0.00} s {wire[k][^1] / 1024.0:0} KiB")));
            }
            var rm = Rounds.Median(times[0]);
            var rmWire = Rounds.Median(wire[0].Select(x => (double)x));
            for (var k = 0; k < tools.Length; k++)
            {
                var tk = Rounds.Median(times[k]);
                var wk = Rounds.Median(wire[k].Select(x => (double)x));
                rows.Add(string.Create(CultureInfo.InvariantCulture,
                    $"| {what} | {tools[k].Name} | {tk:0.00} s | {(k == 0 ? "1.00" : (rm / tk).ToString("0.00", CultureInfo.InvariantCulture))}x | {wk / 1024:0} KiB | " +
                    $"{(k == 0 ? "1.00" : (rmWire / wk).ToString("0.00", CultureInfo.InvariantCulture))}x | {Rounds.Median(own[k].Select(x => (double)x)) / 1024:0} KiB |"));
            }
            File.Delete(now);
        }
        Console.WriteLine($"Delta copy, 1 host, medians of {bench.Options.Rounds} interleaved rounds (Durable={durable}); wire: both directions through a counting relay; " +
            "own count: Rmote's BytesSent (literal bytes), rsync's --stats \"Total bytes sent\"; ratios: Rmote / that tool");
        Console.WriteLine("| change | tool | time | rmote / tool | wire | rmote / tool | own count |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var r in rows) Console.WriteLine(r);
        File.Delete(old);
    }

    static async Task<long> RsyncAsync(string sshE, string file, Rmote.TestRig.SshHost h, string dest)
    {
        var run = await ProcessRunner.RunAsync("rsync", ["-a", "--stats", "-e", sshE, file, $"{h.UserAtHost}:{h.RemoteSrv.TrimEnd('/')}/{dest}/big.bin"]);
        run.EnsureSuccess();
        var m = Regex.Match(run.StdOut, @"Total bytes sent: ([\d,.]+)");
        return m.Success ? long.Parse(m.Groups[1].Value.Replace(",", "", StringComparison.Ordinal).Replace(".", "", StringComparison.Ordinal), CultureInfo.InvariantCulture) : -1;
    }

    static async Task WriteRandomAsync(string path)
    {
        await using var fs = File.Create(path);
        var block = new byte[1 << 20];
        for (long i = 0; i < Size; i += block.Length) { Random.Shared.NextBytes(block); fs.Write(block); }
    }

    static string Hash(string path)
    {
        using var f = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(f));
    }
}
