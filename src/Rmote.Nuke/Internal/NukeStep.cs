using Rmote.Fleet;
using Rmote.Operations;

namespace Rmote.Nuke.Internal;

/// <summary>
/// Nuke's adapter to the shared step runner (<see cref="StepRunner"/>): logs go to Serilog's static logger, a failure
/// is an <see cref="RmoteTaskException"/>, relative local paths are relative to the current folder. The connection
/// settings become the hosts' defaults here; everything else happens in Rmote.Core's operations layer.
/// </summary>
internal static class NukeStep
{
    static readonly StepHost Host = new()
    {
        Logger = SerilogRemoteLogger.Instance,
        Error = (message, inner) => inner is null ? new RmoteTaskException(message) : new RmoteTaskException(message, inner),
        LocalFolder = "",
    };

    /// <summary>The step host a recap logs through (Serilog).</summary>
    public static StepHost RecapHost => Host;

    public static FleetResult<TOut> Run<TRequest, TOut>(string task, RmoteSettings settings,
        Func<string, TRequest> map, Func<FleetOperations, TRequest, CancellationToken, Task<FleetResult<TOut>>> run) where TRequest : notnull
    {
        ArgumentNullException.ThrowIfNull(settings);
        var host = Host with { LocalFolder = Environment.CurrentDirectory };
        return StepRunner.Run(host, task, settings.Hosts, settings.HostDefaults(),
            () => StepMapper.FanOut(settings.MaxParallel, settings.Serial, settings.FailurePolicy, settings.MaxFailurePercentage),
            () => map(host.LocalFolder), run, settings.WhatIf ?? false);
    }

    /// <summary>Throws when a required setting is missing, naming its setter.</summary>
    public static string Require(string task, string? value, string name) =>
        string.IsNullOrWhiteSpace(value) ? throw new RmoteTaskException($"{task}: {name} is not set (Set{name}).") : value;
}
