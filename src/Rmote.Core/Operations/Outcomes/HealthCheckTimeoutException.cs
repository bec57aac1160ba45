namespace Rmote.Operations;

/// <summary>
/// A health check never passed within its own time limit (a <see cref="TimeoutException"/>, so callers that catch
/// time-outs still do; front ends tell it from a step that merely ran out of time: MSBuild's RMT0010, not RMT0006).
/// </summary>
public sealed class HealthCheckTimeoutException(string message) : TimeoutException(message);
