using System.Globalization;

/// <summary>
/// CPU by role during one timed run, sampled from /proc every 50 ms: the controller (a child .NET process), local ssh clients
/// (started by this process or its children, masters included), local rsync, and each host's sshd sessions by
/// program (sshd, python, rsync). A process's CPU counts from the first sample (or its start) to its last sample, so a
/// process shorter than a sample may be missed: the exact totals of each side (<see cref="CpuAccounting"/>) come beside
/// them as "hosts, all" and "local, all".
/// </summary>
sealed class CpuSampler
{
    readonly HashSet<int> listeners;
    readonly int self = Environment.ProcessId;
    readonly Dictionary<(int Pid, long Start), (string Role, double First, double Last, string Comm)> seen = [];
    readonly HashSet<(int Pid, long Start)> masters = [];
    readonly CancellationTokenSource stop = new();
    readonly Task loop;
    bool first = true;

    readonly Bench bench;
    readonly (double Local, double Hosts) start;

    CpuSampler(Bench bench)
    {
        this.bench = bench;
        listeners = [.. bench.Hosts.Select(h => h.Pid)];
        start = (bench.Cpu.Local(), bench.AllHostsCpuMs());
        loop = Task.Run(LoopAsync);
    }

    public static CpuSampler Start(Bench bench) => new(bench);

    /// <summary>Stops sampling; returns ms of CPU per role.</summary>
    public async Task<SortedDictionary<string, double>> StopAsync()
    {
        Tick();
        await stop.CancelAsync();
        await loop;
        var sum = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var (_, v) in seen)
            if (v.Role.Length > 0) sum[v.Role] = sum.GetValueOrDefault(v.Role) + v.Last - v.First;
        if (bench.Cpu.Exact)
        {
            sum["hosts, all"] = bench.AllHostsCpuMs() - start.Hosts;
            sum["local, all"] = bench.Cpu.Local() - start.Local;
        }
        return sum;
    }

    /// <summary>"role 123, role 45" (ms).</summary>
    public static string Format(IDictionary<string, double> cpu) =>
        string.Join(", ", cpu.Where(x => x.Value >= 1).Select(x => string.Create(CultureInfo.InvariantCulture, $"{x.Key} {x.Value:0}")));

    async Task LoopAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            Tick();
            try { await Task.Delay(50, stop.Token); } catch (OperationCanceledException) { }
        }
    }

    void Tick()
    {
        lock (seen)
        {
            var procs = new Dictionary<int, (string Comm, int PPid, double Cpu, long Start)>();
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
                try
                {
                    var st = File.ReadAllText(dir + "/stat");
                    var comm = st[(st.IndexOf('(') + 1)..st.LastIndexOf(')')];
                    var f = st[(st.LastIndexOf(')') + 2)..].Split(' ');
                    long L(int i) => long.Parse(f[i], CultureInfo.InvariantCulture);
                    procs[pid] = (comm, (int)L(1), (L(11) + L(12)) * 10.0, L(19));
                }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
            }
            foreach (var (pid, p) in procs)
            {
                var key = (pid, p.Start);
                if (seen.TryGetValue(key, out var v))
                {
                    // exec keeps the pid: the login shell that runs `python3 ...` (or rsync) first shows as bash, so
                    // its role is taken again when its name changes, with all its CPU counted under the new one
                    seen[key] = v with { Last = p.Cpu, Role = v.Comm == p.Comm ? v.Role : Role(pid, p.Comm, procs, key), Comm = p.Comm };
                    continue;
                }
                var role = Role(pid, p.Comm, procs, key);
                seen[key] = (role, first ? p.Cpu : 0, p.Cpu, p.Comm);
            }
            first = false;
        }
    }

    string Role(int pid, string comm, Dictionary<int, (string Comm, int PPid, double Cpu, long Start)> procs, (int, long) key)
    {
        var underHost = false; var underSelf = false;
        for (var a = procs[pid].PPid; a > 1 && procs.TryGetValue(a, out var up); a = up.PPid)
        {
            if (listeners.Contains(a)) { underHost = true; break; }
            if (a == self) { underSelf = true; break; }
        }
        if (underHost) return comm.StartsWith("python", StringComparison.Ordinal) ? "host python" : comm.StartsWith("sshd", StringComparison.Ordinal) ? "host sshd" : "host " + comm;
        if (comm == "ssh")
        {
            // A ControlPersist master has left its parent and renamed itself ("ssh: SOCKET [mux]"): Masters knows this
            // run's. Only a yes is kept: a master seen before its rename would otherwise be missed for good.
            if (underSelf || masters.Contains(key)) return "ssh";
            if (!Masters.IsOurs(pid)) return "";
            masters.Add(key);
            return "ssh";
        }
        // The child's main thread may carry a .NET thread's name (".NET TP Worker"): any process of the runtime is the controller.
        return !underSelf ? "" : comm is "dotnet" || comm.StartsWith(".NET", StringComparison.Ordinal) ? "controller" : "local " + comm;
    }
}
