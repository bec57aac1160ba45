using System.Diagnostics;

namespace Rmote.Fleet;

/// <summary>
/// Open connections to a group of hosts, reused by every step of a deploy. Connections are opened in parallel;
/// a host that cannot be reached is kept with its error and reported as unreachable by every step, never blocking
/// the others. Dispose to close every connection.
/// </summary>
public sealed class FleetSession : IAsyncDisposable
{
    readonly List<HostConnection> hosts;
    readonly bool ownsConnections;
    int stepNumber;

    FleetSession(List<HostConnection> hosts, FleetOptions options, bool ownsConnections = true) =>
        (this.hosts, Options, this.ownsConnections) = (hosts, options, ownsConnections);

    /// <summary>The hosts, in the order given.</summary>
    public IReadOnlyList<HostConnection> Hosts => hosts;

    /// <summary>Default fan-out options of the session's steps.</summary>
    public FleetOptions Options { get; }

    /// <summary>How connecting went, per host (value: connect time).</summary>
    public FleetResult<TimeSpan> Connects { get; private set; } = null!;

    /// <summary>Connects to every host in parallel (bounded by <see cref="FleetOptions.MaxParallel"/>).</summary>
    public static Task<FleetSession> ConnectAsync(IEnumerable<HostSpec> hosts, FleetOptions? options = null, CancellationToken cancellationToken = default) =>
        ConnectAsync(hosts, options, null, cancellationToken);

    /// <summary>
    /// A session whose connections come from <paramref name="connector"/> (e.g. a per-build cache shared by several
    /// sessions). Such a session does not own its connections: disposing it leaves them open for the connector's owner to close.
    /// </summary>
    public static Task<FleetSession> ConnectAsync(IEnumerable<HostSpec> hosts, FleetOptions? options,
        Func<HostSpec, CancellationToken, Task<Protocol>>? connector, CancellationToken cancellationToken = default) =>
        ConnectCoreAsync(hosts, options, connector, cancellationToken);

    static async Task<FleetSession> ConnectCoreAsync(IEnumerable<HostSpec> hosts, FleetOptions? options,
        Func<HostSpec, CancellationToken, Task<Protocol>>? connector, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        options ??= new FleetOptions();
        options.Validate();
        // The session's no-progress bound is a connection setting: it goes into each spec that has none of its own.
        var list = hosts.Select(h => new HostConnection(h.NoProgressTimeout is null && options.NoProgressTimeout is { } np ? h with { NoProgressTimeout = np } : h)).ToList();
        var dup = list.GroupBy(h => h.Name).FirstOrDefault(g => g.Count() > 1);
        if (dup != null)
            throw new ArgumentException($"Host '{dup.Key}' is listed twice; give each host a distinct Name.", nameof(hosts));
        var session = new FleetSession(list, options, ownsConnections: connector == null);
        var sw = Stopwatch.StartNew();
        using var gate = new SemaphoreSlim(options.MaxParallel);
        try
        {
            await Task.WhenAll(list.Select(async h =>
            {
                await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                var t = Stopwatch.StartNew();
                try
                {
                    h.Protocol = connector != null
                        ? await connector(h.Spec, cancellationToken).ConfigureAwait(false)
                        : await h.Spec.ConnectAsync(options.Logger, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    h.ConnectError = e;
                }
                finally
                {
                    h.ConnectTime = t.Elapsed;
                    gate.Release();
                }
            })).ConfigureAwait(false);
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        session.Connects = new FleetResult<TimeSpan>(list.Select(h => h.Protocol != null
            ? new HostResult<TimeSpan> { Host = h.Name, Status = HostStatus.Succeeded, Value = h.ConnectTime, Duration = h.ConnectTime }
            : new HostResult<TimeSpan> { Host = h.Name, Status = HostStatus.Unreachable, Error = h.ConnectError, Reason = Describe(h.ConnectError!), Duration = h.ConnectTime })
            .ToList(), sw.Elapsed, null);
        return session;
    }

    /// <summary>Runs <paramref name="operation"/> on every host under the session's options.</summary>
    public Task<FleetResult<T>> RunAsync<T>(Func<Protocol, CancellationToken, Task<T>> operation, CancellationToken cancellationToken = default) =>
        RunAsync(operation, Options, cancellationToken);

    /// <summary>Runs <paramref name="operation"/> on every host (no value).</summary>
    public Task<FleetResult<bool>> RunAsync(Func<Protocol, CancellationToken, Task> operation, CancellationToken cancellationToken = default) =>
        RunAsync(async (p, ct) => { await operation(p, ct).ConfigureAwait(false); return true; }, Options, cancellationToken);

    /// <summary>
    /// Runs <paramref name="operation"/> on every host with these options: at most MaxParallel at once, in rolling
    /// batches when Serial is set, stopping new hosts per the failure policy. Unreachable hosts count as failures.
    /// Throws <see cref="OperationCanceledException"/> only when <paramref name="cancellationToken"/> is cancelled: a
    /// <see cref="FleetCancelledException"/>, once every running host stopped, with one line per host.
    /// </summary>
    public async Task<FleetResult<T>> RunAsync<T>(Func<Protocol, CancellationToken, Task<T>> operation, FleetOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var step = Interlocked.Increment(ref stepNumber);
        var sw = Stopwatch.StartNew();
        var results = new HostResult<T>[hosts.Count];
        var failures = 0;
        string? stopReason = null;
        var stopGate = new object();
        var batchSize = options.Serial?.For(hosts.Count) ?? hosts.Count;
        using var parallel = new SemaphoreSlim(options.MaxParallel);

        void CountFailure(HostResult<T> r)
        {
            lock (stopGate)
            {
                failures++;
                if (stopReason != null) return;
                if (options.FailurePolicy == FailurePolicy.StopOnFirst)
                    stopReason = $"{r.Host} failed and the policy is StopOnFirst";
                else if (options.FailurePolicy == FailurePolicy.MaxFailurePercentage && failures * 100.0 / hosts.Count > options.MaxFailurePercentage)
                    stopReason = $"{failures} of {hosts.Count} host(s) failed, over the {options.MaxFailurePercentage}% allowed";
            }
        }

        string? Stopped() { lock (stopGate) return stopReason; }

        var cancelled = new OperationCanceledException?[hosts.Count];

        // One async method per host, not a wrapper awaiting a core: each is JIT'd in a fresh build process.
        async Task RunOne(int index, int batch)
        {
            try
            {
                var h = hosts[index];
                await parallel.WaitAsync(cancellationToken).ConfigureAwait(false);
                var t = Stopwatch.StartNew();
                try
                {
                    HostResult<T> r;
                    if (Stopped() is { } why)
                        r = new HostResult<T> { Host = h.Name, Status = HostStatus.Skipped, Reason = "not started: " + why, Batch = batch };
                    else if (h.Protocol == null)
                        r = new HostResult<T> { Host = h.Name, Status = HostStatus.Unreachable, Error = h.ConnectError, Reason = Describe(h.ConnectError!), Batch = batch };
                    else if (h.FailedStep != null && options.SkipFailedHostsInLaterSteps)
                        r = new HostResult<T> { Host = h.Name, Status = HostStatus.Skipped, Reason = "failed in an earlier step: " + h.FailedStep, Batch = batch };
                    else if (!h.Protocol.IsConnected)
                        r = new HostResult<T> { Host = h.Name, Status = HostStatus.Unreachable, Reason = "connection lost", Batch = batch };
                    else
                    {
                        try
                        {
                            var value = await StepTimeout.RunAsync(h.Name, DurationSetting.Resolve(h.Spec.Timeout, options.Timeout, "HostSpec.Timeout"), h.Protocol,
                                operation, cancellationToken).ConfigureAwait(false);
                            r = new HostResult<T> { Host = h.Name, Status = HostStatus.Succeeded, Value = value, Duration = t.Elapsed, Batch = batch };
                        }
                        catch (Exception e) when (!(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
                        {
                            r = new HostResult<T>
                            {
                                Host = h.Name,
                                // A host cut off for making no progress failed this step; it was reachable.
                                Status = h.Protocol.IsConnected || e is RemoteStalledException ? HostStatus.Failed : HostStatus.Unreachable,
                                Error = e,
                                Reason = Describe(e),
                                Duration = t.Elapsed,
                                Batch = batch,
                            };
                            h.FailedStep = $"step {step}: {Describe(e)}";
                        }
                    }
                    if (r.Status is HostStatus.Failed or HostStatus.Unreachable) CountFailure(r);
                    results[index] = r;
                }
                finally
                {
                    parallel.Release();
                }
            }
            catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
            {
                // One line per host that was running, naming it: the step's own words (a copy says what it cleaned up).
                var name = hosts[index].Name;
                cancelled[index] = e.Message.StartsWith($"[{name}] ", StringComparison.Ordinal) ? e : new OperationCanceledException($"[{name}] cancelled", e, cancellationToken);
            }
        }

        for (int start = 0, batch = 1; start < hosts.Count && !cancellationToken.IsCancellationRequested; start += batchSize, batch++)
        {
            var end = Math.Min(hosts.Count, start + batchSize);
            var b = batch;
            await Task.WhenAll(Enumerable.Range(start, end - start).Select(i => RunOne(i, b))).ConfigureAwait(false);
        }
        if (cancellationToken.IsCancellationRequested && results.Any(r => r is null))
            throw new FleetCancelledException([.. cancelled.OfType<OperationCanceledException>()], cancellationToken);
        return new FleetResult<T>(results, sw.Elapsed, stopReason);
    }

    static string Describe(Exception e)
    {
        var msg = e.Message.ReplaceLineEndings(" ");
        return e is IRemoteError ? msg : $"{e.GetType().Name}: {msg}";
    }

    /// <summary>Closes every connection (in parallel); a session made with a connector leaves them to the connector's owner.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!ownsConnections) return;
        await Task.WhenAll(hosts.Select(async h =>
        {
            if (h.Protocol is { } p)
            {
                h.Protocol = null;
                try { await p.DisposeAsync().ConfigureAwait(false); } catch (Exception) { /* closing anyway */ }
            }
        })).ConfigureAwait(false);
    }
}
