using System.Globalization;

/// <summary>The bench's command line: which part to run and how many rounds.</summary>
sealed class BenchOptions
{
    /// <summary>Untimed rmote deploys before the timed ones (see <see cref="WarmupPhase"/>).</summary>
    const int DefaultWarmup = 80;

    readonly string[] args;

    BenchOptions(string[] args) => this.args = args;

    public static BenchOptions Parse(string[] args) => new(args);

    public int Rounds => (Value("--rounds") ?? Environment.GetEnvironmentVariable("BENCH_ROUNDS")) is { } r ? int.Parse(r, CultureInfo.InvariantCulture) : 3;

    /// <summary>Rounds of the front-end part (fresh processes): --rounds, else BENCH_ROUNDS, else 8.</summary>
    public int FrontendRounds =>
        int.Parse(Value("--rounds") ?? Environment.GetEnvironmentVariable("BENCH_ROUNDS") ?? "8", CultureInfo.InvariantCulture);
    public int Warmup => Value("--warmup") is { } wu ? int.Parse(wu, CultureInfo.InvariantCulture) : DefaultWarmup;
    public bool WithAnsible => Flag("--ansible");
    public bool WithBig => !Flag("--no-big");
    public string SourceDir => Value("--source") ?? "/usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.12";

    /// <summary>One part of the table (cold, redeploy, big, frontend) or one diagnostic; null: the whole table.</summary>
    public string? Only => Value("--only");

    /// <summary>True when the table part <paramref name="name"/> runs (every part when no --only is given).</summary>
    public bool Phase(string name) => Only is null || Only == name;

    /// <summary>--only cpu: cold deploys instead of no-change ones.</summary>
    public bool Cold => Flag("--cold");

    /// <summary>--only cpu: one changed file per deploy.</summary>
    public bool One => Flag("--one");

    /// <summary>--only cpu: one tool only (for a profiler attached to the whole machine).</summary>
    public string? Tool => Value("--tool");

    /// <summary>--only scale: the largest fleet (the curve is 4, 16, 64 and this).</summary>
    public int ScaleHosts => Value("--hosts") is { } n ? int.Parse(n, CultureInfo.InvariantCulture) : 256;

    /// <summary>--only scale: hosts worked on at once by every tool (rmote's default MaxParallel; ansible -f; parallel rsyncs).</summary>
    public int ScaleParallel => Value("--parallel") is { } n ? int.Parse(n, CultureInfo.InvariantCulture) : 32;

    /// <summary>Where the goal parts save their rows and `--only report` reads them (--results).</summary>
    public string ResultsFolder => Path.GetFullPath(Value("--results") ?? "bench-results");

    /// <summary>Where the scale part writes its plot (--plot).</summary>
    public string PlotPath => Value("--plot") ?? Path.GetFullPath("bench-scale.png");

    bool Flag(string name) => args.Contains(name);

    string? Value(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
