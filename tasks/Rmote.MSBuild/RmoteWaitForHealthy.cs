using System.Globalization;
using Rmote.Deploy;

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
    public int Interval { get; set; } = 1000;

    /// <summary>Give up after this many milliseconds (default 60000).</summary>
    public override int Timeout { get; set; } = 60000;

    /// <inheritdoc/>
    protected override TimeSpan? StepTimeout => Milliseconds(Timeout) + Milliseconds(AttemptTimeout) + RemoteGrace;

    /// <summary>Limit of one attempt in milliseconds (default 5000).</summary>
    public int AttemptTimeout { get; set; } = 5000;

    /// <inheritdoc/>
    protected override string FailureCode => ErrorCodes.Unhealthy;

    HealthCheckOptions? check;

    /// <inheritdoc/>
    protected override void Validate()
    {
        var codes = (ExpectedStatusCodes ?? []).Select(c => int.TryParse(c.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n : throw new FormatException($"ExpectedStatusCodes '{c}' is not a number.")).ToArray();
        var hasUrl = !string.IsNullOrWhiteSpace(Url);
        if (hasUrl == Command is { Length: > 0 }) throw new ArgumentException("Give Url or Command, exactly one.");
        check = (hasUrl ? HealthCheckOptions.ForUrl(Url!.Trim(), codes) : HealthCheckOptions.ForCommand(Command!)) with
        {
            Interval = TimeSpan.FromMilliseconds(Math.Max(0, Interval)),
            Timeout = TimeSpan.FromMilliseconds(Math.Max(0, Timeout)),
            AttemptTimeout = TimeSpan.FromMilliseconds(Math.Max(1, AttemptTimeout)),
        };
    }

    /// <inheritdoc/>
    protected override async Task<bool> RunAsync(FleetOperations ops, CancellationToken cancellationToken) =>
        Report(await ops.WaitForHealthyAsync(check!, null, cancellationToken).ConfigureAwait(false),
            r => $"healthy ({r.Detail}) after {r.Attempts} attempt(s)");
}
