namespace Rmote;

/// <summary>
/// A host acknowledged none of the file data in flight for <see cref="ProtocolOptions.NoProgressTimeout"/>
/// (a frozen interpreter, a hung disk): its connection was closed so that the rest of the deploy goes on.
/// </summary>
public sealed class RemoteStalledException : TimeoutException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="host">The host that made no progress.</param>
    /// <param name="message">What was in flight, and the fix.</param>
    public RemoteStalledException(string host, string message) : base(message) => Host = host;

    /// <summary>The host that made no progress.</summary>
    public string Host { get; }
}
