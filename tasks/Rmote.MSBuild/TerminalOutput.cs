using Microsoft.Build.Framework;

namespace Rmote.MSBuild;

/// <summary>
/// A message the user must see by default: per-host step summaries, remote output logged at High importance, copy
/// progress, the recap. The console logger shows any High message at minimal verbosity, but MSBuild's terminal logger
/// (<c>-tl</c>, the default in a terminal) shows no message below detailed verbosity, whatever its importance. Its one
/// channel for a task's live output is the one the test runners use: in a project that ran a target named
/// <c>_TestRunStart</c> (the Rmote targets run it through <c>RmoteShowInTerminal</c>), an
/// <see cref="ExtendedBuildMessageEventArgs"/> of type <c>TLTESTOUTPUT</c> is written at once. Every other logger
/// (console, file, binlog) sees an ordinary High message, so nothing is lost where the terminal logger is not used.
/// </summary>
internal static class TerminalOutput
{
    /// <summary>The extended type the terminal logger writes immediately in a project running tests.</summary>
    const string ImmediateType = "TLTESTOUTPUT";

    /// <summary>Logs <paramref name="text"/> at High importance, visible under the terminal logger as well.</summary>
    public static void Log(IBuildEngine engine, string sender, string text) =>
        engine.LogMessageEvent(new ExtendedBuildMessageEventArgs(ImmediateType, text, null, sender, MessageImportance.High));
}
