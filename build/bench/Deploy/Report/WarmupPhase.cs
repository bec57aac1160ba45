/// <summary>Untimed rmote deploys before the timed ones.</summary>
static class WarmupPhase
{
    /// <summary>The target of the rows timed in this warmed-up process: information only; the goals are on the
    /// front-end rows (fresh processes, as users run them: <see cref="FrontendPhase"/>).</summary>
    public const string Info = "(info: warm engine)";

    // The controller is a long-lived .NET process whose JIT recompiles hot code (tiered PGO) during its first few
    // dozen deploys; the timed runs measure the steady state, as rsync is native code. Measured (--only busy): after
    // 24 warm-up deploys the JIT still took ~12 ms of CPU per no-change deploy, after 80 ~0.3 ms.
    // Every sixth is cold and every sixth has one changed file, so the copy and delta paths are warm too.
    public static async Task RunAsync(Bench bench)
    {
        var warmup = bench.Options.Warmup;
        for (var i = 0; i < warmup; i++)
        {
            if (i % 6 == 0) bench.Clean("b-rmote");
            if (i % 6 == 3) bench.ChangeOneFile();
            await bench.RmoteDeployAsync();
        }
        if (warmup > 0) Console.WriteLine($"  warm-up: {warmup} untimed rmote deploys (JIT steady state)");
        bench.TimedJit = (0, 0);
    }
}
