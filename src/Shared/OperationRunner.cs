using Rmote.Deploy;
using Rmote.Fleet;

namespace Rmote.Integration;

/// <summary>
/// Runs one deploy step of a build script: parses the host strings, opens a session over the pooled connections,
/// runs the step through <see cref="FleetOperations"/> (where the deploy logic lives) and returns its per-host result.
/// This is the synchronous boundary of Cake aliases and Nuke tasks, which are synchronous by contract.
/// </summary>
internal static class OperationRunner
{
    /// <summary>The steps running now: Ctrl+C cancels them (see <see cref="OnCancelKeyPress"/>).</summary>
    static readonly HashSet<CancellationTokenSource> Running = [];

    /// <summary>The connections of this build process; closed by a disconnect step or when the process exits.</summary>
    static readonly ConnectionPool Pool = CreatePool();

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

    /// <summary>Runs <paramref name="step"/> on <paramref name="hosts"/> and waits for it (blocking the calling thread).</summary>
    /// <exception cref="FleetCancelledException">Ctrl+C (or <paramref name="cancellationToken"/>) cancelled the step.</exception>
    public static FleetResult<T> Run<T>(IReadOnlyList<HostSpec> hosts, FleetOptions options,
        Func<FleetOperations, CancellationToken, Task<FleetResult<T>>> step, CancellationToken cancellationToken = default)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        lock (Running) Running.Add(cancel);
        try
        {
            // Task.Run: a host with a synchronization context (none today, but scripts can install one) must not deadlock
            // waiting for continuations that need the blocked thread.
            return Task.Run(() => RunAsync(hosts, options, step, cancel.Token), cancel.Token).GetAwaiter().GetResult();
        }
        finally
        {
            lock (Running) Running.Remove(cancel);
        }
    }

    static async Task<FleetResult<T>> RunAsync<T>(IReadOnlyList<HostSpec> hosts, FleetOptions options,
        Func<FleetOperations, CancellationToken, Task<FleetResult<T>>> step, CancellationToken cancellationToken)
    {
        // The session borrows pooled connections: disposing it leaves them open for the next step.
        await using var session = await FleetSession.ConnectAsync(hosts, options,
            (spec, ct) => Pool.GetAsync(spec, options.Logger, ct), cancellationToken).ConfigureAwait(false);
        return await step(new FleetOperations(session), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes every pooled connection.</summary>
    public static void Disconnect() =>
        Task.Run(() => Pool.DisposeAsync().AsTask()).GetAwaiter().GetResult();
}
