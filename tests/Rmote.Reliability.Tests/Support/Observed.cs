using System.Text.Json;
using Rmote.TestRig;

namespace Rmote.Reliability.Tests;

/// <summary>
/// Records what each fault case showed the user (the exception message) and what it left behind, as JSON lines in
/// $RMOTE_RELIABILITY_LOG (default /tmp/rmote-reliability-observed.jsonl): the raw material of docs/RELIABILITY.md.
/// </summary>
public static class Observed
{
    static readonly object Gate = new();
    static readonly string File = Environment.GetEnvironmentVariable("RMOTE_RELIABILITY_LOG") ?? Path.Combine(Path.GetTempPath(), "rmote-reliability-observed.jsonl");

    public static void Record(string @case, string injected, string userSaw, string leftOnHost)
    {
        var line = JsonSerializer.Serialize(new { @case, injected, userSaw, leftOnHost, at = DateTime.UtcNow });
        lock (Gate) System.IO.File.AppendAllText(File, line + "\n");
    }

    /// <summary>Live descendants of the test process whose command line contains <paramref name="needle"/>.</summary>
    public static IReadOnlyList<string> ChildProcesses(string needle) =>
        ProcessTree.GetDescendants(Environment.ProcessId)
            .Select(p => (p, cmd: ProcessTree.GetCommandLine(p) ?? ""))
            .Where(x => x.cmd.Contains(needle, StringComparison.Ordinal))
            .Select(x => $"{x.p}: {x.cmd[..Math.Min(120, x.cmd.Length)]}")
            .ToList();

    /// <summary>Waits until no descendant matches (reaping is asynchronous); returns what is still there.</summary>
    public static async Task<IReadOnlyList<string>> WaitNoChildrenAsync(string needle, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var left = ChildProcesses(needle);
            if (left.Count == 0 || DateTime.UtcNow > deadline) return left;
            await Task.Delay(100);
        }
    }

    public static async Task<bool> WaitGoneAsync(int pid, TimeSpan? timeout = null) => await ProcessTree.WaitForExitAsync(pid, timeout ?? TimeSpan.FromSeconds(60));

    public static SshOptions OptionsFor(SshHost host) => new()
    {
        Name = host.Name,
        User = host.User,
        Port = host.Port,
        Identity = host.IdentityFile,
        KnownHostsFile = host.KnownHostsFile,
        ConnectTimeout = TimeSpan.FromSeconds(20),
    };
}
