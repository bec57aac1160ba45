namespace Rmote.Nuke;

/// <summary>Settings of <see cref="RmoteTasks.RmoteWaitForHealthy(Configure{RmoteWaitForHealthySettings})"/> (immutable: each setter returns a copy).</summary>
public sealed record RmoteWaitForHealthySettings : RmoteSettings
{
    /// <summary>The URL each host fetches itself.</summary>
    public string? Url { get; init; }

    /// <summary>The program and arguments that must exit 0 (instead of a URL).</summary>
    public IReadOnlyList<string> Command { get; init; } = [];

    /// <summary>The HTTP status codes that count as healthy (default 200).</summary>
    public IReadOnlyList<int> ExpectedStatusCodes { get; init; } = [];

    /// <summary>The pause between attempts (default 1 s).</summary>
    public TimeSpan? Interval { get; init; }

    /// <summary>The time limit of one attempt (default 5 s).</summary>
    public TimeSpan? AttemptTimeout { get; init; }
}
