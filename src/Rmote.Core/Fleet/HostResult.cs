namespace Rmote.Fleet;

/// <summary>One host's row of a fan-out result.</summary>
/// <typeparam name="T">The operation's value.</typeparam>
public sealed record HostResult<T>
{
    /// <summary>The host's label.</summary>
    public required string Host { get; init; }
    /// <summary>What happened.</summary>
    public required HostStatus Status { get; init; }
    /// <summary>The operation's value when it succeeded.</summary>
    public T? Value { get; init; }
    /// <summary>The exception when it failed or the host was unreachable.</summary>
    public Exception? Error { get; init; }
    /// <summary>Why a host was skipped, or a short error text.</summary>
    public string? Reason { get; init; }
    /// <summary>Time spent on this host in this step.</summary>
    public TimeSpan Duration { get; init; }
    /// <summary>Rolling batch number (1-based).</summary>
    public int Batch { get; init; } = 1;

    /// <summary>True when the operation completed on this host.</summary>
    public bool Success => Status == HostStatus.Succeeded;

    /// <summary>A one-line text for tables and logs.</summary>
    public string Detail => Status switch
    {
        HostStatus.Succeeded => Value?.ToString() ?? "",
        _ => Reason ?? Error?.Message ?? "",
    };

    /// <inheritdoc/>
    public override string ToString() => $"{Host}: {Status} ({Duration.TotalSeconds:0.00} s) {Detail}";
}
