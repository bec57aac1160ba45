using System.Diagnostics;
using System.Globalization;
using Rmote.Deploy;

/// <summary>The table's 1 GiB rows: one big file to one host, rmote (new and open connection) against `ssh 'cat > f'`.</summary>
static class BigFilePhase
{
    public static async Task RunAsync(Bench bench, ResultTable table)
    {
        var big = bench.Combine("big.bin");
        await BigFile.CreateAsync(big);
        var h = bench.Hosts[0];
        var bigOptions = new CopyOptions { DestinationFolder = "/srv/b-big" };
        if (Environment.GetEnvironmentVariable("BENCH_CHUNK") is { } chunk) bigOptions = bigOptions with { ChunkSize = int.Parse(chunk, CultureInfo.InvariantCulture) };
        var bigCopier = new Copier(CopySource.FromFiles([new CopyItem(big, "big.bin")]), bigOptions);
        var rm = new List<double>(); var raw = new List<double>(); var rmOpen = new List<double>();
        await using var one1 = await bench.Spec(h).ConnectAsync();
        for (var i = 0; i < bench.Options.Rounds; i++)
        {
            var t = await Rounds.Rotated(i,
                async () =>
                {
                    Bench.Rm(Path.Combine(h.SrvRoot, "b-big"));
                    await Bench.Settle();
                    var sw = Stopwatch.StartNew();
                    await using (var p = await bench.Spec(h).ConnectAsync()) await bigCopier.CopyAsync(p);
                    return sw.Elapsed.TotalSeconds;
                },
                async () =>
                {
                    Bench.Rm(Path.Combine(h.SrvRoot, "b-big"));
                    await Bench.Settle();
                    var sw = Stopwatch.StartNew();
                    await bigCopier.CopyAsync(one1);
                    return sw.Elapsed.TotalSeconds;
                },
                async () =>
                {
                    File.Delete(Path.Combine(h.SrvRoot, "big.raw"));
                    await Bench.Settle();
                    var sw = Stopwatch.StartNew();
                    using (var proc = Peers.StartSshCat(h, big)) { await proc.WaitForExitAsync(); if (proc.ExitCode != 0) throw new InvalidOperationException("ssh cat failed"); }
                    return sw.Elapsed.TotalSeconds;
                });
            rm.Add(t[0]); rmOpen.Add(t[1]); raw.Add(t[2]);
            Console.WriteLine($"  1 GiB round {i + 1}: rmote {BigFile.MiB / rm[^1]:0} MiB/s (open connection {BigFile.MiB / rmOpen[^1]:0} MiB/s), ssh cat {BigFile.MiB / raw[^1]:0} MiB/s");
        }
        if (!File.ReadAllBytes(big).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(h.SrvRoot, "b-big/big.bin"))))
            throw new InvalidOperationException("1 GiB copy differs");
        ThroughputRow(table, "1 GiB file, 1 host (MiB/s)", Rounds.Median(rm), Rounds.Median(raw), ">= 0.80x");
        ThroughputRow(table, "1 GiB, connection open (MiB/s)", Rounds.Median(rmOpen), Rounds.Median(raw), "(info)");
        File.Delete(big);
    }

    static void ThroughputRow(ResultTable table, string what, double rmote, double raw, string target) =>
        table.Add([what, (BigFile.MiB / rmote).ToString("0", CultureInfo.InvariantCulture), "ssh 'cat > f'",
            (BigFile.MiB / raw).ToString("0", CultureInfo.InvariantCulture), (raw / rmote).ToString("0.00x", CultureInfo.InvariantCulture) + " thr", target]);
}
