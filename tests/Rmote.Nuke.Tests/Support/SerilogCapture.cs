using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Rmote.Nuke.Tests.Support;

/// <summary>Serilog's static logger (what a Nuke build logs to) captured as "Level: message" lines; disposing restores nothing but flushes.</summary>
public sealed class SerilogCapture : ILogEventSink, IDisposable
{
    readonly List<string> lines = [];

    /// <summary>Points <see cref="Log.Logger"/> at a new capture (every level).</summary>
    public static SerilogCapture Install()
    {
        var capture = new SerilogCapture();
        Log.Logger = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(capture).CreateLogger();
        return capture;
    }

    /// <summary>The lines so far.</summary>
    public string[] Lines { get { lock (lines) return [.. lines]; } }

    /// <summary>All lines, one per line.</summary>
    public string Text => string.Join('\n', Lines);

    /// <inheritdoc/>
    public void Emit(LogEvent logEvent) { lock (lines) lines.Add($"{logEvent.Level}: {logEvent.RenderMessage()}"); }

    /// <inheritdoc/>
    public void Dispose() => Log.CloseAndFlush();
}
