using Cake.Core;
using Cake.Core.Annotations;
using Rmote.Cake.Internal;
using Rmote.Fleet;
using Rmote.Operations;

namespace Rmote.Cake;

public static partial class RmoteAliases
{
    /// <summary>Waits until <paramref name="url"/>, fetched by each host itself, answers 200 (so a service on the host's loopback counts).</summary>
    /// <example><code>RmoteWaitForHealthy(hosts, "http://127.0.0.1:8080/health");</code></example>
    [CakeMethodAlias]
    [CakeAliasCategory("Health")]
    public static FleetResult<HealthCheckResult> RmoteWaitForHealthy(this ICakeContext context, IEnumerable<string> hosts, string url) =>
        RmoteWaitForHealthy(context, hosts, url, new RmoteWaitForHealthySettings());

    /// <summary>Polls <paramref name="url"/> from every host until it answers an expected status or the timeout passes.</summary>
    [CakeMethodAlias]
    [CakeAliasCategory("Health")]
    public static FleetResult<HealthCheckResult> RmoteWaitForHealthy(this ICakeContext context, IEnumerable<string> hosts, string url, RmoteWaitForHealthySettings settings) =>
        Health(context, nameof(RmoteWaitForHealthy), hosts, url, null, settings);

    /// <summary>Runs <paramref name="command"/> (program and arguments) on every host until it exits 0 or the timeout passes.</summary>
    /// <example><code>RmoteWaitForHealthyCommand(hosts, new[] { "systemctl", "is-active", "app" });</code></example>
    [CakeMethodAlias]
    [CakeAliasCategory("Health")]
    public static FleetResult<HealthCheckResult> RmoteWaitForHealthyCommand(this ICakeContext context, IEnumerable<string> hosts, string[] command) =>
        RmoteWaitForHealthyCommand(context, hosts, command, new RmoteWaitForHealthySettings());

    /// <summary>Runs <paramref name="command"/> on every host until it exits 0 or the settings' timeout passes.</summary>
    [CakeMethodAlias]
    [CakeAliasCategory("Health")]
    public static FleetResult<HealthCheckResult> RmoteWaitForHealthyCommand(this ICakeContext context, IEnumerable<string> hosts, string[] command, RmoteWaitForHealthySettings settings) =>
        Health(context, nameof(RmoteWaitForHealthyCommand), hosts, null, command, settings);

    static FleetResult<HealthCheckResult> Health(ICakeContext context, string alias, IEnumerable<string> hosts, string? url, string[]? command, RmoteWaitForHealthySettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return CakeStep.Run(context, alias, hosts, settings, _ => StepMapper.WaitForHealthy(StepParameters.From<WaitForHealthyStep>(settings) with
        {
            Url = url, Command = command,
        }), (ops, check, ct) => ops.WaitForHealthyAsync(check, null, ct));
    }
}
