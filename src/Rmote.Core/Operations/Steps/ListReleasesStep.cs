namespace Rmote.Operations;

/// <summary>A release listing step as every front end states it.</summary>
public sealed record ListReleasesStep
{
    /// <summary>The releases' base folder on the hosts.</summary>
    public string? BaseFolder { get; init; }
}
