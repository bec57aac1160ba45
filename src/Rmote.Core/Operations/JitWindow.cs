using System.Diagnostics;
using System.Globalization;
using System.Runtime;

namespace Rmote.Operations;

/// <summary>
/// The JIT work a fresh build process does while one step runs: methods compiled and time spent compiling, beside the
/// step's own time, for the deploy benchmark's start-up figures. Only with <c>RMOTE_JIT_STATS=1</c> in the environment; the front ends log
/// <see cref="End"/>'s line then.
/// </summary>
internal sealed class JitWindow
{
    /// <summary>The environment variable that turns the line on.</summary>
    public const string EnvironmentVariable = "RMOTE_JIT_STATS";

    readonly long methods = JitInfo.GetCompiledMethodCount();
    readonly TimeSpan time = JitInfo.GetCompilationTime();
    readonly long started = Stopwatch.GetTimestamp();

    JitWindow() { }

    /// <summary>A window from now, or null when the environment does not ask for it.</summary>
    public static JitWindow? Start() => Environment.GetEnvironmentVariable(EnvironmentVariable) == "1" ? new JitWindow() : null;

    /// <summary>
    /// "rmote-jit: STEP methods=+N ms=+X process-methods=M process-ms=Y step-ms=Z": the window's JIT work, the process's
    /// so far, and the step's time.
    /// </summary>
    public string End(string step)
    {
        var (m, t) = (JitInfo.GetCompiledMethodCount(), JitInfo.GetCompilationTime());
        return string.Create(CultureInfo.InvariantCulture,
            $"rmote-jit: {step} methods=+{m - methods} ms=+{(t - time).TotalMilliseconds:0.0} process-methods={m} process-ms={t.TotalMilliseconds:0.0} "
            + $"step-ms={Stopwatch.GetElapsedTime(started).TotalMilliseconds:0.0}");
    }
}
