using System.Text.Json;
using Rmote;
using Rmote.Fleet;

/// <summary>
/// Rmote runs that the bench times from the outside, as users run them: a fresh process (this program with
/// --fanout-child, or --copy-child: <see cref="CopyChild"/>) that connects to an inventory of hosts, so its time and
/// peak memory are its own.
/// </summary>
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

    /// <summary>Writes the inventory the child modes read.</summary>
    public static void WriteInventory(string path, IEnumerable<Target> targets) => File.WriteAllText(path, JsonSerializer.Serialize(targets.ToList()));

    /// <summary>The command line that runs this program as a child: the apphost, or `dotnet Rmote.Bench.Deploy.dll`.</summary>
    public static (string File, string[] Args) Self()
    {
        var self = Environment.ProcessPath!;
        return (self, self.EndsWith("dotnet", StringComparison.Ordinal) ? [typeof(FanOut).Assembly.Location] : []);
    }

    /// <summary>--fanout-child INVENTORY [--unshared] [--parallel N]: `true` on every connection at once.</summary>
    public static async Task<int> ChildAsync(string[] args)
    {
        await using var session = await ConnectAsync(args);
        var r = await session.RunAsync((p, ct) => p.CallAsync(Run, ["true"], ct));
        if (!r.AllSucceeded || r.Any(x => x.Value != 0))
        {
            Console.Error.WriteLine(r.ToTable());
            return 1;
        }
        return 0;
    }

    /// <summary>A session to the inventory args[1]; --unshared turns ssh connection sharing off, --not-kept the hosts' kept
    /// runtimes (KeepRuntime), --parallel N bounds the fan-out.</summary>
    public static async Task<FleetSession> ConnectAsync(string[] args)
    {
        var shared = !args.Contains("--unshared");
        var parallel = Array.IndexOf(args, "--parallel") is var i and >= 0 ? int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : 32;
        var targets = JsonSerializer.Deserialize<List<Target>>(File.ReadAllText(args[1]))!;
        var specs = targets.Select(t => new HostSpec
        {
            Host = t.Host, Port = t.Port, User = t.User, Identity = t.Identity, KnownHostsFile = t.KnownHosts, Name = t.Name, Python = t.Python,
            ConnectionPersist = shared ? null : TimeSpan.Zero,
            KeepRuntime = !args.Contains("--not-kept"),
        });
        var session = await FleetSession.ConnectAsync(specs, new FleetOptions { MaxParallel = parallel });
        if (!session.Connects.AllSucceeded)
        {
            Console.Error.WriteLine(session.Connects.ToTable());
            await session.DisposeAsync();
            throw new InvalidOperationException("not every host connected");
        }
        return session;
    }
}
