namespace Rmote.Fleet;

/// <summary>A host of a <see cref="FleetSession"/> and its connection (or why there is none).</summary>
public sealed class HostConnection
{
    internal HostConnection(HostSpec spec) => Spec = spec;

    /// <summary>The host.</summary>
    public HostSpec Spec { get; }

    /// <summary>The host's label.</summary>
    public string Name => Spec.Label;

    /// <summary>The open connection, or null when connecting failed.</summary>
    public Protocol? Protocol { get; internal set; }

    /// <summary>Why connecting failed.</summary>
    public Exception? ConnectError { get; internal set; }

    /// <summary>Time connecting took (or took to fail).</summary>
    public TimeSpan ConnectTime { get; internal set; }

    /// <summary>True while the connection is open.</summary>
    public bool IsConnected => Protocol is { IsConnected: true };

    /// <summary>Set once the host failed a step (later steps skip it when the options say so).</summary>
    public string? FailedStep { get; internal set; }

    /// <inheritdoc/>
    public override string ToString() => Name + (IsConnected ? "" : " (not connected)");
}
