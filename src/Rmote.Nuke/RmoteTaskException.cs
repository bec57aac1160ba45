namespace Rmote.Nuke;

/// <summary>An Rmote task failed; the message names each failed host and its cause, then the per-host table.</summary>
public sealed class RmoteTaskException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RmoteTaskException(string message) : base(message) { }

    /// <summary>Creates the exception with its cause.</summary>
    public RmoteTaskException(string message, Exception innerException) : base(message, innerException) { }
}
