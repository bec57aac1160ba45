using Rmote.Operations;
using Rmote.Fleet;

namespace Rmote.MSBuild;

/// <summary>The codes of the errors and warnings the tasks log (the package README has the table).</summary>
public static class ErrorCodes
{
    /// <summary>Invalid task parameters or host items.</summary>
    public const string InvalidParameters = "RMT0001";
    /// <summary>A host could not be reached (connect failed, or the connection was lost).</summary>
    public const string Unreachable = "RMT0002";
    /// <summary>The build was cancelled while remote work ran.</summary>
    public const string Cancelled = "RMT0003";
    /// <summary>A copy failed on a host.</summary>
    public const string CopyFailed = "RMT0004";
    /// <summary>A remote command exited with a non-zero code.</summary>
    public const string CommandFailed = "RMT0005";
    /// <summary>A remote operation ran out of time.</summary>
    public const string TimedOut = "RMT0006";
    /// <summary>A service did not restart or reload.</summary>
    public const string ServiceFailed = "RMT0007";
    /// <summary>A template could not be rendered or written.</summary>
    public const string TemplateFailed = "RMT0008";
    /// <summary>A release switch or rollback failed.</summary>
    public const string ReleaseFailed = "RMT0009";
    /// <summary>A health check never passed.</summary>
    public const string Unhealthy = "RMT0010";
    /// <summary>Warning: a host was skipped by the failure policy.</summary>
    public const string Skipped = "RMT0011";
    /// <summary>Any other remote or local error.</summary>
    public const string Other = "RMT0012";

    /// <summary>Warning: the remote logged an error or critical record (forwarded Python logging).</summary>
    public const string RemoteLogError = "RMT0013";

    /// <summary>The code for a failed host row; <paramref name="stepCode"/> is the task's own failure code.</summary>
    internal static string For<T>(HostResult<T> row, string stepCode) => row.Status switch
    {
        HostStatus.Unreachable => Unreachable,
        HostStatus.Skipped => Skipped,
        _ => row.Error switch
        {
            // The check's own limit: it never passed (the step's limit, a frozen host, stays a time-out).
            HealthCheckTimeoutException => Unhealthy,
            TimeoutException => TimedOut,
            RemoteExitCodeException => CommandFailed,
            ServiceFailedException => ServiceFailed,
            OperationCanceledException => Cancelled,
            _ => stepCode,
        },
    };
}
