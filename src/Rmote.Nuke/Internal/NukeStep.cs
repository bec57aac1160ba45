using Rmote.Deploy;
using Rmote.Fleet;
using Rmote.Integration;
using Serilog;

namespace Rmote.Nuke.Internal;

/// <summary>
/// What every task does around its operation: settings to host specs and fan-out options, run through the shared
/// operations layer, log the per-host table through Serilog, and throw <see cref="RmoteTaskException"/> naming each
/// failed host and its cause.
/// </summary>
internal static class NukeStep
{
    public static FleetResult<T> Run<T>(string task, RmoteSettings settings,
        Func<FleetOperations, FleetOptions, CancellationToken, Task<FleetResult<T>>> step, Func<T, string>? describe = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        IReadOnlyList<HostSpec> specs;
        FleetOptions options;
        try
        {
            specs = OperationRunner.ParseHosts(settings.Hosts, settings.HostDefaults());
            var defaults = new FleetOptions();
            options = new FleetOptions
            {
                MaxParallel = settings.MaxParallel ?? defaults.MaxParallel,
                Serial = string.IsNullOrWhiteSpace(settings.Serial) ? (BatchSize?)null : BatchSize.Parse(settings.Serial),
                FailurePolicy = settings.FailurePolicy ?? defaults.FailurePolicy,
                MaxFailurePercentage = settings.MaxFailurePercentage ?? defaults.MaxFailurePercentage,
                Logger = SerilogRemoteLogger.Instance,
            };
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new RmoteTaskException($"{task}: {e.Message}", e);
        }

        Log.Debug("{Task} on {Hosts}", task, string.Join(", ", specs.Select(s => s.Label)));
        FleetResult<T> result;
        try
        {
            result = OperationRunner.Run(specs, options, (ops, ct) => step(ops, options, ct));
        }
        catch (FleetCancelledException e)
        {
            throw new RmoteTaskException($"{task} cancelled:\n{e.Message}", e);
        }
        catch (Exception e) when (e is not RmoteTaskException)
        {
            throw new RmoteTaskException($"{task} failed: {e.Message}", e);
        }
        if (!result.AllSucceeded) throw new RmoteTaskException(FailureText.For(task, result, describe));
        Log.Information("{Task}\n{Table}", task, result.ToTable(describe).TrimEnd());
        return result;
    }
}
