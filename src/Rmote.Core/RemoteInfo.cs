namespace Rmote;

/// <summary>What the remote runtime reported about itself when it started (the HELLO frame).</summary>
public sealed record RemoteInfo
{
    /// <summary>Protocol version spoken by the runtime.</summary>
    public int Protocol { get; init; }
    /// <summary>Process id of the remote interpreter.</summary>
    public int Pid { get; init; }
    /// <summary>Python version, e.g. "3.11.2".</summary>
    public string Python { get; init; } = "";
    /// <summary><c>sys.platform</c> of the remote.</summary>
    public string Platform { get; init; } = "";
    /// <summary>Path of the remote interpreter.</summary>
    public string Executable { get; init; } = "";
    /// <summary>Largest frame the remote accepts.</summary>
    public int MaxFrame { get; init; }
    /// <summary>The remote folder holding compiled runtime and tool code, or null when the code cache is off or unusable.</summary>
    public string? CodeCache { get; init; }
    /// <summary>
    /// The keys (<see cref="PythonTool.Key"/>) of the tools and modules the code cache held at connect: they are synced
    /// without their source (docs/PROTOCOL.md §4). A hint only: the remote checks each entry when it is used.
    /// </summary>
    public IReadOnlyList<string> CachedTools { get => cachedTools; init => cachedTools = value ?? []; }
    // Never null: the generated reader sets a missing init property to null (an older runtime sends no list).
    readonly IReadOnlyList<string> cachedTools = [];
}
