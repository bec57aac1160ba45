using Cake.Core;
using Cake.Core.Annotations;
using Rmote.Cake.Internal;
using Rmote.Fleet;
using Rmote.Operations;

namespace Rmote.Cake;

public static partial class RmoteAliases
{
    /// <summary>Restarts the systemd unit <paramref name="serviceName"/> on every host and waits until it is active.</summary>
    /// <example><code>RmoteServiceRestart(hosts, "app");</code></example>
    [CakeMethodAlias]
    [CakeAliasCategory("Service")]
    public static FleetResult<ServiceRestartOutcome> RmoteServiceRestart(this ICakeContext context, IEnumerable<string> hosts, string serviceName) =>
        RmoteServiceRestart(context, hosts, serviceName, new RmoteServiceRestartSettings());

    /// <summary>Restarts (or reloads) <paramref name="serviceName"/> on every host; a unit that does not come up fails with its journal.</summary>
    /// <example><code>RmoteServiceRestart(hosts, "nginx", new RmoteServiceRestartSettings().WithReload());</code></example>
    [CakeMethodAlias]
    [CakeAliasCategory("Service")]
    public static FleetResult<ServiceRestartOutcome> RmoteServiceRestart(this ICakeContext context, IEnumerable<string> hosts, string serviceName, RmoteServiceRestartSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return CakeStep.Run(context, nameof(RmoteServiceRestart), hosts, settings, _ => StepMapper.ServiceRestart(StepParameters.From<ServiceRestartStep>(settings) with
        {
            ServiceNames = [serviceName],
        }), (ops, request, ct) => ops.RestartServicesAsync(request, ct));
    }
}
