using System.Diagnostics;

/// <summary>
/// --only pipeline: A/B of the fan-out shape for a no-change redeploy: connect all, then copy on all, then close all
/// (a session), against each host connecting, copying and closing on its own; rsync alongside.
/// </summary>
static class PipelineMode
{
    public static async Task RunAsync(Bench bench)
    {
        async Task<double> PerHost()
        {
            await Bench.Settle();
            var sw = Stopwatch.StartNew();
            await Task.WhenAll(bench.Hosts.Select(async h =>
            {
                await using var p = await bench.Spec(h).ConnectAsync();
                await bench.Copier.CopyAsync(p);
            }));
            return sw.Elapsed.TotalSeconds;
        }
        await bench.RmoteDeployAsync(); await Peers.Rsync(bench, "b-rsync");
        for (var i = 0; i < 24; i++) { await bench.RmoteDeployAsync(); await PerHost(); }
        var (se, ph, rs) = (new List<double>(), new List<double>(), new List<double>());
        for (var i = 0; i < bench.Options.Rounds; i++)
        {
            var t = await Rounds.Rotated(i, bench.RmoteDeployAsync, PerHost, () => Peers.Rsync(bench, "b-rsync"));
            se.Add(t[0]); ph.Add(t[1]); rs.Add(t[2]);
        }
        var (mse, mph, mrs) = (Rounds.Median(se), Rounds.Median(ph), Rounds.Median(rs));
        Console.WriteLine($"no-change redeploy medians: session {mse:0.000} s ({mse / mrs:0.00}x), per host {mph:0.000} s ({mph / mrs:0.00}x), rsync {mrs:0.000} s");
    }
}
