namespace Rmote.Tools;

/// <summary>Starts or finds the host's keeper of a runtime kept between builds (python/tools/keep.py; see RuntimeKeeping).</summary>
internal static class Keep
{
    public static readonly PythonTool Tool = PythonTool.FromResource("Keep", "keep.py");

    /// <summary>start(name, idle seconds, interpreter arguments, bootstrap payload): the keeper's socket, or why none can run.</summary>
    public static readonly ToolMethod<string, double, string[], byte[], KeepStarted> Start = Tool.Method<string, double, string[], byte[], KeepStarted>("start");
}

/// <summary>Keep.start's answer.</summary>
internal sealed class KeepStarted
{
    /// <summary>The keeper's socket path on the host; null when no keeper can run there.</summary>
    public string? Socket { get; init; }

    /// <summary>True when this call launched the keeper (false: one was running).</summary>
    public bool Started { get; init; }

    /// <summary>Why no keeper can run (with <see cref="Socket"/> null).</summary>
    public string? Reason { get; init; }
}
