using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace Rmote.Tools;

/// <summary>What every <see cref="Exec"/> call shares: where and how the child runs.</summary>
public abstract record ProcessOptions
{
    /// <summary>Working directory (default: the remote runtime's).</summary>
    public string? Cwd { get; init; }
    /// <summary>
    /// The child's whole environment, as in rmote (<c>HOME</c>, <c>PATH</c>... are unset unless given; null values are
    /// left out). With <see cref="MergeEnv"/> the variables are merged over the remote environment instead, and a null
    /// value unsets an inherited one. Null: the remote environment is inherited unchanged.
    /// </summary>
    public IReadOnlyDictionary<string, string?>? Env { get; init; }
    /// <summary>True: <see cref="Env"/> is added to the inherited environment instead of replacing it (default false, as rmote).</summary>
    public bool? MergeEnv { get; init; }
    /// <summary>Time limit; on expiry the process group is killed and a <see cref="TimeoutException"/> thrown.</summary>
    [JsonConverter(typeof(NullableSecondsConverter))]
    public TimeSpan? Timeout { get; init; }
    /// <summary>False: a non-zero exit is returned instead of thrown (default true).</summary>
    public bool? Check { get; init; }
}

/// <summary>What <see cref="Exec.Command"/> and <see cref="Exec.Shell"/> add: stdin and stderr merging.</summary>
public abstract record RunOptions : ProcessOptions
{
    /// <summary>Text fed to stdin (UTF-8); null gives /dev/null.</summary>
    public string? Stdin { get; init; }
    /// <summary>Send stderr into stdout (interleaved as written); <see cref="CommandResult.Stderr"/> is then empty.</summary>
    public bool? MergeStderr { get; init; }
}

/// <summary>Arguments of <see cref="Exec.Command"/>: a program and its arguments, no shell involved.</summary>
public sealed record ExecOptions : RunOptions
{
    /// <summary>Runs <paramref name="argv"/>[0] with the rest as its arguments.</summary>
    [SetsRequiredMembers]
    public ExecOptions(params string[] argv) => Argv = argv;

    /// <summary>Program and arguments.</summary>
    public required IReadOnlyList<string> Argv { get; init; }
}

/// <summary>Arguments of <see cref="Exec.Shell"/>: a script run with <c>Shell -c</c>.</summary>
public sealed record ShellOptions : RunOptions
{
    /// <summary>Runs <paramref name="script"/> with /bin/sh.</summary>
    [SetsRequiredMembers]
    public ShellOptions(string script) => Script = script;

    /// <summary>The script text.</summary>
    public required string Script { get; init; }
    /// <summary>Shell program (default <c>/bin/sh</c>).</summary>
    public string? Shell { get; init; }
}

/// <summary>Arguments of <see cref="Exec.Stream"/> (stdin is /dev/null).</summary>
public sealed record ExecStreamOptions : ProcessOptions
{
    /// <summary>Streams the output of <paramref name="argv"/>.</summary>
    [SetsRequiredMembers]
    public ExecStreamOptions(params string[] argv) => Argv = argv;

    /// <summary>Program and arguments.</summary>
    public required IReadOnlyList<string> Argv { get; init; }
}

/// <summary>Arguments of <see cref="Exec.StreamShell"/>: a script run by <c>/bin/sh -c</c>.</summary>
public sealed record ShellStreamOptions : ProcessOptions
{
    /// <summary>Streams the output of <paramref name="script"/>.</summary>
    [SetsRequiredMembers]
    public ShellStreamOptions(string script) => Script = script;

    /// <summary>The script text (sent as Python's <c>argv</c> with <c>shell=True</c>).</summary>
    [JsonPropertyName("argv")]
    public required string Script { get; init; }

    /// <summary>Always true: tells the Python side that <c>argv</c> is a script.</summary>
    [JsonPropertyName("shell")]
    public bool IsShell => true;
}

/// <summary>Result of <see cref="Exec.Command"/> / <see cref="Exec.Shell"/>.</summary>
public sealed record CommandResult
{
    /// <summary>Exit status (negative signal number when killed by a signal).</summary>
    public int ExitCode { get; init; }
    /// <summary>Standard output, UTF-8 decoded (invalid bytes replaced).</summary>
    public string Stdout { get; init; } = "";
    /// <summary>Standard error; empty with <see cref="RunOptions.MergeStderr"/>.</summary>
    public string Stderr { get; init; } = "";
    /// <summary>Wall time the command ran.</summary>
    [JsonConverter(typeof(SecondsConverter))]
    public TimeSpan Duration { get; init; }
}

/// <summary>Which stream an <see cref="OutputLine"/> came from.</summary>
public enum OutputStream
{
    /// <summary>Standard output.</summary>
    Stdout,
    /// <summary>Standard error.</summary>
    Stderr,
    /// <summary>The final item: the process ended; see <see cref="OutputLine.ExitCode"/>.</summary>
    Exit,
}

/// <summary>One item of <see cref="Exec.Stream"/>: a line of output, or (last) the exit code.</summary>
public sealed record OutputLine
{
    /// <summary>Stdout, stderr, or exit for the final item.</summary>
    public OutputStream Stream { get; init; }
    /// <summary>The line without its newline; null on the exit item.</summary>
    public string? Line { get; init; }
    /// <summary>The exit status, on the exit item only.</summary>
    public int? ExitCode { get; init; }
}
