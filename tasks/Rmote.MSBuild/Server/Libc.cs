using System.Runtime.InteropServices;

namespace Rmote.MSBuild.Server;

/// <summary>The two calls of the C library the build server needs and .NET does not offer.</summary>
internal static class Libc
{
    /// <summary>A new session: Ctrl+C in the terminal of the build that started the server does not reach it.</summary>
    [DllImport("libc")]
    public static extern int setsid();

    [DllImport("libc")]
    public static extern uint geteuid();
}
