using Microsoft.Extensions.Logging;
using Rmote.Transport;

namespace Rmote.Fleet;

/// <summary>
/// Connecting with retries (<see cref="ConnectionSettings.ConnectRetries"/>): a host that refuses or resets the
/// connection, or does not answer in time, may be rebooting or restarting sshd, and is tried again after a pause that
/// doubles with jitter (<see cref="Backoff"/>), so that a fleet of builds does not knock in step. An authentication
/// failure, a changed or unknown host key, a missing interpreter or a login script that prints too much fails the same
/// way every time and is never retried. Each failed attempt is logged as a warning naming the host and the next pause.
/// </summary>
internal static class ConnectRetry
{
    /// <summary>The default pause before the first retry.</summary>
    public static readonly TimeSpan DefaultDelay = TimeSpan.FromSeconds(1);

    /// <summary>True for a failure another attempt may not have: nothing listened, the connection was reset, no answer in time.</summary>
    public static bool IsTransient(Exception e) => e is RemoteConnectException c && (c.Reason is ConnectFailure.ConnectionRefused or ConnectFailure.Timeout
        // ssh's own words for a connection dropped before its key exchange (sshd restarting, MaxStartups, a load balancer).
        || c.Reason == ConnectFailure.Unknown && c.StderrTail is { } tail
            && (tail.Contains("Connection reset", StringComparison.OrdinalIgnoreCase) || tail.Contains("kex_exchange_identification", StringComparison.OrdinalIgnoreCase)
                || tail.Contains("Connection closed by", StringComparison.OrdinalIgnoreCase)));

    /// <summary>Starts <paramref name="plan"/>, retrying transient failures as <paramref name="spec"/> says.</summary>
    public static Task<Protocol> StartAsync(TransportPlan plan, HostSpec spec, ILogger? logger, CancellationToken cancellationToken)
    {
        var retries = spec.ConnectRetries ?? 0;
        if (retries < 0) throw new ArgumentException($"{spec.SettingNames["ConnectRetries"]} must not be negative (was {retries}).");
        var delay = DurationSetting.Resolve(spec.ConnectRetryDelay, DefaultDelay, spec.SettingNames["ConnectRetryDelay"]) ?? TimeSpan.Zero;
        if (retries == 0) return Protocol.StartAsync(plan, cancellationToken);
        var pipeline = Backoff.Retrying<Protocol>(retries, delay, IsTransient, (attempt, failure, pause) =>
            logger?.LogWarning("[{Host}] connect attempt {Attempt} of {Attempts} failed ({Reason}); retrying in {Delay:0.0} s",
                spec.Label, attempt, retries + 1, failure is RemoteConnectException c ? c.Reason.ToString() : "failed", pause.TotalSeconds));
        return pipeline.ExecuteAsync(static (state, ct) => new ValueTask<Protocol>(Protocol.StartAsync(state, ct)), plan, cancellationToken).AsTask();
    }
}
