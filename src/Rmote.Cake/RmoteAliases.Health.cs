using Cake.Core;
using Cake.Core.Annotations;
using Rmote.Cake.Internal;
using Rmote.Deploy;
using Rmote.Fleet;

namespace Rmote.Cake;

public static partial class RmoteAliases
{
    /// <summary>Waits until <paramref name="url"/>, fetched by each host itself, answers 200 (so a service on the host's loopback counts).</summary>
    /// <example><code>RmoteWaitForHealthy(hosts, "http://127.0.0.1:8080/health");</code></example>
    [CakeMethodAlias]
    [CakeAliasCategory("Health")]
    public static FleetResult<HealthCheckResult> RmoteWaitForHealthy(this ICakeContext context, IEnumerable<string> hosts, string url) =>
        RmoteWaitForHealthy(context, hosts, url, new RmoteHealthSettings());

    /// <summary>Polls <paramref name="url"/> from every host until it answers an expected status or the timeout passes.</summary>
    [CakeMethodAlias]
    [CakeAliasCategory("Health")]
    public static FleetResult<HealthCheckResult> RmoteWaitForHealthy(this ICakeContext context, IEnumerable<string> hosts, string url, RmoteHealthSettings settings)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        ArgumentNullException.ThrowIfNull(settings);
        return Health(context, nameof(RmoteWaitForHealthy), hosts, HealthCheckOptions.ForUrl(url, [.. settings.ExpectedStatusCodes]), settings);
    }

    /// <summary>Runs <paramref name="command"/> (program and arguments) on every host until it exits 0 or the timeout passes.</summary>
    /// <example><code>RmoteWaitForHealthyCommand(hosts, new[] { "systemctl", "is-active", "app" });</code></example>
    [CakeMethodAlias]
    [CakeAliasCategory("Health")]
    public static FleetResult<HealthCheckResult> RmoteWaitForHealthyCommand(this ICakeContext context, IEnumerable<string> hosts, string[] command) =>
        RmoteWaitForHealthyCommand(context, hosts, command, new RmoteHealthSettings());

    /// <summary>Runs <paramref name="command"/> on every host until it exits 0 or the settings' timeout passes.</summary>
    [CakeMethodAlias]
    [CakeAliasCategory("Health")]
    public static FleetResult<HealthCheckResult> RmoteWaitForHealthyCommand(this ICakeContext context, IEnumerable<string> hosts, string[] command, RmoteHealthSettings settings)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(settings);
        return Health(context, nameof(RmoteWaitForHealthyCommand), hosts, HealthCheckOptions.ForCommand(command), settings);
    }

    static FleetResult<HealthCheckResult> Health(ICakeContext context, string alias, IEnumerable<string> hosts, HealthCheckOptions check, RmoteHealthSettings settings)
    {
        var options = check with { Interval = settings.Interval, Timeout = settings.Timeout, AttemptTimeout = settings.AttemptTimeout };
        return CakeStep.Run(context, alias, hosts, settings, (ops, fleet, ct) => ops.WaitForHealthyAsync(options, fleet, ct),
            r => $"healthy after {r.Attempts} attempt(s): {r.Detail}");
    }
}
