using System.Diagnostics;
using Rmote.Tools;

namespace Rmote.Operations;

/// <summary>
/// Waits until a service on a remote is healthy: polls a URL fetched by the remote host itself (so a service
/// bound to the remote's loopback counts) or a command that must exit 0, every <see cref="HealthCheckOptions.Interval"/>
/// until <see cref="HealthCheckOptions.Timeout"/>. Shared by the MSBuild, Cake and Nuke integrations.
/// </summary>
/// <example><code>
/// var r = await HealthCheck.WaitAsync(proto, HealthCheckOptions.ForUrl("http://127.0.0.1:8080/health"));
/// await HealthCheck.WaitAsync(proto, HealthCheckOptions.ForCommand("systemctl", "is-active", "app") with { Timeout = TimeSpan.FromMinutes(2) });
/// </code></example>
public static class HealthCheck
{
    /// <summary>Polls until the check passes.</summary>
    /// <returns>How many attempts it took and how long.</returns>
    /// <exception cref="HealthCheckTimeoutException">The check never passed in time; the message carries the last failure.</exception>
    /// <exception cref="ArgumentException">Neither or both of a URL and a command were given.</exception>
    public static async Task<HealthCheckResult> WaitAsync(Protocol protocol, HealthCheckOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var clock = Stopwatch.StartNew();
        var attempts = 0;
        while (true)
        {
            attempts++;
            // The last attempt may not outlive the overall deadline by more than its own limit: the host bounds the
            // attempt itself, and this bound holds when the host does not answer at all (frozen, or its call lost).
            var left = options.Timeout - clock.Elapsed;
            var bound = (left > TimeSpan.Zero ? left : TimeSpan.Zero) + options.AttemptTimeout;
            var (ok, detail) = await ProbeAsync(protocol, options, bound, cancellationToken).ConfigureAwait(false);
            if (ok) return new HealthCheckResult(attempts, clock.Elapsed, detail);
            left = options.Timeout - clock.Elapsed;
            if (left <= TimeSpan.Zero)
                throw new HealthCheckTimeoutException(
                    $"[{protocol.Name}] health check {options.Describe()} did not pass within {options.Timeout.TotalSeconds:0.#} s " +
                    $"({attempts} attempt(s)); last failure: {detail}");
            await Task.Delay(options.Interval < left ? options.Interval : left, cancellationToken).ConfigureAwait(false);
        }
    }

    static async Task<(bool Ok, string Detail)> ProbeAsync(Protocol protocol, HealthCheckOptions options, TimeSpan bound, CancellationToken caller)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(caller);
        limit.CancelAfter(bound);
        var ct = limit.Token;
        try
        {
            if (options.Url is { } url)
            {
                var response = await protocol.CallAsync(Http.GetWith,
                    new HttpGetOptions(url) { Timeout = options.AttemptTimeout, MaxBody = 512 }, ct).ConfigureAwait(false);
                return options.ExpectedStatusCodes.Contains(response.Status)
                    ? (true, $"HTTP {response.Status}")
                    : (false, $"HTTP {response.Status} {response.Reason} (expected {string.Join(", ", options.ExpectedStatusCodes)}): {Shorten(response.Body)}");
            }
            var result = await protocol.CallAsync(Exec.Command,
                new ExecOptions([.. options.Command!]) { Check = false, Timeout = options.AttemptTimeout, MergeStderr = true }, ct).ConfigureAwait(false);
            return result.ExitCode == 0
                ? (true, "exit 0")
                : (false, $"exit {result.ExitCode}: {Shorten(result.Stdout)}");
        }
        // Remote failures of one attempt (refused, DNS, timeout, missing program) are what we poll through.
        catch (Exception e) when (e is IRemoteError && !ct.IsCancellationRequested)
        {
            return (false, $"{((IRemoteError)e).PythonType}: {e.Message}");
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested && !caller.IsCancellationRequested)
        {
            return (false, $"no answer from the host within {bound.TotalSeconds:0.#} s (the attempt was cancelled)");
        }
    }

    static string Shorten(string text)
    {
        text = text.Trim();
        return text.Length <= 200 ? text : text[..200] + "…";
    }
}

/// <summary>What <see cref="HealthCheck.WaitAsync"/> polls and how long: set exactly one of <see cref="Url"/> and <see cref="Command"/>.</summary>
public sealed record HealthCheckOptions
{
    /// <summary>URL the remote host fetches (http/https).</summary>
    public string? Url { get; init; }
    /// <summary>Program and arguments run on the remote; healthy when it exits 0.</summary>
    public IReadOnlyList<string>? Command { get; init; }
    /// <summary>Statuses that count as healthy for <see cref="Url"/> (default 200).</summary>
    public IReadOnlyList<int> ExpectedStatusCodes { get; init; } = StepDefaults.ExpectedStatusCodes;
    /// <summary>Pause between attempts (default 1 s).</summary>
    public TimeSpan Interval { get; init; } = StepDefaults.HealthInterval;
    /// <summary>Give up after this long (default 60 s).</summary>
    public TimeSpan Timeout { get; init; } = StepDefaults.HealthTimeout;
    /// <summary>Limit of one attempt (default 5 s).</summary>
    public TimeSpan AttemptTimeout { get; init; } = StepDefaults.HealthAttemptTimeout;

    /// <summary>Options for a URL check.</summary>
    public static HealthCheckOptions ForUrl(string url, params int[] expectedStatusCodes) =>
        new() { Url = url, ExpectedStatusCodes = expectedStatusCodes.Length > 0 ? expectedStatusCodes : StepDefaults.ExpectedStatusCodes };

    /// <summary>Options for a command check.</summary>
    public static HealthCheckOptions ForCommand(params string[] argv) => new() { Command = argv };

    internal void Validate()
    {
        if ((Url is null) == (Command is null))
            throw new ArgumentException("Give a health check either a Url or a Command (exactly one).");
        if (Command is { Count: 0 }) throw new ArgumentException("The health check command is empty.");
        if (Interval < TimeSpan.Zero || Timeout < TimeSpan.Zero || AttemptTimeout <= TimeSpan.Zero)
            throw new ArgumentException("Health check Interval and Timeout must not be negative, and AttemptTimeout must be positive.");
        if (ExpectedStatusCodes.Count == 0) throw new ArgumentException("ExpectedStatusCodes is empty.");
    }

    internal string Describe() => Url is not null ? $"GET {Url}" : $"`{string.Join(' ', Command!)}`";
}

/// <summary>A passed health check.</summary>
/// <param name="Attempts">Attempts made, the passing one included.</param>
/// <param name="Duration">Time from the first attempt to the pass.</param>
/// <param name="Detail">What passed ("HTTP 200", "exit 0").</param>
public sealed record HealthCheckResult(int Attempts, TimeSpan Duration, string Detail) : IStepOutcome
{
    /// <inheritdoc/>
    public string Summary => Plan?.Summary ?? $"healthy ({Detail}) after {Attempts} attempt(s)";

    /// <summary>In WhatIf mode, what the step would do on the host (nothing was changed); null when it ran.</summary>
    public StepPlan? Plan { get; init; }

}
