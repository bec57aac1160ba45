using Cake.Core.Diagnostics;
using Microsoft.Extensions.Logging;
using CakeLevel = Cake.Core.Diagnostics.LogLevel;
using MelLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Rmote.Cake.Internal;

/// <summary>
/// Routes Rmote's diagnostics and the hosts' forwarded Python <c>logging</c> records to Cake's log, at the verbosity a
/// Cake user expects: errors and warnings always, information at Normal, debug at Verbose, trace at Diagnostic.
/// </summary>
internal sealed class CakeRemoteLogger(ICakeLog log) : ILogger
{
    /// <summary>The Cake (verbosity, level) pair of a logging level.</summary>
    public static (Verbosity, CakeLevel) Map(MelLevel level) => level switch
    {
        MelLevel.Critical => (Verbosity.Quiet, CakeLevel.Fatal),
        MelLevel.Error => (Verbosity.Quiet, CakeLevel.Error),
        MelLevel.Warning => (Verbosity.Minimal, CakeLevel.Warning),
        MelLevel.Information => (Verbosity.Normal, CakeLevel.Information),
        MelLevel.Debug => (Verbosity.Verbose, CakeLevel.Verbose),
        _ => (Verbosity.Diagnostic, CakeLevel.Debug),
    };

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(MelLevel logLevel) => logLevel != MelLevel.None && Map(logLevel).Item1 <= log.Verbosity;

    public void Log<TState>(MelLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel)) return;
        var (verbosity, level) = Map(logLevel);
        var text = formatter(state, exception);
        if (exception != null && logLevel >= MelLevel.Warning) text += " (" + exception.Message + ")";
        // "{0}": remote text may contain braces, which Cake would otherwise read as format items.
        log.Write(verbosity, level, "{0}", text);
    }
}
