namespace Rmote.Fleet;

/// <summary>Outcome of one host in a fan-out step.</summary>
public enum HostStatus
{
    /// <summary>The operation completed.</summary>
    Succeeded,
    /// <summary>The operation threw.</summary>
    Failed,
    /// <summary>The connection could not be opened (or was lost before the step).</summary>
    Unreachable,
    /// <summary>Not run: the failure policy stopped the fan-out, or the host failed an earlier step.</summary>
    Skipped,
}
