using Microsoft.Extensions.Logging;

namespace Rmote.Operations;

/// <summary>
/// What a front end (Cake, Nuke) gives <see cref="StepRunner"/>: where logs go, which exception a failed step
/// throws, and the folder relative local paths are resolved against. Everything else is the same for all.
/// </summary>
internal sealed record StepHost
{
    /// <summary>Diagnostics, the hosts' forwarded logs, the step's start line (Debug) and its result table (Information).</summary>
    public required ILogger Logger { get; init; }

    /// <summary>The front end's exception for a failed step (message, cause).</summary>
    public required Func<string, Exception?, Exception> Error { get; init; }

    /// <summary>The folder relative local paths (source folders, template files) are resolved against.</summary>
    public required string LocalFolder { get; init; }
}
