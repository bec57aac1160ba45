using System.Diagnostics;
using Rmote.Fleet;
using Rmote.TestRig;

/// <summary>--only connect: a session's connect, run and dispose times next to 4x `ssh true`.</summary>
static class ConnectMode
{
    public static async Task RunAsync(Bench bench)
    {
        for (var i = 0; i < 3; i++)
        {
            var sw0 = Stopwatch.StartNew();
            var s0 = await FleetSession.ConnectAsync(bench.Hosts.Select(h => bench.Spec(h)));
            var tc = sw0.Elapsed.TotalSeconds;
            await s0.RunAsync((p, ct) => Task.FromResult(1));
            var tr = sw0.Elapsed.TotalSeconds;
            await s0.DisposeAsync();
            Console.WriteLine($"connect {tc:0.00}s ({string.Join(", ", s0.Connects.Select(c => c.Duration.TotalSeconds.ToString("0.00")))}), "
                + $"run {tr - tc:0.00}s, dispose {sw0.Elapsed.TotalSeconds - tr:0.00}s");
            var sw1 = Stopwatch.StartNew();
            await Task.WhenAll(bench.Hosts.Select(h => ProcessRunner.RunAsync("ssh", h.SshArgs("true"))));
            Console.WriteLine($"4x ssh true {sw1.Elapsed.TotalSeconds:0.00}s");
        }
    }
}
