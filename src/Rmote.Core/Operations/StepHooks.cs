using Rmote.Deploy;

namespace Rmote.Operations;

/// <summary>
/// The hooks of a release deploy and a rollback as Cake and Nuke scripts write them: a synchronous callback (which
/// may call other Rmote aliases or tasks, blocking as they do), run on a pool thread so that it can block.
/// </summary>
public static class StepHooks
{
    /// <summary>A BeforeSwitch hook of <paramref name="action"/>, or null.</summary>
    public static Func<ReleaseStaged, CancellationToken, Task>? BeforeSwitch(Action<ReleaseStaged>? action) =>
        action is null ? null : (staged, ct) => Task.Run(() => action(staged), ct);

    /// <summary>An AfterRollback hook of <paramref name="action"/>, or null.</summary>
    public static Func<ReleaseRolledBack, CancellationToken, Task>? AfterRollback(Action<ReleaseRolledBack>? action) =>
        action is null ? null : (back, ct) => Task.Run(() => action(back), ct);
}
