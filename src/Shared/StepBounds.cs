namespace Rmote.Integration;

/// <summary>The time limit a step gets on each host from its settings' <c>Timeout</c> (issue 16: every step has a bound).</summary>
internal static class StepBounds
{
    /// <summary>
    /// Added to a time limit the host enforces itself (an Exec's timeout kills its process group there), so that the
    /// host's own message, naming the command, comes first; the step limit then only ends a frozen host.
    /// </summary>
    public static readonly TimeSpan RemoteGrace = TimeSpan.FromSeconds(10);

    /// <summary><paramref name="remoteLimit"/> plus <see cref="RemoteGrace"/> (null stays null: no limit).</summary>
    public static TimeSpan? AfterRemote(TimeSpan? remoteLimit) => remoteLimit + RemoteGrace;
}
