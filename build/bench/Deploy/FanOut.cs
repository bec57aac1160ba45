using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Rmote;
using Rmote.Fleet;
using Rmote.TestRig;

/// <summary>The 32-connection fan-out, run in a child process so its peak memory is its own.</summary>
static class FanOut
{
    public sealed record Target(string Name, string Host, int Port, string User, string Identity, string KnownHosts, string Python);

    static readonly PythonTool Tool = PythonTool.FromSource("BenchExec", """
        import subprocess

        class BenchExec(Tool):
            @staticmethod
            def run(argv):
                return subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL).returncode
        """);

    static readonly ToolMethod<string[], int> Run = Tool.Method<string[], int>("run");

    public static async Task<int> ChildAsync(string inventory, bool shared)
    {
        var targets = JsonSerializer.Deserialize<List<Target>>(File.ReadAllText(inventory))!;
        var specs = targets.Select(t => new HostSpec
        {
            Host = t.Host, Port = t.Port, User = t.User, Identity = t.Identity, KnownHostsFile = t.KnownHosts, Name = t.Name, Python = t.Python,
            ConnectionPersist = shared ? null : TimeSpan.Zero,
        });
        await using var session = await FleetSession.ConnectAsync(specs, new FleetOptions { MaxParallel = 32 });
        var r = await session.RunAsync((p, ct) => p.CallAsync(Run, ["true"], ct));
        if (!r.AllSucceeded || r.Any(x => x.Value != 0))
        {
            Console.Error.WriteLine(r.ToTable());
            return 1;
        }
        return 0;
    }

    /// <summary>Runs a command; returns wall time and the peak summed RSS (KiB) of its process tree, sampled every 10 ms.</summary>
    public static async Task<(double Seconds, long PeakKib)> MeasureAsync(string file, string[] args, IDictionary<string, string>? env)
    {
        var (seconds, peak, _) = await MeasureWithOutputAsync(file, args, env);
        return (seconds, peak);
    }

    /// <summary>As <see cref="MeasureAsync"/>, with the command's standard output.</summary>
    public static async Task<(double Seconds, long PeakKib, string Stdout)> MeasureWithOutputAsync(string file, string[] args, IDictionary<string, string>? env)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (env != null) foreach (var (k, v) in env) psi.Environment[k] = v;
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        long peak = 0;
        while (!p.HasExited)
        {
            var pids = ProcessTree.GetDescendants(p.Id).Prepend(p.Id);
            peak = Math.Max(peak, pids.Sum(RssKib));
            await Task.Delay(10);
        }
        await p.WaitForExitAsync();
        var elapsed = sw.Elapsed.TotalSeconds;
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{file} failed ({p.ExitCode}): {await stdout}\n{await stderr}");
        return (elapsed, peak, await stdout);
    }

    static long RssKib(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return 0;
    }
}
