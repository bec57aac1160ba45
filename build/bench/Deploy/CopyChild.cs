using System.Globalization;
using System.Text.Json;
using Rmote.Deploy;
using Rmote.Fleet;

/// <summary>
/// `--copy-child INVENTORY SRC DEST`: one copy of a folder to every host, as a user's tool runs it (a fresh process:
/// connect, copy, exit). Prints its own peak RSS and CPU for the parent to report.
/// </summary>
static class CopyChild
{
    public static async Task<int> RunAsync(string inventory, string src, string dest)
    {
        var targets = JsonSerializer.Deserialize<List<FanOut.Target>>(File.ReadAllText(inventory))!;
        var specs = targets.Select(t => new HostSpec
        {
            Host = t.Host, Port = t.Port, User = t.User, Identity = t.Identity, KnownHostsFile = t.KnownHosts, Name = t.Name, Python = t.Python,
        });
        var options = new CopyOptions { DestinationFolder = dest };
        if (Environment.GetEnvironmentVariable("BENCH_DURABLE") == "0") options = options with { Durable = false };
        await using (var session = await FleetSession.ConnectAsync(specs))
        {
            var r = await new Copier(CopySource.FromFolder(src), options).CopyAsync(session);
            if (!r.AllSucceeded)
            {
                Console.Error.WriteLine(r.ToTable());
                return 1;
            }
        }
        // After the session's ssh clients are reaped: "children" is their CPU.
        var own = ProcStats.Own();
        var hwm = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"copy-child hwm_kib={hwm.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]} cpu_ms={own.Self} children_ms={own.Children}"));
        return 0;
    }

    /// <summary>Reads a field ("hwm_kib", "cpu_ms", "children_ms") of the child's last line.</summary>
    public static double Field(string stdout, string name)
    {
        var line = stdout.Split('\n').Last(l => l.StartsWith("copy-child ", StringComparison.Ordinal));
        var kv = line.Split(' ').First(x => x.StartsWith(name + "=", StringComparison.Ordinal));
        return double.Parse(kv[(name.Length + 1)..], CultureInfo.InvariantCulture);
    }
}
