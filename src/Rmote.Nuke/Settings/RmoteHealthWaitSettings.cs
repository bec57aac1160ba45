namespace Rmote.Nuke;

/// <summary>Settings of <see cref="RmoteTasks.RmoteHealthWait(Func{RmoteHealthWaitSettings, RmoteHealthWaitSettings})"/> (immutable: each setter returns a copy).</summary>
public sealed record RmoteHealthWaitSettings : RmoteSettings
{
    /// <summary>The URL each host fetches itself.</summary>
    public string? Url { get; init; }

    /// <summary>The program and arguments that must exit 0 (instead of a URL).</summary>
    public IReadOnlyList<string> Command { get; init; } = [];

    /// <summary>The HTTP status codes that count as healthy (default 200).</summary>
    public IReadOnlyList<int> ExpectedStatusCodes { get; init; } = [];

    /// <summary>The pause between attempts (default 1 s).</summary>
    public TimeSpan? Interval { get; init; }

    /// <summary>The time limit per host (<see cref="RmoteSettings.Timeout"/>) is the wait for the check to pass.</summary>
    internal override TimeSpan? StepTimeout => Integration.StepBounds.AfterRemote(Timeout + (AttemptTimeout ?? TimeSpan.Zero));

    /// <summary>The time limit of one attempt (default 5 s).</summary>
    public TimeSpan? AttemptTimeout { get; init; }
}
