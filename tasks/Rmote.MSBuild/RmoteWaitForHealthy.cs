using System.Globalization;
using Rmote.Operations;

namespace Rmote.MSBuild;

/// <summary>
/// Polls a URL (fetched by each host itself, so loopback-only services count) or a command (healthy on exit 0) on
/// every host until it passes or <see cref="Timeout"/> runs out.
/// </summary>
public sealed class RmoteWaitForHealthy : RmoteTask
{
    /// <summary>URL to GET from each host (instead of <see cref="Command"/>).</summary>
    public string? Url { get; set; }

    /// <summary>Program and arguments run on each host (instead of <see cref="Url"/>).</summary>
    public string[]? Command { get; set; }

    /// <summary>HTTP statuses that count as healthy (default 200).</summary>
    public string[]? ExpectedStatusCodes { get; set; }

    /// <summary>Pause between attempts in milliseconds (default 1000).</summary>
    public int Interval { get; set; } = (int)StepDefaults.HealthInterval.TotalMilliseconds;

    /// <summary>Give up after this many milliseconds (default 60000).</summary>
    public override int Timeout { get; set; } = (int)StepDefaults.HealthTimeout.TotalMilliseconds;

    /// <summary>Limit of one attempt in milliseconds (default 5000).</summary>
    public int AttemptTimeout { get; set; } = (int)StepDefaults.HealthAttemptTimeout.TotalMilliseconds;

    /// <inheritdoc/>
    protected override string FailureCode => ErrorCodes.Unhealthy;

    HealthCheckOptions? check;

    /// <inheritdoc/>
    protected override object Validate() => check = StepMapper.WaitForHealthy(new WaitForHealthyStep
    {
        Url = Url,
        Command = Command,
        ExpectedStatusCodes = [.. (ExpectedStatusCodes ?? []).Select(c => int.TryParse(c.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n : throw new FormatException($"ExpectedStatusCodes '{c}' is not a number."))],
        Interval = Milliseconds(Interval, nameof(Interval)),
        Timeout = Milliseconds(Timeout, nameof(Timeout)),
        AttemptTimeout = Milliseconds(AttemptTimeout, nameof(AttemptTimeout)),
    });

    /// <inheritdoc/>
    protected override async Task<bool> RunAsync(FleetOperations ops, CancellationToken cancellationToken) =>
        Report(await ops.WaitForHealthyAsync(check!, null, cancellationToken).ConfigureAwait(false));
}
