using System.Diagnostics;
using System.Globalization;
using Rmote.TestRig;

/// <summary>
/// One command run from the outside: wall time and peak memory of its process tree, split into the controller (every
/// process but the ssh clients: the .NET process, Ansible's forks, the local rsyncs) and the whole tree.
/// </summary>
sealed record Measured(double Seconds, long ControllerPeakKib, long TreePeakKib, string Stdout)
{
    /// <summary>
    /// Runs <paramref name="file"/>, sampling the tree's RSS every <paramref name="sampleMs"/> ms (a few ms of CPU per
    /// sample with hundreds of processes: the scale part samples less often). Throws with the output if it fails.
    /// </summary>
    public static async Task<Measured> RunAsync(string file, IEnumerable<string> args, IDictionary<string, string>? env = null, int sampleMs = 10)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (env != null) foreach (var (k, v) in env) psi.Environment[k] = v;
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        long controller = 0, tree = 0;
        while (!p.HasExited)
        {
            long c = 0, t = 0;
            foreach (var pid in ProcessTree.GetDescendants(p.Id).Prepend(p.Id))
            {
                var rss = RssKib(pid);
                t += rss;
                if (!IsSshClient(pid)) c += rss;
            }
            (controller, tree) = (Math.Max(controller, c), Math.Max(tree, t));
            await Task.Delay(sampleMs);
        }
        await p.WaitForExitAsync();
        var elapsed = sw.Elapsed.TotalSeconds;
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{file} failed ({p.ExitCode}): {await stdout}\n{await stderr}");
        return new Measured(elapsed, controller, tree, await stdout);
    }

    static bool IsSshClient(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/comm").Trim() == "ssh"; }
        catch (IOException) { return false; }
    }

    static long RssKib(int pid)
    {
        try
        {
            // statm's second field: resident pages.
            var statm = File.ReadAllText($"/proc/{pid}/statm").Split(' ');
            return long.Parse(statm[1], CultureInfo.InvariantCulture) * Environment.SystemPageSize / 1024;
        }
        catch (IOException) { return 0; }
        catch (UnauthorizedAccessException) { return 0; }
    }
}
