using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Rmote.Deploy;
using Rmote.TestRig;

/// <summary>
/// The table's delta rows (--only delta): a changed file the host already has, to one host: Rmote's rolling delta, durable
/// (its default: the new file is fsynced before its rename) and not (<c>Durable = false</c>), next to rsync -a, rsync -a --fsync,
/// and both sharing their ssh connection (ControlMaster, as Rmote does across a build's tasks), interleaved in permuted
/// order, for 4 bytes changed and 1 MiB inserted in the middle of a 400 MiB file, and a self-contained single-file publish
/// rebuilt after a one-line code change. Like is compared with like: Rmote not durable with rsync -a, Rmote durable with
/// rsync -a --fsync; the row of durable Rmote against rsync -a stays, and shows what durability costs (on this VM's disk,
/// ~360 MB/s, writing a new 400 MiB file takes ~1.1 s, which rsync -a leaves to the kernel after it exits). Bytes on the
/// wire are counted the same way for all: ssh connects through a counting relay (<see cref="WireCounter"/>). Before each
/// run the host's file is reset to the old version.
/// </summary>
static class DeltaPhase
{
    const long Size = 400L * 1024 * 1024;

    public static async Task RunAsync(Bench bench, ResultTable table)
    {
        var h = bench.Hosts[0];
        using var relay = new WireCounter(h.Port);
        var knownHosts = bench.Combine("delta_known_hosts");
        File.WriteAllText(knownHosts, $"[{h.HostName}]:{relay.Port} {h.HostPublicKey}\n");
        var control = bench.Combine("cm-%C");
        // ssh keeps an option's first value: the ControlMaster ones go in front of the rig's ControlMaster=no
        string SshE(bool shared) => string.Join(' ', new[] { "ssh", "-i", h.IdentityFile, "-p", relay.Port.ToString(CultureInfo.InvariantCulture) }
            .Concat(shared ? ["-o", "ControlMaster=auto", "-o", "ControlPersist=60", "-o", "ControlPath=" + control] : [])
            .Concat(h.SshOptions).Select(o => o.Replace(h.KnownHostsFile, knownHosts, StringComparison.Ordinal)));
        var spec = bench.Spec(h) with { Port = relay.Port, KnownHostsFile = knownHosts };

        var rows = new List<string>();
        var randomOld = bench.Combine("delta-old.bin");
        foreach (var (what, make) in new (string, Func<Task<(string Old, string New)>>)[]
                 {
                     ("4 bytes changed, 400 MiB file", () => RandomPairAsync(bench, randomOld,
                         d => { d[d.Length / 2] ^= 0x5A; d[d.Length / 2 + 1] ^= 0x5A; d[d.Length / 2 + 2] ^= 1; d[d.Length / 2 + 3] ^= 1; return d; })),
                     ("1 MiB inserted mid, 400 MiB", () => RandomPairAsync(bench, randomOld,
                         d => { var x = new byte[1 << 20]; Random.Shared.NextBytes(x); return [.. d[..(d.Length / 2)], .. x, .. d[(d.Length / 2)..]]; })),
                     ("single-file publish, one line changed", () => PublishPairAsync(bench)),
                 })
        {
            var (old, now) = await make();
            var oldStamp = bench.NextStamp();
            File.SetLastWriteTimeUtc(old, oldStamp);
            File.SetLastWriteTimeUtc(now, bench.NextStamp());
            var wantHash = Hash(now);
            Func<Task<long>> Rmote(string dest, bool durable)
            {
                var copier = new Copier(CopySource.FromFiles([new CopyItem(now, "big.bin")]),
                    new CopyOptions { DestinationFolder = h.RemoteSrv.TrimEnd('/') + "/" + dest, Durable = durable });
                return async () =>
                {
                    await using var p = await spec.ConnectAsync();
                    return (await copier.CopyAsync(p)).BytesSent;
                };
            }
            // 0, 1: Rmote durable and not; 2-5: rsync. Rmote fsyncs the new file before its rename (Durable, the
            // default); rsync does with --fsync only
            var tools = new (string Name, string Dest, Func<Task<long>> Run)[]
            {
                ("rmote", "d-rmote", Rmote("d-rmote", durable: true)),
                ("rmote, Durable=false", "d-rmotend", Rmote("d-rmotend", durable: false)),
                ("rsync -a", "d-rsync", () => RsyncAsync(SshE(shared: false), now, h, "d-rsync")),
                ("rsync -a --fsync", "d-rsyncf", () => RsyncAsync(SshE(shared: false), now, h, "d-rsyncf", "--fsync")),
                ("rsync -a, ControlMaster", "d-rsynccm", () => RsyncAsync(SshE(shared: true), now, h, "d-rsynccm")),
                ("rsync -a --fsync, ControlMaster", "d-rsyncfs", () => RsyncAsync(SshE(shared: true), now, h, "d-rsyncfs", "--fsync")),
            };
            var times = tools.Select(_ => new List<double>()).ToArray();
            var wire = tools.Select(_ => new List<long>()).ToArray();
            var own = tools.Select(_ => new List<long>()).ToArray();
            var cpu = tools.Select(_ => new List<(double Self, double Children, double Host)>()).ToArray();
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
                    var (self0, local0, host0) = (ProcStats.Own().Self, bench.Cpu.Local(), bench.Cpu.Host(h));
                    var sw = Stopwatch.StartNew();
                    own[k].Add(await tool.Run());
                    var s = sw.Elapsed.TotalSeconds;
                    await Task.Delay(200);   // the ssh sessions end (without cgroups only reaped processes are counted)
                    cpu[k].Add((ProcStats.Own().Self - self0, bench.Cpu.Local() - local0, bench.Cpu.Host(h) - host0));
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
                    $"{(k == 0 ? "1.00" : (rmWire / wk).ToString("0.00", CultureInfo.InvariantCulture))}x | {Rounds.Median(own[k].Select(x => (double)x)) / 1024:0} KiB | " +
                    $"{Rounds.Median(cpu[k].Select(c => c.Self)):0} / {Rounds.Median(cpu[k].Select(c => c.Children)):0} / {Rounds.Median(cpu[k].Select(c => c.Host)):0} |"));
            }
            // The goal rows: wire bytes at most rsync -a's; time at most rsync's, like with like on durability (Rmote not
            // durable against rsync -a, durable against rsync -a --fsync), and durable Rmote against rsync -a as well
            double W(int k) => Rounds.Median(wire[k].Select(x => (double)x)) / 1024;
            double T(int k) => Rounds.Median(times[k]);
            table.Add([$"delta, {what}: wire KiB", W(0).ToString("0", CultureInfo.InvariantCulture), tools[2].Name, W(2).ToString("0", CultureInfo.InvariantCulture),
                (W(0) / W(2)).ToString("0.00x", CultureInfo.InvariantCulture), "<= 1.00x"]);
            table.Row($"delta, {what}, Durable=false (s)", T(1), T(2), tools[2].Name, "<= 1.00x");
            table.Row($"delta, {what}, durable (s)", T(0), T(3), tools[3].Name, "<= 1.00x");
            table.Row($"delta, {what}, durable (s)", T(0), T(2), tools[2].Name, "<= 1.00x");
            table.Row($"delta, {what}, Durable=false (s)", T(1), T(4), tools[4].Name, "(info)");
            table.Row($"delta, {what}, durable (s)", T(0), T(5), tools[5].Name, "(info)");
            File.Delete(now);
            if (old != randomOld) File.Delete(old);
        }
        Console.WriteLine($"Delta copy, 1 host, medians of {bench.Options.Rounds} interleaved rounds; wire: both directions through a counting relay; " +
            "own count: Rmote's BytesSent (literal bytes), rsync's --stats \"Total bytes sent\"; ratios: Rmote / that tool; " +
            "CPU ms: this process (Rmote's controller) / the local processes it started (ssh clients and masters; rsync and its ssh) / "
            + "the host's sshd and all under it (sshd, python or rsync; live ControlMaster sessions too)");
        Console.WriteLine("| change | tool | time | rmote / tool | wire | rmote / tool | own count | CPU ms: self / local children / host |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var r in rows) Console.WriteLine(r);
        File.Delete(randomOld);
    }

    static async Task<long> RsyncAsync(string sshE, string file, Rmote.TestRig.SshHost h, string dest, params string[] extra)
    {
        var run = await ProcessRunner.RunAsync("rsync", ["-a", "--stats", .. extra, "-e", sshE, file, $"{h.UserAtHost}:{h.RemoteSrv.TrimEnd('/')}/{dest}/big.bin"]);
        run.EnsureSuccess();
        var m = Regex.Match(run.StdOut, @"Total bytes sent: ([\d,.]+)");
        return m.Success ? long.Parse(m.Groups[1].Value.Replace(",", "", StringComparison.Ordinal).Replace(".", "", StringComparison.Ordinal), CultureInfo.InvariantCulture) : -1;
    }

    /// <summary>The shared random 400 MiB old version (written once), and a new one made from it by <paramref name="change"/>.</summary>
    static async Task<(string Old, string New)> RandomPairAsync(Bench bench, string old, Func<byte[], byte[]> change)
    {
        if (!File.Exists(old)) await WriteRandomAsync(old);
        var now = bench.Combine("delta-new.bin");
        await File.WriteAllBytesAsync(now, change(await File.ReadAllBytesAsync(old)));
        return (old, now);
    }

    /// <summary>
    /// A self-contained single-file publish of a tiny console app generated in the scratch folder, then the same
    /// publish after a one-line code change: the SDK picks the runtime packs (restored through NuGet's own cache).
    /// </summary>
    static async Task<(string Old, string New)> PublishPairAsync(Bench bench)
    {
        var app = bench.Combine("delta-app");
        Directory.CreateDirectory(app);
        await File.WriteAllTextAsync(Path.Combine(app, "app.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
              </PropertyGroup>
            </Project>
            """);
        async Task<string> PublishAsync(string line, string output)
        {
            await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), $"System.Console.WriteLine(\"{line}\");\n");
            var run = await ProcessRunner.RunAsync("dotnet", ["publish", "-c", "Release", "-r", "linux-x64", "--self-contained",
                "-p:PublishSingleFile=true", "-o", Path.Combine(app, output)], cwd: app, timeout: TimeSpan.FromMinutes(10));
            run.EnsureSuccess();
            return Path.Combine(app, output, "app");
        }
        return (await PublishAsync("hello, world", "old"), await PublishAsync("hello, delta", "new"));
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
