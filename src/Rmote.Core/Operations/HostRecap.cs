namespace Rmote.Operations;

/// <summary>
/// One host's line of a <see cref="DeployRecap"/>: how many steps ran on it and how they ended, as Ansible's PLAY RECAP
/// counts them (<see cref="Ok"/> counts every step that succeeded, <see cref="Changed"/> those of them that changed something).
/// </summary>
public sealed record HostRecap
{
    /// <summary>The host's label.</summary>
    public required string Host { get; init; }
    /// <summary>Steps that succeeded.</summary>
    public int Ok { get; init; }
    /// <summary>Succeeded steps that changed the host (files written, a command run, a unit restarted, a release switched).</summary>
    public int Changed { get; init; }
    /// <summary>Steps that failed on the host.</summary>
    public int Failed { get; init; }
    /// <summary>Steps the host could not be reached for.</summary>
    public int Unreachable { get; init; }
    /// <summary>Steps the host was skipped in (a failure policy stopped the fleet first).</summary>
    public int Skipped { get; init; }
    /// <summary>The release deployed or switched to last, or null.</summary>
    public string? ReleaseId { get; init; }
    /// <summary>Time spent on the host, summed over its steps.</summary>
    public TimeSpan Duration { get; init; }
}
