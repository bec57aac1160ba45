using System.Globalization;
using System.Text.RegularExpressions;

namespace Rmote.MSBuild.Tests;

/// <summary>What a test reads of the Rmote build servers: the pid a build's log names, and when that server listens.</summary>
internal static partial class BuildServers
{
    /// <summary>The server a build started for the next builds (its -v:d log says so), or null.</summary>
    public static int? StartedBy(string log) => Started().Match(log) is { Success: true } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;

    /// <summary>The tasks that ran in a server, with its pid (-v:d).</summary>
    public static List<(string Task, int Pid)> RanIn(string log) =>
        [.. RanThere().Matches(log).Select(m => (m.Groups[1].Value, int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)))];

    /// <summary>
    /// Waits until <paramref name="pid"/> listens on its build-server socket: a socket of its own in /proc/net/unix
    /// with the listening flag and a ~/.cache/rmote/ssh/build-* path. Fails when the process ends first.
    /// </summary>
    public static async Task ListeningAsync(int pid, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Listens(pid))
        {
            Assert.True(Directory.Exists($"/proc/{pid}"), $"build server {pid} ended before it listened");
            Assert.True(DateTime.UtcNow < deadline, $"build server {pid} did not listen within {timeout}");
            await Task.Delay(20);
        }
    }

    static bool Listens(int pid)
    {
        HashSet<string> inodes = [];
        try
        {
            foreach (var fd in Directory.EnumerateFiles($"/proc/{pid}/fd"))
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal)) inodes.Add(target[8..^1]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
        // Num RefCount Protocol Flags Type St Inode Path; flag 0x10000 = __SO_ACCEPTCON (listening)
        return File.ReadLines("/proc/net/unix").Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Any(f => f.Length >= 8 && inodes.Contains(f[6]) && f[7].Contains("/.cache/rmote/ssh/build-", StringComparison.Ordinal)
                && (Convert.ToInt32(f[3], 16) & 0x10000) != 0);
    }

    [GeneratedRegex(@"started one \(pid (\d+)\) for the next builds")]
    private static partial Regex Started();

    [GeneratedRegex(@"(\w+) runs in the Rmote build server \(pid (\d+)\)")]
    private static partial Regex RanThere();
}
