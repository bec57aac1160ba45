using Microsoft.Extensions.Logging;
using Rmote.Deploy;
using Rmote.Fleet;

namespace Rmote.Operations;

/// <summary>
/// Runs one build step for a script front end (Cake, Nuke): maps the step's parameters to its request
/// (<see cref="StepMapper"/>), parses the host strings, opens a session over the pooled connections, runs the
/// operation through <see cref="FleetOperations"/>, logs the per-host table and throws the front end's exception
/// (<see cref="StepHost.Error"/>) naming every failed host. This is the synchronous boundary of Cake aliases and
/// Nuke tasks, which are synchronous by contract.
/// </summary>
internal static class StepRunner
{
    /// <summary>The steps running now: Ctrl+C cancels them (see <see cref="OnCancelKeyPress"/>).</summary>
    static readonly HashSet<CancellationTokenSource> Running = [];

    /// <summary>The connections of this build process; closed by a disconnect step or when the process exits.</summary>
    static readonly ConnectionPool Pool = CreatePool();

    /// <summary>Every step's result since the last <see cref="Recap"/>: the script's deploy so far.</summary>
    static readonly DeployRecap Steps = new();

    static ConnectionPool CreatePool()
    {
        Console.CancelKeyPress += OnCancelKeyPress;
        var pool = new ConnectionPool();
        // Build hosts (Cake, a Nuke console) have no teardown hook we can rely on; closing here lets each remote
        // runtime exit cleanly instead of finding its stdin gone. Bounded, so a dead host cannot hold the exit.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => pool.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
        return pool;
    }

    /// <summary>Parses <paramref name="hosts"/> (<c>user@host:port</c> or <c>local</c>) with <paramref name="defaults"/> for the rest.</summary>
    /// <exception cref="ArgumentException">No host, or a host string that does not parse (the message names it).</exception>
    public static IReadOnlyList<HostSpec> ParseHosts(IEnumerable<string>? hosts, HostSpec defaults)
    {
        var list = (hosts ?? []).SelectMany(h => (h ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        if (list.Count == 0) throw new ArgumentException("No hosts given: pass host strings such as \"local\" or \"deploy@web01:22\".", nameof(hosts));
        return list.Select(h => HostSpec.TryParse(h, defaults, out var spec, out var error) ? spec : throw new ArgumentException(error, nameof(hosts))).ToList();
    }

    /// <summary>
    /// Ctrl+C while a step runs cancels the step instead of killing the process mid-write: a copy aborts its writes
    /// in flight and the step throws <see cref="FleetCancelledException"/> with one line per host. A Ctrl+C while no
    /// step runs, or a second one, keeps its default meaning (the process ends).
    /// </summary>
    static void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        lock (Running)
        {
            if (Running.All(c => c.IsCancellationRequested)) return;
            e.Cancel = true;
            foreach (var c in Running) c.Cancel();
        }
    }

    /// <summary>
    /// Runs step <paramref name="name"/> on <paramref name="hosts"/> (with <paramref name="defaults"/> for what a host
    /// string leaves out) and waits for it, blocking the calling thread. <paramref name="fleet"/> (fan-out options) and
    /// <paramref name="map"/> (the request) are built before anything connects, and their errors name the step; the
    /// request's time bound (<see cref="StepBounds"/>) travels with each host's settings.
    /// With <paramref name="whatIf"/> the step only previews (<see cref="FleetOperations.WhatIf"/>) and its plan is logged (<see cref="PlanText"/>).
    /// </summary>
    public static FleetResult<TOut> Run<TRequest, TOut>(StepHost host, string name, IEnumerable<string>? hosts, HostSpec defaults, Func<FleetOptions> fleet,
        Func<TRequest> map, Func<FleetOperations, TRequest, CancellationToken, Task<FleetResult<TOut>>> run, bool whatIf = false) where TRequest : notnull
    {
        ArgumentNullException.ThrowIfNull(host);
        var jit = JitWindow.Start();
        try
        {
            return RunStep(host, name, hosts, defaults, fleet, map, run, whatIf);
        }
        finally
        {
            if (jit != null) host.Logger.LogInformation("{Jit}", jit.End(name));
        }
    }

    static FleetResult<TOut> RunStep<TRequest, TOut>(StepHost host, string name, IEnumerable<string>? hosts, HostSpec defaults, Func<FleetOptions> fleet,
        Func<TRequest> map, Func<FleetOperations, TRequest, CancellationToken, Task<FleetResult<TOut>>> run, bool whatIf) where TRequest : notnull
    {
        TRequest request;
        IReadOnlyList<HostSpec> specs;
        FleetOptions options;
        try
        {
            options = fleet() with { Logger = host.Logger };
            request = map();
            specs = ParseHosts(hosts, defaults with { Timeout = StepBounds.For(request, defaults.Timeout) });
        }
        catch (Exception e) when (e is ArgumentException or FormatException or IOException)
        {
            throw host.Error($"{name}: {e.Message}", e);
        }
        host.Logger.LogDebug("{Step} on {Hosts}", name, string.Join(", ", specs.Select(s => s.Label)));
        FleetResult<TOut> result;
        try
        {
            // Progress lines carry the step's name, as its table does.
            // A copy's source is read while the hosts connect (SourcePrefetch).
            Action<CancellationToken>? beforeConnect = request is CopyRequest copy ? ct => _ = SourcePrefetch.Start(copy, ct) : null;
            result = RunBlocking(specs, options, p => host.Logger.LogInformation("{Step}: [{Host}] {Progress}", name, p.Host, p.Summary), (ops, ct) => run(ops, request, ct),
                whatIf, beforeConnect);
        }
        catch (FleetCancelledException e)
        {
            throw host.Error($"{name} cancelled:\n{e.Message}", e);
        }
        catch (Exception e)
        {
            // Failures before any host ran (an unreadable source folder, a bad template file...).
            throw host.Error($"{name} failed: {e.Message}", e);
        }
        Steps.Add(result);
        if (!result.AllSucceeded) throw host.Error(FailureText.For(name, result), null);
        if (PlanText.For(name, result) is { } plan) host.Logger.LogInformation("{Plan}", plan);
        host.Logger.LogInformation("{Step}\n{Table}", name, FailureText.Table(result).TrimEnd());
        return result;
    }

    /// <summary>Runs <paramref name="step"/> on <paramref name="hosts"/> and waits for it; Ctrl+C cancels it.</summary>
    static FleetResult<T> RunBlocking<T>(IReadOnlyList<HostSpec> hosts, FleetOptions options, Action<Deploy.CopyProgress> progress,
        Func<FleetOperations, CancellationToken, Task<FleetResult<T>>> step, bool whatIf = false, Action<CancellationToken>? beforeConnect = null)
    {
        using var cancel = new CancellationTokenSource();
        lock (Running) Running.Add(cancel);
        try
        {
            // Task.Run: a host with a synchronization context (none today, but scripts can install one) must not deadlock
            // waiting for continuations that need the blocked thread.
            return Task.Run(async () =>
            {
                beforeConnect?.Invoke(cancel.Token);
                // The session borrows pooled connections: disposing it leaves them open for the next step.
                await using var session = await FleetSession.ConnectAsync(hosts, options,
                    (spec, ct) => Pool.GetAsync(spec, options.Logger, ct), cancel.Token).ConfigureAwait(false);
                return await step(new FleetOperations(session) { WhatIf = whatIf, OnCopyProgress = progress }, cancel.Token).ConfigureAwait(false);
            }, cancel.Token).GetAwaiter().GetResult();
        }
        finally
        {
            lock (Running) Running.Remove(cancel);
        }
    }

    /// <summary>
    /// Logs the recap of every step run since the last recap (one line per host: ok, changed, failed, unreachable, skipped,
    /// release, time) and starts a new one; returns the hosts' lines (none when no step ran).
    /// </summary>
    public static IReadOnlyList<HostRecap> Recap(StepHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        IReadOnlyList<HostRecap> hosts;
        IReadOnlyList<string> lines;
        lock (Steps)
        {
            (hosts, lines) = (Steps.Hosts, Steps.Lines());
            Steps.Clear();
        }
        if (lines.Count > 0) host.Logger.LogInformation("{Recap}", string.Join('\n', lines));
        return hosts;
    }

    /// <summary>Closes every pooled connection.</summary>
    public static void Disconnect() =>
        Task.Run(() => Pool.DisposeAsync().AsTask()).GetAwaiter().GetResult();
}
