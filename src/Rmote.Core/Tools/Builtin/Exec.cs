namespace Rmote.Tools;

/// <summary>
/// Runs programs on the remote (python/tools/exec.py). Each child gets its own process group, so a timeout or a
/// cancelled call kills everything it started.
/// </summary>
/// <example><code>
/// var r = await proto.CallAsync(Exec.Command, new ExecOptions("uname", "-r"));          // r.Stdout
/// var s = await proto.CallAsync(Exec.Shell, new ShellOptions("ls /etc | wc -l") { Check = false });
/// await foreach (var line in proto.StreamAsync(Exec.Stream, new ExecStreamOptions("journalctl", "-f")))
///     Console.WriteLine(line.Line);
/// </code></example>
public static class Exec
{
    /// <summary>The tool's Python source, shipped inside Rmote.Core.</summary>
    public static readonly PythonTool Tool = PythonTool.FromResource("Exec", "exec.py");

    /// <summary>
    /// <c>command(argv, cwd, env, stdin, check, timeout, merge_stderr)</c>: runs argv (never a shell) and waits.
    /// A non-zero exit with <c>Check</c> (the default) throws <see cref="RemoteCommandException"/>; the time limit
    /// throws <see cref="TimeoutException"/>; a missing program <see cref="FileNotFoundException"/>.
    /// </summary>
    public static readonly ToolMethod<ExecOptions, CommandResult> Command = Tool.KwMethod<ExecOptions, CommandResult>("command");

    /// <summary><c>shell(script, shell, cwd, env, stdin, check, timeout, merge_stderr)</c>: runs <c>shell -c script</c>; otherwise like <see cref="Command"/>.</summary>
    public static readonly ToolMethod<ShellOptions, CommandResult> Shell = Tool.KwMethod<ShellOptions, CommandResult>("shell");

    /// <summary>
    /// <c>stream(argv, cwd, env, timeout, check)</c>: output lines as they are produced, then one
    /// <see cref="OutputStream.Exit"/> item with the exit code. Stopping the enumeration early, or cancelling, kills the process group.
    /// </summary>
    public static readonly StreamMethod<ExecStreamOptions, OutputLine> Stream = Tool.KwStream<ExecStreamOptions, OutputLine>("stream");

    /// <summary><c>stream(script, shell=True, ...)</c>: <see cref="Stream"/> for a <c>/bin/sh -c</c> script.</summary>
    public static readonly StreamMethod<ShellStreamOptions, OutputLine> StreamShell = Tool.KwStream<ShellStreamOptions, OutputLine>("stream");
}
