using Microsoft.Extensions.Logging;

namespace Rmote.Fleet;

/// <summary>
/// Where a <see cref="ConnectionPool"/> leaves its open connections when it is disposed, and looks for one before it
/// connects: a process that outlives builds (the MSBuild build server) keeps them between builds, for as long as
/// the host's <see cref="ConnectionSettings.ConnectionPersist"/>, as OpenSSH keeps a shared login.
/// </summary>
internal interface IConnectionParking
{
    /// <summary>A parked connection opened with the same transport and options (<paramref name="key"/>), now logging to <paramref name="logger"/>; null when none.</summary>
    Protocol? TryTake(string key, ILogger? logger);

    /// <summary>Keeps <paramref name="protocol"/> for a later pool; false when it is not kept (the caller closes it).</summary>
    bool Park(string key, Protocol protocol, HostSpec spec);
}
