namespace Rmote.Operations;

/// <summary>
/// The defaults of the build steps, in one place: the request records start from them, and front ends whose
/// parameters cannot be "unset" (MSBuild's ints) initialise theirs from them.
/// </summary>
public static class StepDefaults
{
    /// <summary>Releases kept after a release deploy.</summary>
    public const int KeepReleases = 5;
    /// <summary>Wait for another deploy holding a releases base's lock.</summary>
    public static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(60);
    /// <summary>Pause before a copy is retried on a host.</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    /// <summary>Time a unit may take to become active after a restart.</summary>
    public static readonly TimeSpan ServiceTimeout = TimeSpan.FromSeconds(30);
    /// <summary>Journal lines quoted when a unit does not come up.</summary>
    public const int JournalLines = 20;
    /// <summary>Pause between health check attempts.</summary>
    public static readonly TimeSpan HealthInterval = TimeSpan.FromSeconds(1);
    /// <summary>How long a health check keeps trying.</summary>
    public static readonly TimeSpan HealthTimeout = TimeSpan.FromSeconds(60);
    /// <summary>Time limit of one health check attempt.</summary>
    public static readonly TimeSpan HealthAttemptTimeout = TimeSpan.FromSeconds(5);
    /// <summary>Least time between two progress lines of one host's copy.</summary>
    public static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(2);
    /// <summary>HTTP statuses that count as healthy.</summary>
    public static IReadOnlyList<int> ExpectedStatusCodes { get; } = [200];
}
