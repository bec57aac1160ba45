using System.Diagnostics;
using System.Globalization;
using Rmote;
using Rmote.Deploy;
using Rmote.Fleet;
using Rmote.TestRig;

/// <summary>
/// What every mode shares: 4 loopback sshd hosts, the workload (a copy of the source folder), the rmote copier, one
/// session kept open for the "connections open" rows, and the rmote runs timed against the peers.
/// </summary>
sealed class Bench : IAsyncDisposable
{
    readonly SshFleet fleet;
    readonly TempDir work;
    readonly string changeTarget;
    FleetSession? warm;
    int generation;

    Bench(BenchOptions options, SshFleet fleet, TempDir work, string src)
    {
        Options = options;
        this.fleet = fleet;
        Cpu = CpuAccounting.Track(fleet.Hosts);
        this.work = work;
        Src = src;
        Files = Directory.GetFiles(src, "*", SearchOption.AllDirectories);
        Copier = new Copier(CopySource.FromFolder(src), CopyOptionsFromEnvironment("/srv/b-rmote"));
        changeTarget = Files.OrderBy(f => f, StringComparer.Ordinal).First(f => new FileInfo(f).Length is > 200_000 and < 2_000_000);
    }

    public BenchOptions Options { get; }
    public IReadOnlyList<SshHost> Hosts => fleet.Hosts;
    public string Src { get; }
    public string[] Files { get; }
    public Copier Copier { get; }

    /// <summary>Each host's CPU and the local tools', every process included (<see cref="CpuAccounting"/>).</summary>
    public CpuAccounting Cpu { get; }

    /// <summary>The session kept open between deploys (the "connections open" rows).</summary>
    public FleetSession Warm => warm ?? throw new InvalidOperationException("the bench has not connected its open session");

    /// <summary>JIT time inside <see cref="RmoteDeployAsync"/>'s timed windows (steady state: near 0).</summary>
    public (int Runs, double Ms) TimedJit { get; set; }

    // The interpreter by absolute path, as Ansible's ansible_python_interpreter: on this box `python3` on the
    // remote PATH is a pyenv shim (a bash script) that costs ~100-300 ms per connection; real hosts have /usr/bin/python3.
    public static string RemotePython { get; } = Environment.GetEnvironmentVariable("BENCH_PYTHON") ?? "/usr/bin/python3";

    public static async Task<Bench> StartAsync(BenchOptions options)
    {
        var fleet = await SshFleet.StartAsync(4);
        var work = new TempDir("rmote-bench-");
        Bench? bench = null;
        try
        {
            var src = work.Combine("app");
            (await ProcessRunner.RunAsync("cp", "-a", options.SourceDir, src)).EnsureSuccess();
            bench = new Bench(options, fleet, work, src);
            var totalMb = bench.Files.Sum(f => new FileInfo(f).Length) / 1e6;
            Console.WriteLine($"Deploy benchmark: {(options.Only == "frontend" ? options.FrontendRounds : options.Rounds)} rounds, medians; {Environment.ProcessorCount} cores; "
                + $"workload {bench.Files.Length} files, {totalMb:0.0} MB ({options.SourceDir}) to {bench.Hosts.Count} sshd hosts at once");
            bench.warm = await FleetSession.ConnectAsync(bench.Hosts.Select(h => bench.Spec(h)));
            return bench;
        }
        catch
        {
            if (bench is not null) await bench.DisposeAsync();
            else { work.Dispose(); await fleet.DisposeAsync(); }
            throw;
        }
    }

    /// <summary>A path in the bench's scratch folder.</summary>
    public string Combine(string name) => work.Combine(name);

    // Rmote shares each host's SSH connection between connections by default (ControlPersist, as Ansible does);
    // "unshared" runs turn that off, so every connection pays OpenSSH's key exchange and login as rsync's does.
    public HostSpec Spec(SshHost h, string? name = null, bool shared = true) => new()
    {
        Host = h.HostName, User = h.User, Port = h.Port, Identity = h.IdentityFile, KnownHostsFile = h.KnownHostsFile, Name = name ?? h.Name,
        Python = RemotePython, ConnectionPersist = shared ? null : TimeSpan.Zero,
    };

    /// <summary>CPU of every host (its sshd, the sessions, the shell, python or the rsync/scp server), in ms.</summary>
    public double AllHostsCpuMs() => Hosts.Sum(Cpu.Host);

    /// <summary>Removes <paramref name="name"/> under every host's /srv.</summary>
    public void Clean(string name) => Clean(Hosts, name);

    /// <summary>Removes <paramref name="name"/> under the /srv of each of <paramref name="hosts"/>.</summary>
    public static void Clean(IEnumerable<SshHost> hosts, string name)
    {
        foreach (var h in hosts) Rm(Path.Combine(h.SrvRoot, name));
    }

    public static void Rm(string path)
    {
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
    }

    // Every timed run starts with no dirty pages left by the previous one (untimed `sync`): otherwise whoever
    // runs next pays for the last tool's writeback (a 1 GiB `cat` leaves all of it; an fsync flushes others' data).
    // And with none of this process's garbage: Rmote's in-process runs would pay for collecting and unmapping the
    // bench's own (the delta part's 400 MiB arrays cost a timed run ~0.1-0.3 s of CPU), the other tools would not.
    public static async Task Settle()
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        (await ProcessRunner.RunAsync("sync")).EnsureSuccess();
    }

    /// <summary>
    /// Before a cold copy of a large tree: the clean page cache is dropped (where this may write /proc/sys/vm/drop_caches)
    /// and <paramref name="source"/> read back in, so every tool starts with its source cached and free memory to write
    /// into. Seen without it (2026-12-07, 24 GiB, the cache full from earlier runs): in the first round after the tree
    /// was made, whichever tool ran took 2-5x its time with 2-8x the host CPU (the kernel reclaiming pages inside the
    /// writers), and a median of two rounds reported that.
    /// </summary>
    public static async Task FreeMemoryAsync(string source)
    {
        await Settle();
        try { File.WriteAllText("/proc/sys/vm/drop_caches", "1"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return; }
        var buffer = new byte[1 << 16];
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            using var f = File.OpenRead(file);
            while (f.Read(buffer) > 0) { }
        }
    }

    /// <summary>A new modification time each call, so every tool sees a changed file as changed.</summary>
    public DateTime NextStamp() => new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(++generation);

    /// <summary>Flips the last byte of one mid-sized workload file and gives it a new modification time.</summary>
    public void ChangeOneFile()
    {
        var bytes = File.ReadAllBytes(changeTarget);
        bytes[^1] ^= 0x5a;
        File.WriteAllBytes(changeTarget, bytes);
        File.SetLastWriteTimeUtc(changeTarget, NextStamp());
    }

    /// <summary>A deploy to all hosts in a new session (ssh connection sharing on).</summary>
    public Task<double> RmoteDeployAsync() => RmoteDeployWithAsync(shared: true);

    /// <summary>A deploy to all hosts in a new session, ssh connection sharing off.</summary>
    public Task<double> RmoteUnsharedAsync() => RmoteDeployWithAsync(shared: false);

    async Task<double> RmoteDeployWithAsync(bool shared)
    {
        await Settle();
        var jit0 = ProcStats.Jit().Ms;
        var sw = Stopwatch.StartNew();
        await using (var session = await FleetSession.ConnectAsync(Hosts.Select(h => Spec(h, shared: shared))))
            (await Copier.CopyAsync(session)).EnsureSuccess();
        var t = sw.Elapsed.TotalSeconds;
        TimedJit = (TimedJit.Runs + 1, TimedJit.Ms + ProcStats.Jit().Ms - jit0);
        return t;
    }

    /// <summary>A deploy to all hosts over the open session.</summary>
    public async Task<double> RmoteWarmAsync()
    {
        await Settle();
        var sw = Stopwatch.StartNew();
        (await Copier.CopyAsync(Warm)).EnsureSuccess();
        return sw.Elapsed.TotalSeconds;
    }

    /// <summary>Throws unless every host's <paramref name="dest"/> holds the workload byte for byte.</summary>
    public void VerifySame(string dest) => VerifySame(Hosts, dest, _ => true);

    /// <summary>
    /// Throws unless each of <paramref name="hosts"/> has every workload file at <paramref name="dest"/> with its size,
    /// and the hosts <paramref name="compareBytes"/> picks (by index) with its bytes.
    /// </summary>
    public void VerifySame(IReadOnlyList<SshHost> hosts, string dest, Func<int, bool> compareBytes)
    {
        for (var i = 0; i < hosts.Count; i++)
            foreach (var f in Files)
            {
                var rel = Path.GetRelativePath(Src, f);
                var remote = Path.Combine(hosts[i].SrvRoot, dest, rel);
                if (new FileInfo(remote).Length != new FileInfo(f).Length
                    || compareBytes(i) && !File.ReadAllBytes(remote).AsSpan().SequenceEqual(File.ReadAllBytes(f)))
                    throw new InvalidOperationException($"{hosts[i].Name}: {rel} differs after the copy");
            }
    }

    public async ValueTask DisposeAsync()
    {
        if (warm is not null) await warm.DisposeAsync();
        work.Dispose();
        await fleet.DisposeAsync();
        Cpu.Dispose();
    }

    /// <summary>Copy options to <paramref name="destination"/> with the A/B knobs of the environment (BENCH_DURABLE, BENCH_INFLIGHT, ...).</summary>
    public static CopyOptions CopyOptionsFromEnvironment(string destination)
    {
        var copyOptions = new CopyOptions { DestinationFolder = destination };
        if (Environment.GetEnvironmentVariable("BENCH_DURABLE") == "0") copyOptions = copyOptions with { Durable = false };
        if (Environment.GetEnvironmentVariable("BENCH_COMPRESS") == "1") copyOptions = copyOptions with { Compress = true };
        if (Environment.GetEnvironmentVariable("BENCH_INFLIGHT") is { } inflight) copyOptions = copyOptions with { MaxFilesInFlight = int.Parse(inflight, CultureInfo.InvariantCulture) };
        if (Environment.GetEnvironmentVariable("BENCH_SMALL") is { } small) copyOptions = copyOptions with { SmallFileThreshold = int.Parse(small, CultureInfo.InvariantCulture) };
        return copyOptions;
    }
}
