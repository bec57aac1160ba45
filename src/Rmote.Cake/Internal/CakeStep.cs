using Cake.Core;
using Cake.Core.Diagnostics;
using Rmote.Deploy;
using Rmote.Fleet;
using Rmote.Integration;

namespace Rmote.Cake.Internal;

/// <summary>
/// What every alias does around its operation: turn the settings into host specs and fan-out options, run through the
/// shared operations layer, log the per-host table, and turn a failure into a <see cref="CakeException"/> naming each
/// failed host and its cause.
/// </summary>
internal static class CakeStep
{
    public static FleetResult<T> Run<T>(ICakeContext context, string alias, IEnumerable<string> hosts, RmoteSettings settings,
        Func<FleetOperations, FleetOptions, CancellationToken, Task<FleetResult<T>>> step, Func<T, string>? describe = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(settings);
        IReadOnlyList<HostSpec> specs;
        FleetOptions options;
        try
        {
            specs = OperationRunner.ParseHosts(hosts, settings.HostDefaults(context.Environment.WorkingDirectory.FullPath));
            options = new FleetOptions
            {
                MaxParallel = settings.MaxParallel,
                Serial = string.IsNullOrWhiteSpace(settings.Serial) ? (BatchSize?)null : BatchSize.Parse(settings.Serial),
                FailurePolicy = settings.FailurePolicy,
                MaxFailurePercentage = settings.MaxFailurePercentage,
                Logger = new CakeRemoteLogger(context.Log),
            };
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new CakeException($"{alias}: {e.Message}", e);
        }

        context.Log.Verbose("{0} on {1}", alias, string.Join(", ", specs.Select(s => s.Label)));
        FleetResult<T> result;
        try
        {
            result = OperationRunner.Run(specs, options, (ops, ct) => step(ops, options, ct));
        }
        catch (FleetCancelledException e)
        {
            throw new CakeException($"{alias} cancelled:\n{e.Message}", e);
        }
        catch (Exception e) when (e is not CakeException)
        {
            // Failures before any host ran (an unreadable source folder, a bad template file...).
            throw new CakeException($"{alias} failed: {e.Message}", e);
        }

        if (!result.AllSucceeded) throw new CakeException(FailureText.For(alias, result, describe));
        context.Log.Information("{0}", alias + "\n" + result.ToTable(describe).TrimEnd());
        return result;
    }
}
