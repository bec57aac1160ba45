using Cake.Core;
using Rmote.Fleet;
using Rmote.Operations;

namespace Rmote.Cake.Internal;

/// <summary>
/// Cake's adapter to the shared step runner (<see cref="StepRunner"/>): logs go to Cake's log, a failure is a
/// <see cref="CakeException"/>, relative local paths are relative to the script's working folder. The connection
/// settings become the hosts' defaults here; everything else happens in Rmote.Core's operations layer.
/// </summary>
internal static class CakeStep
{
    public static FleetResult<TOut> Run<TRequest, TOut>(ICakeContext context, string alias, IEnumerable<string> hosts, RmoteSettings settings,
        Func<string, TRequest> map, Func<FleetOperations, TRequest, CancellationToken, Task<FleetResult<TOut>>> run) where TRequest : notnull
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(settings);
        var host = HostFor(context);
        return StepRunner.Run(host, alias, hosts, settings.HostDefaults(host.LocalFolder),
            () => StepMapper.FanOut(settings.MaxParallel, settings.Serial, settings.FailurePolicy, settings.MaxFailurePercentage),
            () => map(host.LocalFolder), run, settings.WhatIf || WhatIfArgument(context));
    }

    /// <summary>Cake's log, exception and working folder for the step runner.</summary>
    public static StepHost HostFor(ICakeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new StepHost
        {
            Logger = new CakeRemoteLogger(context.Log),
            Error = (message, inner) => inner is null ? new CakeException(message) : new CakeException(message, inner),
            LocalFolder = context.Environment.WorkingDirectory.FullPath,
        };
    }

    /// <summary>
    /// <c>--RmoteWhatIf</c> (or <c>--RmoteWhatIf=true</c>) on the command line: check mode for every alias of the run, as
    /// <c>-p:RmoteWhatIf=true</c> is for MSBuild. Not Cake's own <c>--whatif</c>, which is its dry run (no task runs at all).
    /// </summary>
    static bool WhatIfArgument(ICakeContext context) =>
        context.Arguments.HasArgument(WhatIfName)
        && context.Arguments.GetArguments(WhatIfName).LastOrDefault() is var value
        && (string.IsNullOrEmpty(value) || !bool.TryParse(value, out var on) || on);

    const string WhatIfName = "RmoteWhatIf";
}
