namespace Rmote.Operations;

/// <summary>A health wait step as every front end states it: exactly one of <see cref="Url"/> and <see cref="Command"/>.</summary>
public sealed record WaitForHealthyStep
{
    /// <summary>URL each host fetches itself.</summary>
    public string? Url { get; init; }
    /// <summary>Program and arguments that must exit 0.</summary>
    public IReadOnlyList<string>? Command { get; init; }
    /// <summary>HTTP statuses that count as healthy (default 200).</summary>
    public IReadOnlyList<int>? ExpectedStatusCodes { get; init; }
    /// <summary>Pause between attempts (default 1 s).</summary>
    public TimeSpan? Interval { get; init; }
    /// <summary>How long to keep trying (default 60 s).</summary>
    public TimeSpan? Timeout { get; init; }
    /// <summary>Time limit of one attempt (default 5 s).</summary>
    public TimeSpan? AttemptTimeout { get; init; }
}
