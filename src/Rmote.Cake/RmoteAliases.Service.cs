using Cake.Core;
using Cake.Core.Annotations;
using Rmote.Cake.Internal;
using Rmote.Deploy;
using Rmote.Fleet;

namespace Rmote.Cake;

public static partial class RmoteAliases
{
    /// <summary>Restarts the systemd unit <paramref name="serviceName"/> on every host and waits until it is active.</summary>
    /// <example><code>RmoteServiceRestart(hosts, "app");</code></example>
    [CakeMethodAlias]
    [CakeAliasCategory("Service")]
    public static FleetResult<ServiceRestartOutcome> RmoteServiceRestart(this ICakeContext context, IEnumerable<string> hosts, string serviceName) =>
        RmoteServiceRestart(context, hosts, serviceName, new RmoteServiceSettings());

    /// <summary>Restarts (or reloads) <paramref name="serviceName"/> on every host; a unit that does not come up fails with its journal.</summary>
    /// <example><code>RmoteServiceRestart(hosts, "nginx", new RmoteServiceSettings().WithReload());</code></example>
    [CakeMethodAlias]
    [CakeAliasCategory("Service")]
    public static FleetResult<ServiceRestartOutcome> RmoteServiceRestart(this ICakeContext context, IEnumerable<string> hosts, string serviceName, RmoteServiceSettings settings)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);
        ArgumentNullException.ThrowIfNull(settings);
        return CakeStep.Run(context, nameof(RmoteServiceRestart), hosts, settings, (ops, fleet, ct) => ops.RestartServicesAsync(new ServiceRestartRequest
        {
            Names = [serviceName],
            Reload = settings.Reload,
            Timeout = settings.Timeout,
            JournalLines = settings.JournalLines,
            Fleet = fleet,
        }, ct));
    }
}
