namespace Rmote.Transport;

/// <summary>What a transport process's exit code says about why a connection ended.</summary>
internal static class TransportExit
{
    /// <summary>
    /// Killed by a signal (.NET reports 128 + the signal's number), or ssh's 255: ssh uses it both for a link that
    /// failed or dropped and for a remote interpreter killed by a signal, so stderr (below it) tells which.
    /// </summary>
    public static string? Describe(int? exitCode, bool ssh) => exitCode switch
    {
        255 when ssh => "ssh's code for a connection that failed or dropped, or a remote interpreter killed by a signal",
        > 128 and < 128 + 65 => $"the transport process was killed by signal {exitCode - 128}{SignalName(exitCode.Value - 128)}",
        _ => null,
    };

    static string SignalName(int signal) => signal switch
    {
        1 => " (SIGHUP)",
        2 => " (SIGINT)",
        6 => " (SIGABRT)",
        9 => " (SIGKILL)",
        11 => " (SIGSEGV)",
        13 => " (SIGPIPE)",
        15 => " (SIGTERM)",
        _ => "",
    };
}
